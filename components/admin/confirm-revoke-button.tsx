'use client';

import { useActionState, useEffect, useRef, useState } from 'react';
import './admin.css';

/** What the form reads of an action state: a form-level error when the revocation did not happen. */
type RevokeState = { errors?: { form?: string } };

export interface ConfirmRevokeButtonProps<S> {
  prefix: string;
  /** What stops working, e.g. "Probes using fsp_ab12cd34 will be refused." */
  warning: string;
  action: (prev: S, form: FormData) => Promise<S>;
  initialState: S;
}

/** Revoke in two steps (Revoke, then Confirm revoke), for probe keys and API tokens alike. */
export function ConfirmRevokeButton<S>({ prefix, warning, action, initialState }: ConfirmRevokeButtonProps<S>) {
  const [confirming, setConfirming] = useState(false);
  const [state, dispatch, pending] = useActionState<S, FormData>(action, initialState as Awaited<S>);
  const error = (state as RevokeState).errors?.form;
  const confirmRef = useRef<HTMLButtonElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (returnFocus.current) startRef.current?.focus();
  }, [confirming]);

  if (!confirming) {
    return (
      <button ref={startRef} type="button" className="admin-button admin-button--danger admin-button--small" onClick={() => setConfirming(true)}>
        Revoke
      </button>
    );
  }
  const warningId = `revoke-${prefix}-warning`;
  return (
    <form action={dispatch} className="revoke-confirm">
      <input type="hidden" name="prefix" value={prefix} />
      <span id={warningId}>{warning} Sure?</span>
      <button ref={confirmRef} type="submit" className="admin-button admin-button--danger admin-button--small" disabled={pending} aria-describedby={warningId}>
        Confirm revoke
      </button>
      <button
        type="button"
        className="admin-button admin-button--small"
        onClick={() => {
          returnFocus.current = true;
          setConfirming(false);
        }}
      >
        Cancel
      </button>
      {error && (
        <p role="alert" className="admin-field-error">
          {error}
        </p>
      )}
    </form>
  );
}
