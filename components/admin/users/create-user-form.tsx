'use client';

import { useActionState, useState } from 'react';
import { createUserAction } from '@/app/(dashboard)/admin/users/actions';
import { Field } from '@/components/admin/field';
import type { UserFormState } from '@/lib/auth/admin-users';
import { MAX_PASSWORD, MIN_PASSWORD } from '@/lib/auth/schemas';
import { OneTimeSecret } from './one-time-secret';
import '../admin.css';
import './users.css';

/**
 * There is no email in this product: "inviting" someone is creating their account here and
 * handing over the password, either one the admin types or a generated one shown once.
 */
export function CreateUserForm() {
  const [state, action, pending] = useActionState<UserFormState, FormData>(createUserAction, { ok: false, errors: {} });
  const [generate, setGenerate] = useState(false);
  const errors = state.ok ? {} : state.errors;
  const values = state.ok ? undefined : state.values;
  return (
    <>
      {state.ok && (
        <p role="status" className="admin-notice">
          {state.notice}
        </p>
      )}
      {state.ok && state.oneTimePassword && (
        <OneTimeSecret
          key={state.oneTimePassword}
          secret={state.oneTimePassword}
          label="Temporary passphrase"
          heading="Temporary passphrase"
          warning="Copy it now and pass it on in person or by phone: it will not be shown again. They can change it on My account."
        />
      )}
      <form className="admin-form user-create" action={action} aria-label="Create user">
        {errors.form && (
          <p role="alert" className="admin-alert">
            {errors.form}
          </p>
        )}
        <div className="admin-grid">
          <Field id="new-user-name" label="Name" error={errors.name}>
            {(c) => <input {...c} name="name" type="text" className="admin-input" autoComplete="off" required maxLength={100} defaultValue={values?.name} />}
          </Field>
          <Field id="new-user-email" label="Email" error={errors.email}>
            {(c) => <input {...c} name="email" type="email" className="admin-input" autoComplete="off" required maxLength={254} defaultValue={values?.email} />}
          </Field>
          <Field id="new-user-role" label="Role" error={errors.role} hint="Viewers see everything, change nothing. Admins manage nodes, keys, tokens and users.">
            {(c) => (
              <select {...c} name="role" className="admin-input" defaultValue={values?.role || 'viewer'}>
                <option value="viewer">viewer</option>
                <option value="admin">admin</option>
              </select>
            )}
          </Field>
          <Field id="new-user-generate" label="Generate a temporary passphrase (shown once)" check>
            {(c) => <input {...c} name="generate" type="checkbox" className="admin-check" checked={generate} onChange={(e) => setGenerate(e.currentTarget.checked)} />}
          </Field>
          {!generate && (
            <Field id="new-user-password" label="Password" error={errors.password} hint={`At least ${MIN_PASSWORD} characters. A passphrase of several words works well.`}>
              {(c) => <input {...c} name="password" type="password" className="admin-input" autoComplete="new-password" required minLength={MIN_PASSWORD} maxLength={MAX_PASSWORD} />}
            </Field>
          )}
        </div>
        <div className="admin-form-actions">
          <button type="submit" className="admin-button admin-button--primary" disabled={pending}>
            {pending ? 'Creating…' : 'Create user'}
          </button>
        </div>
      </form>
    </>
  );
}
