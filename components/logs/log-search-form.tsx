import { LOG_LEVELS } from '@/lib/logs/types';
import { FormButtons, HiddenFields, RangeFields, SelectField, TIME_HINT, TextField } from './search-fields';
import { urlFormKey } from '@/components/controls/url-form-key';
import { logsHref, type UrlState } from './urls';

/** Services that write logs here; other names can still be typed. */
const KNOWN_SERVICES = ['fiber-api', 'fiber-worker', 'fiber-cli'];

/** The log search: every field is a parameter of GET /api/logs, with the same name. */
export function LogSearchForm({ state }: { state: UrlState }) {
  return (
    <form key={urlFormKey(state)} method="get" action="/logs" className="log-search" aria-label="Log filters" aria-describedby="log-time-hint">
      <HiddenFields values={{ tz: state.tz, order: state.order, limit: state.limit }} />
      <TextField type="search" name="q" label="Search" value={state.q} placeholder='words, a prefix, or "a phrase"' wide maxLength={200} />
      <TextField name="service" label="Service" value={state.service} placeholder="any" list="log-services" />
      <datalist id="log-services">
        {KNOWN_SERVICES.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <SelectField name="level" label="Level" value={state.level} choices={LOG_LEVELS} />
      <SelectField name="min_level" label="Minimum level" value={state.min_level} choices={LOG_LEVELS} />
      <TextField name="node_id" label="Node" value={state.node_id} placeholder="node id (UUID)" />
      <TextField name="request_id" label="Request id" value={state.request_id} placeholder="any" />
      <TextField name="user_id" label="User" value={state.user_id} placeholder="user id" />
      <RangeFields start={state.start} end={state.end} defaultSpan="1 hour" />
      <FormButtons resetHref={logsHref(state.tz ? { tz: state.tz } : {})} />
      <p id="log-time-hint" className="field-hint log-search-hint">
        {TIME_HINT} Levels and services take comma lists in the URL.
      </p>
    </form>
  );
}
