'use client';

import { useEffect, useRef, useState } from 'react';
import './admin.css';

type CopyState = 'idle' | 'copied' | 'manual';

/**
 * A secret shown once (probe key, API token, temporary passphrase) in a read-only box with Copy.
 * It lives in the caller's props only, so leaving or reloading the page loses it for good. The
 * Clipboard API exists on https and localhost only; over plain http on a LAN address the older
 * copy command is tried, and failing that the text is selected for Ctrl+C.
 */
export function CopySecretField({ secret, label }: { secret: string; label: string }) {
  const [copy, setCopy] = useState<CopyState>('idle');
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (copy !== 'copied') return;
    const timer = setTimeout(() => setCopy('idle'), 4000);
    return () => clearTimeout(timer);
  }, [copy]);

  async function onCopy() {
    const input = inputRef.current!;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard API');
      await navigator.clipboard.writeText(secret);
      setCopy('copied');
    } catch {
      input.focus();
      input.select();
      setCopy(document.execCommand('copy') ? 'copied' : 'manual');
    }
  }

  return (
    <>
      <div className="new-key-row">
        <input ref={inputRef} type="text" readOnly className="admin-input" aria-label={label} value={secret} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="admin-button" onClick={onCopy}>
          Copy
        </button>
      </div>
      <p role="status" className="admin-status-line">
        {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'manual' ? 'This browser will not copy here: the text is selected, press Ctrl+C (⌘C on a Mac).' : ''}
      </p>
    </>
  );
}
