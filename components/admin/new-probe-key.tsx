import { CopySecretField } from './copy-secret-field';
import './admin.css';

/** The secret of a key just issued, once: the server keeps only its hash. */
export function NewProbeKey({ secret, prefix, label }: { secret: string; prefix: string; label: string | null }) {
  return (
    <section className="new-key" aria-labelledby="new-key-heading">
      <h3 id="new-key-heading">
        New key <code>{prefix}</code>
        {label ? <> ({label})</> : null}
      </h3>
      <p className="admin-warning">
        <strong>Copy this key now: it will not be shown again.</strong> Only its hash is stored. Put it in the probe&apos;s
        configuration (<code>Authorization: Bearer …</code>); if it is lost, revoke it and create another.
      </p>
      <CopySecretField secret={secret} label="New probe key" />
    </section>
  );
}
