'use client';

import { useActionState } from 'react';
import { setupFirstAdmin } from '@/app/(auth)/setup/actions';
import type { SetupState } from '@/lib/auth/setup';
import './auth.css';

const FIELDS = [
  { name: 'name', label: 'Name', type: 'text', autoComplete: 'name' },
  { name: 'email', label: 'Email', type: 'email', autoComplete: 'username' },
  { name: 'password', label: 'Password', type: 'password', autoComplete: 'new-password' },
  { name: 'confirm', label: 'Confirm password', type: 'password', autoComplete: 'new-password' },
] as const;

export function SetupForm() {
  const [state, action, pending] = useActionState<SetupState, FormData>(setupFirstAdmin, { ok: false, errors: {} });
  const errors = state.ok ? {} : state.errors;
  const values = state.ok ? undefined : state.values;
  return (
    <form className="auth-form" action={action}>
      {errors.form && (
        <p role="alert" className="form-error">
          {errors.form}
        </p>
      )}
      {FIELDS.map((f) => (
        <div key={f.name} className="auth-field">
          <label htmlFor={f.name}>{f.label}</label>
          <input
            id={f.name}
            name={f.name}
            type={f.type}
            autoComplete={f.autoComplete}
            required
            defaultValue={f.type === 'password' ? undefined : values?.[f.name]}
            aria-invalid={errors[f.name] ? true : undefined}
            aria-describedby={errors[f.name] ? `${f.name}-error` : f.name === 'password' ? 'password-hint' : undefined}
          />
          {errors[f.name] && (
            <p id={`${f.name}-error`} className="field-error">
              {errors[f.name]}
            </p>
          )}
          {f.name === 'password' && !errors.password && (
            <p id="password-hint" className="field-hint">
              At least 12 characters. A passphrase of several words works well.
            </p>
          )}
        </div>
      ))}
      <button type="submit" className="primary-button" disabled={pending}>
        {pending ? 'Creating…' : 'Create admin and sign in'}
      </button>
    </form>
  );
}
