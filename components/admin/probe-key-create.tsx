'use client';

import { useActionState } from 'react';
import type { ProbeKeyCreateState } from '@/lib/nodes/admin-schema';
import { Field } from './field';
import { NewProbeKey } from './new-probe-key';
import './admin.css';

export interface ProbeKeyCreateProps {
  action: (prev: ProbeKeyCreateState, form: FormData) => Promise<ProbeKeyCreateState>;
}

/** Issue a key with an optional label; the answer carries the secret, shown once below the form. */
export function ProbeKeyCreate({ action }: ProbeKeyCreateProps) {
  const [state, dispatch, pending] = useActionState(action, { status: 'idle' });
  const errors = state.status === 'invalid' ? state.errors : {};
  return (
    <>
      {errors.form && (
        <p role="alert" className="admin-alert">
          {errors.form}
        </p>
      )}
      <form action={dispatch} className="key-create">
        <Field id="probe-key-label" label="Key label (optional)" error={errors.label} hint="e.g. the host or the person it is for">
          {(control) => (
            <input
              {...control}
              name="label"
              type="text"
              className="admin-input"
              autoComplete="off"
              defaultValue={state.status === 'invalid' ? state.label : ''}
            />
          )}
        </Field>
        <button type="submit" className="admin-button admin-button--primary" disabled={pending}>
          Create key
        </button>
      </form>
      {state.status === 'created' && <NewProbeKey key={state.prefix} secret={state.key} prefix={state.prefix} label={state.label} />}
    </>
  );
}
