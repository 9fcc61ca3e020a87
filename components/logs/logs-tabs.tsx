import Link from 'next/link';
import { tabHref, type LogsTab, type UrlState } from './urls';

/** Logs | Events: links (the tab is in the URL, `?tab=events`), the current one marked for assistive tech too. */
export function LogsTabs({ tab, state }: { tab: LogsTab; state: UrlState }) {
  const item = (which: LogsTab, label: string) => (
    <Link href={tabHref(state, which)} className="logs-tab" aria-current={tab === which ? 'page' : undefined} prefetch={false}>
      {label}
    </Link>
  );
  return (
    <nav className="logs-tabs" aria-label="Logs and events">
      {item('logs', 'Logs')}
      {item('events', 'Events')}
    </nav>
  );
}
