'use client';

import { startTransition, useActionState, useState, type FormEvent } from 'react';
import type { DeleteNodeState } from '@/lib/nodes/admin-schema';
import { Field } from './field';
import './admin.css';

export interface DeleteNodeFormProps {
  nodeName: string;
  action: (prev: DeleteNodeState, form: FormData) => Promise<DeleteNodeState>;
}

/** Deleting is the one change that cannot be undone, so it takes the node's name typed in, checked here and again on the server. */
export function DeleteNodeForm({ nodeName, action }: DeleteNodeFormProps) {
  const [state, dispatch, pending] = useActionState(action, { errors: {}, confirmation: '' });
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [seenState, setSeenState] = useState(state);
  if (state !== seenState) {
    setSeenState(state);
    setError(state.errors.confirmation);
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (typed.trim() !== nodeName) {
      setError(`Type the node name, ${nodeName}, exactly to confirm.`);
      document.getElementById('delete-confirmation')?.focus();
      return;
    }
    setError(undefined);
    const form = new FormData(event.currentTarget);
    startTransition(() => dispatch(form));
  }

  return (
    <form action={dispatch} onSubmit={onSubmit} noValidate className="delete-node-form">
      <p id="delete-warning" className="admin-warning">
        <strong>
          Deleting <span className="admin-code">{nodeName}</span> also deletes all its metrics and all its probe keys.
        </strong>{' '}
        The database removes them with the node (ON DELETE CASCADE), and this cannot be undone. To keep its history, deactivate it instead.
      </p>
      {state.errors.form && (
        <p role="alert" className="admin-alert">
          {state.errors.form}
        </p>
      )}
      <Field id="delete-confirmation" label="Confirm by typing the node's name" error={error}>
        {(control) => (
          <input
            {...control}
            aria-describedby={[control['aria-describedby'], 'delete-warning'].filter(Boolean).join(' ')}
            name="confirmation"
            type="text"
            className="admin-input"
            autoComplete="off"
            spellCheck={false}
            value={typed}
            onChange={(e) => {
              setTyped(e.target.value);
              setError(undefined);
            }}
          />
        )}
      </Field>
      <button type="submit" className="admin-button admin-button--danger" disabled={pending}>
        Delete node
      </button>
    </form>
  );
}
