'use client';

import { useActionState } from 'react';
import { manageUserAction } from '@/app/(dashboard)/admin/users/actions';
import type { UserFormState } from '@/lib/auth/admin-users';
import { OneTimeSecret } from './one-time-secret';
import '../admin.css';
import './users.css';

export interface UserRowActionsProps {
  userId: string;
  email: string;
  role: string;
  disabled: boolean;
}

/**
 * One form per user: the button pressed (intent) names the change. With two roles, changing
 * a role is a toggle, and the button says which way it goes. The answer stays in the row: a
 * refusal (yourself, the last admin) as an alert, a temporary passphrase once.
 */
export function UserRowActions({ userId, email, role, disabled }: UserRowActionsProps) {
  const [state, action, pending] = useActionState<UserFormState, FormData>(manageUserAction, { ok: false, errors: {} });
  const otherRole = role === 'admin' ? 'viewer' : 'admin';
  const error = state.ok ? undefined : (state.errors.form ?? state.errors.role ?? state.errors.userId ?? state.errors.intent);
  const messageId = `user-${userId}-message`;
  return (
    <>
      <form action={action} className="user-row-form" aria-label={`Manage ${email}`} aria-describedby={error || state.ok ? messageId : undefined}>
        <input type="hidden" name="userId" value={userId} />
        <input type="hidden" name="role" value={otherRole} />
        <button type="submit" name="intent" value="role" className="admin-button admin-button--small" disabled={pending} title={`Make ${email} ${otherRole}`}>
          Change role to {otherRole}
        </button>
        {disabled ? (
          <button type="submit" name="intent" value="enable" className="admin-button admin-button--small" disabled={pending}>
            Enable
          </button>
        ) : (
          <button type="submit" name="intent" value="disable" className="admin-button admin-button--danger admin-button--small" disabled={pending} title={`Sign ${email} out everywhere and refuse their sign-in`}>
            Disable
          </button>
        )}
        <button type="submit" name="intent" value="reset" className="admin-button admin-button--small" disabled={pending} title={`Give ${email} a new temporary passphrase and sign them out everywhere`}>
          Reset password
        </button>
      </form>
      <div className="user-row-messages" id={messageId}>
        {error && (
          <p role="alert" className="admin-alert">
            {error}
          </p>
        )}
        {state.ok && (
          <p role="status" className="admin-notice">
            {state.notice}
          </p>
        )}
        {state.ok && state.oneTimePassword && (
          <OneTimeSecret
            key={state.oneTimePassword}
            secret={state.oneTimePassword}
            label={`Temporary passphrase for ${email}`}
            heading={`Temporary passphrase for ${email}`}
            warning="Copy it now and pass it on in person or by phone: it will not be shown again."
          />
        )}
      </div>
    </>
  );
}
