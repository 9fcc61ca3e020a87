import Link from 'next/link';
import { nodeHref } from './urls';

/** A node id as a link to its node page, by name when the page knows it. */
export function NodeLink({ nodeId, names }: { nodeId?: string; names: ReadonlyMap<string, string> }) {
  if (!nodeId) return <span className="muted">—</span>;
  const name = names.get(nodeId);
  return (
    <Link href={nodeHref(nodeId)} prefetch={false} title={nodeId} className="log-node">
      {name ?? nodeId}
    </Link>
  );
}
