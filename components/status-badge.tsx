import { STATUS_COLORS, STATUS_LABELS, type NodeStatus } from '@/components/status-colors';

/** The status as a coloured dot and its word: the colour is never the only signal. */
export function StatusBadge({ status }: { status: NodeStatus }) {
  return (
    <span className="status-badge" data-status={status}>
      <span className="status-dot" style={{ background: STATUS_COLORS[status] }} aria-hidden="true" />
      {STATUS_LABELS[status]}
    </span>
  );
}
