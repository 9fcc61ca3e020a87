import { EVENT_SEVERITIES, KNOWN_EVENT_TYPES } from '@/lib/logs/types';
import { FormButtons, HiddenFields, RangeFields, SelectField, TIME_HINT, TextField } from './search-fields';
import { urlFormKey } from '@/components/controls/url-form-key';
import { logsHref, type UrlState } from './urls';

/** The event search: every field is a parameter of GET /api/events, with the same name. */
export function EventSearchForm({ state }: { state: UrlState }) {
  return (
    <form key={urlFormKey(state)} method="get" action="/logs" className="log-search" aria-label="Event filters" aria-describedby="event-time-hint">
      <HiddenFields values={{ tab: 'events', tz: state.tz, limit: state.limit }} />
      <TextField type="search" name="q" label="Search" value={state.q} placeholder='words, a prefix, or "a phrase"' wide maxLength={200} />
      <TextField name="type" label="Type" value={state.type} placeholder="any" list="event-types" />
      <datalist id="event-types">
        {/* Suggestions only: other types can still be typed. */}
        {KNOWN_EVENT_TYPES.map((t) => (
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
