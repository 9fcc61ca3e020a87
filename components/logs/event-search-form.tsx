import { EVENT_SEVERITIES } from '@/lib/logs/types';
import { FormButtons, HiddenFields, RangeFields, SelectField, TIME_HINT, TextField } from './search-fields';
import { logsHref, type UrlState } from './urls';

/** Event types the product writes (lib/logs/types.ts); others can still be typed. */
const KNOWN_TYPES = ['node_down', 'node_up', 'node_created', 'node_updated', 'node_deleted', 'probe_key_issued', 'probe_key_revoked', 'ingest_dead_letter'];

/** The event search: every field is a parameter of GET /api/events, with the same name. */
export function EventSearchForm({ state }: { state: UrlState }) {
  return (
    <form method="get" action="/logs" className="log-search" aria-label="Event filters" aria-describedby="event-time-hint">
      <HiddenFields values={{ tab: 'events', tz: state.tz, limit: state.limit }} />
      <TextField type="search" name="q" label="Search" value={state.q} placeholder='words, a prefix, or "a phrase"' wide maxLength={200} />
      <TextField name="type" label="Type" value={state.type} placeholder="any" list="event-types" />
      <datalist id="event-types">
        {KNOWN_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <SelectField name="severity" label="Severity" value={state.severity} choices={EVENT_SEVERITIES} />
      <TextField name="node_id" label="Node" value={state.node_id} placeholder="node id (UUID)" />
      <RangeFields start={state.start} end={state.end} defaultSpan="1 day" />
      <FormButtons resetHref={logsHref({ tab: 'events', ...(state.tz ? { tz: state.tz } : {}) })} />
      <p id="event-time-hint" className="field-hint log-search-hint">
        {TIME_HINT}
      </p>
    </form>
  );
}
