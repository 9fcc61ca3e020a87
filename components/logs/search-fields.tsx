import Link from 'next/link';

/*
 * Pieces of the two search forms: plain GET forms, so a search works without JavaScript and
 * lands in the URL (shareable, back button). An empty field is sent empty and means "any".
 */

export function TextField(props: { name: string; label: string; value?: string; placeholder?: string; list?: string; wide?: boolean; type?: 'text' | 'search'; maxLength?: number }) {
  return (
    <div className={props.wide ? 'filter log-filter-wide' : 'filter'}>
      <label htmlFor={fieldId(props.name)}>{props.label}</label>
      <input
        id={fieldId(props.name)}
        type={props.type ?? 'text'}
        name={props.name}
        defaultValue={props.value ?? ''}
        placeholder={props.placeholder}
        list={props.list}
        maxLength={props.maxLength}
        autoComplete="off"
        spellCheck={false}
      />
    </div>
  );
}

/**
 * Labels point at their control by id rather than wrapping it: a wrapping label's text would
 * include a select's option texts, and its accessible name would no longer be just "Level".
 */
const fieldId = (name: string) => `search-${name}`;

/** A select with "Any" first; a value from the URL that is not among the choices (a list, say) is kept as its own option. */
export function SelectField({ name, label, value, choices }: { name: string; label: string; value?: string; choices: readonly string[] }) {
  const options = value && !choices.includes(value) ? [...choices, value] : choices;
  return (
    <div className="filter">
      <label htmlFor={fieldId(name)}>{label}</label>
      <select id={fieldId(name)} name={name} defaultValue={value ?? ''}>
        <option value="">Any</option>
        {options.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}

/** From / To: ISO 8601 as the API reads it; empty means the default range ending now. */
export function RangeFields({ start, end, defaultSpan }: { start?: string; end?: string; defaultSpan: string }) {
  return (
    <>
      <TextField name="start" label="From" value={start} placeholder={`${defaultSpan} ago`} />
      <TextField name="end" label="To" value={end} placeholder="now" />
    </>
  );
}

export function HiddenFields({ values }: { values: Record<string, string | undefined> }) {
  return (
    <>
      {Object.entries(values).map(([name, value]) => (value ? <input key={name} type="hidden" name={name} value={value} /> : null))}
    </>
  );
}

export function FormButtons({ resetHref }: { resetHref: string }) {
  return (
    <div className="log-search-buttons">
      <button type="submit" className="primary-button log-search-button">
        Search
      </button>
      <Link className="control-button" href={resetHref} prefetch={false}>
        Reset
      </Link>
    </div>
  );
}

export const TIME_HINT = 'From / To: ISO 8601 with a zone (2025-11-24T16:35:00Z) or a date; left empty, the search ends now.';
