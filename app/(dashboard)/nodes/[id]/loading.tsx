import { NodeCharts } from '@/components/node-page/node-charts';

/** Shown while a node page (or another range of it) is read: the page's shape, charts in their loading state. */
export default function NodeLoading() {
  return (
    <div aria-busy="true">
      <div className="page-head node-head">
        <div className="skeleton skeleton-title" aria-hidden="true" />
        <span className="visually-hidden" role="status">
          Loading node…
        </span>
      </div>
      <div className="skeleton skeleton-bar" aria-hidden="true" />
      <div className="skeleton skeleton-block" aria-hidden="true" />
      <NodeCharts points={[]} aggregation="hourly" timeZone="UTC" loading />
    </div>
  );
}
