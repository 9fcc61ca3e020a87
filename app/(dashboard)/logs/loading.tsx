import '@/components/logs/logs.css';

/** Shown while a search runs: the page's shape (tabs, form, histogram, rows) in its loading state. */
export default function LogsLoading() {
  return (
    <div aria-busy="true">
      <div className="page-head">
        <h1>Logs</h1>
        <span className="visually-hidden" role="status">
          Searching…
        </span>
      </div>
      <div className="skeleton skeleton-bar" aria-hidden="true" />
      <div className="skeleton log-skeleton-form" aria-hidden="true" />
      <div className="skeleton log-skeleton-histogram" aria-hidden="true" />
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="skeleton log-skeleton-row" aria-hidden="true" />
      ))}
    </div>
  );
}
