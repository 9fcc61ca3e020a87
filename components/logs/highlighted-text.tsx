import { Fragment } from 'react';

/**
 * A message with the store's matches as <mark>: `segments` alternate plain / matched, starting
 * plain (lib/logs/types.ts). Always React text, never HTML, whatever a message contains.
 */
export function HighlightedText({ text, segments }: { text: string; segments?: string[] }) {
  if (!segments || segments.length < 2) return <>{text}</>;
  return (
    <>
      {segments.map((segment, i) =>
        i % 2 === 1 ? <mark key={i}>{segment}</mark> : segment === '' ? null : <Fragment key={i}>{segment}</Fragment>,
      )}
    </>
  );
}
