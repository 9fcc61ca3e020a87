'use client';

import { useActionState } from 'react';
import { changePasswordAction } from '@/app/(dashboard)/account/actions';
import { Field } from '@/components/admin/field';
import type { PasswordChangeState } from '@/lib/auth/account';
import { MAX_PASSWORD, MIN_PASSWORD } from '@/lib/auth/schemas';
import '@/components/admin/admin.css';
import '@/components/admin/users/users.css';

const FIELDS = [
  { name: 'currentPassword', label: 'Current password', autoComplete: 'current-password', hint: undefined },
  { name: 'newPassword', label: 'New password', autoComplete: 'new-password', hint: `At least ${MIN_PASSWORD} characters. A passphrase of several words works well.` },
  { name: 'confirmPassword', label: 'Confirm new password', autoComplete: 'new-password', hint: undefined },
] as const;

export function PasswordForm() {
  const [state, action, pending] = useActionState<PasswordChangeState, FormData>(changePasswordAction, { ok: false, errors: {} });
  const errors = state.ok ? {} : state.errors;
  return (
    <form className="admin-form account-password" action={action} aria-label="Change password">
      {state.ok && (
        <p role="status" className="admin-notice">
          {state.notice}
        </p>
      )}
      {errors.form && (
        <p role="alert" className="admin-alert">
          {errors.form}
        </p>
      )}
      {FIELDS.map((f) => (
        <Field key={f.name} id={`account-${f.name}`} label={f.label} error={errors[f.name]} hint={f.hint}>
          {(c) => (
            <input
              {...c}
              name={f.name}
              type="password"
              className="admin-input"
              autoComplete={f.autoComplete}
              required
              minLength={f.name === 'currentPassword' ? undefined : MIN_PASSWORD}
              maxLength={MAX_PASSWORD}
            />
          )}
        </Field>
      ))}
      <div className="admin-form-actions">
        <button type="submit" className="admin-button admin-button--primary" disabled={pending}>
          {pending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
