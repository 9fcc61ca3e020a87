'use client';

import { useActionState } from 'react';
import { createTokenAction } from '@/app/(dashboard)/admin/tokens/actions';
import { Field } from '@/components/admin/field';
import { OneTimeSecret } from '@/components/admin/users/one-time-secret';
import type { TokenFormState } from '@/lib/auth/api-tokens';
import '../admin.css';
import '../users/users.css';

export function CreateTokenForm() {
  const [state, action, pending] = useActionState<TokenFormState, FormData>(createTokenAction, { ok: false, errors: {} });
  const errors = state.ok ? {} : state.errors;
  return (
    <>
      {state.ok && (
        <p role="status" className="admin-notice">
          {state.notice}
        </p>
      )}
      {state.ok && state.token && (
        <OneTimeSecret
          key={state.token}
          secret={state.token}
          label="New API token"
          heading={`New API token ${state.prefix}`}
          warning="Copy this token now: it will not be shown again. Only its hash is stored. Send it as “Authorization: Bearer …”; if it is lost, revoke it and create another."
        />
      )}
      <form className="key-create" action={action} aria-label="Create token">
        {errors.form && (
          <p role="alert" className="admin-alert">
            {errors.form}
          </p>
        )}
        <Field id="token-label" label="Label" error={errors.label} hint="What uses it, so you know what breaks when you revoke it.">
          {(c) => <input {...c} name="label" type="text" className="admin-input" autoComplete="off" required maxLength={100} defaultValue={state.ok ? undefined : state.values?.label} />}
        </Field>
        <button type="submit" className="admin-button admin-button--primary" disabled={pending}>
          {pending ? 'Creating…' : 'Create token'}
        </button>
      </form>
    </>
  );
}
