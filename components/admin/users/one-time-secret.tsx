import { CopySecretField } from '../copy-secret-field';
import '../admin.css';
import './users.css';

export interface OneTimeSecretProps {
  secret: string;
  /** The accessible name of the read-only box, e.g. "New API token". */
  label: string;
  heading: string;
  warning: string;
}

/** A secret the server hands over once (an API token, a temporary passphrase). */
export function OneTimeSecret({ secret, label, heading, warning }: OneTimeSecretProps) {
  return (
    <div className="new-key one-time-secret">
      <p className="one-time-secret-heading">{heading}</p>
      <p className="admin-warning">
        <strong>{warning}</strong>
      </p>
      <CopySecretField secret={secret} label={label} />
    </div>
  );
}
