import type { ReactNode } from 'react';

/** What a control needs to be tied to its label, its hint and its error. */
export interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

export interface FieldProps {
  id: string;
  label: string;
  error?: string;
  hint?: ReactNode;
  wide?: boolean;
  /** A checkbox: the label sits after the box. */
  check?: boolean;
  children: (control: ControlProps) => ReactNode;
}

/** A labelled control with its hint and inline error; the error is announced through aria-describedby. */
export function Field({ id, label, error, hint, wide, check, children }: FieldProps) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  const control = children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy });
  const className = ['admin-field', wide && 'admin-field--wide', check && 'admin-field--check'].filter(Boolean).join(' ');
  return (
    <div className={className}>
      {check && control}
      <label htmlFor={id}>{label}</label>
      {!check && control}
      {hint && (
        <p id={hintId} className="admin-field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="admin-field-error">
          {error}
        </p>
      )}
    </div>
  );
}
