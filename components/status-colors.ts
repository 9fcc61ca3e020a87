/**
 * The one palette for node status. The map markers, the legend and any badge read it from here,
 * so a colour never means two things on the wall screen. The values match the theme's
 * --ok/--warn/--bad/--muted variables in app/globals.css.
 */
export const NODE_STATUSES = ['up', 'degraded', 'down', 'inactive'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const STATUS_COLORS: Record<NodeStatus, string> = {
  up: '#3fb950',
  degraded: '#d29922',
  down: '#f85149',
  inactive: '#8b949e',
};

export const STATUS_LABELS: Record<NodeStatus, string> = {
  up: 'Up',
  degraded: 'Degraded',
  down: 'Down',
  inactive: 'Inactive',
};

/** Paint order: the worse a node is, the later it is drawn, so it is never hidden under a healthy one. */
export const STATUS_PAINT_ORDER: Record<NodeStatus, number> = { inactive: 0, up: 1, degraded: 2, down: 3 };
