import { ApiError } from '../http/problem';
import type { EventRow, LogRow, Position } from './queries';
import { EVENT_SEVERITIES, LOG_LEVELS, type EventDocument, type LogDocument, type LogLevel } from './types';

/*
 * The PostgreSQL store's translations, no SQL: documents → rows (checked and made storable),
 * rows → documents, cursors, the user's search text, highlight markers → segments.
 */

/** A btree entry must stay under ~2.7 kB; keyword fields are identifiers, not prose. */
export const MAX_KEYWORD_BYTES = 1024;

export type Checked<R> = { ok: true; row: R } | { ok: false; reason: string };

/**
 * PostgreSQL stores neither NUL (in text or jsonb) nor a lone UTF-16 surrogate (jsonb refuses
 * its escape; text would get U+FFFD from the driver anyway): both become U+FFFD, so one odd
 * character costs a character, not the document or its batch.
 */
export function storable(s: string): string {
  return s.replaceAll('\0', '\uFFFD').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storableJson(v)]));
  }
  return value;
}

class Refused extends Error {}

function text(field: string, value: unknown, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) throw new Refused(`${field} is missing`);
    return null;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new Refused(`${field} is not a string`);
  return storable(value);
}

function keyword(field: string, value: unknown, required = false): string | null {
  const s = text(field, value, required);
  if (s !== null && Buffer.byteLength(s) > MAX_KEYWORD_BYTES) throw new Refused(`${field} is longer than ${MAX_KEYWORD_BYTES} bytes`);
  if (required && s === '') throw new Refused(`${field} is empty`);
  return s;
}

function json(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Refused(`${field} is not an object`);
  try {
    return JSON.stringify(storableJson(value));
  } catch (err) {
    throw new Refused(`${field} cannot be serialised: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const STRICT_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The timestamp as PostgreSQL should read it: a strict ISO 8601 string as written (microseconds
 * kept), anything else JavaScript can read as its ISO form. Outside [oldest, newest) it is
 * refused: older than retention would be deleted at once (and, in plain mode, have no
 * partition), and a clock far ahead would keep rows (and partitions) for years.
 */
function timestamp(value: unknown, oldest: number, newest: number): string {
  if (typeof value !== 'string') throw new Refused('@timestamp is not a string');
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new Refused('@timestamp is not a date');
  if (ms < oldest) throw new Refused(`@timestamp is older than the retention (${new Date(oldest).toISOString()})`);
  if (ms >= newest) throw new Refused(`@timestamp is too far in the future (after ${new Date(newest).toISOString()})`);
  return STRICT_ISO.test(value) ? value : new Date(ms).toISOString();
}

function check<R>(build: () => R): Checked<R> {
  try {
    return { ok: true, row: build() };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}

export interface Window {
  oldest: number;
  newest: number;
}

export function logRow(doc: LogDocument, window: Window): Checked<LogRow> {
  return check(() => {
    if (doc === null || typeof doc !== 'object') throw new Refused('not an object');
    const level = typeof doc.level === 'string' ? doc.level.toUpperCase() : doc.level;
    if (!LOG_LEVELS.includes(level as LogLevel)) throw new Refused(`level must be one of ${LOG_LEVELS.join(', ')}`);
    const ex: Record<string, unknown> = doc.exception && typeof doc.exception === 'object' ? doc.exception : {};
    return {
      time: timestamp(doc['@timestamp'], window.oldest, window.newest),
      service: keyword('service', doc.service, true)!,
      level: level as string,
      message: text('message', doc.message, true)!,
      logger: keyword('logger', doc.logger),
      requestId: keyword('request_id', doc.request_id),
      nodeId: keyword('node_id', doc.node_id),
      userId: keyword('user_id', doc.user_id),
      exceptionType: keyword('exception.type', ex.type),
      exceptionMessage: text('exception.message', ex.message, false),
      exceptionStacktrace: text('exception.stacktrace', ex.stacktrace, false),
      context: json('context', doc.context),
    };
  });
}

export function eventRow(doc: EventDocument, window: Window): Checked<EventRow> {
  return check(() => {
    if (doc === null || typeof doc !== 'object') throw new Refused('not an object');
    if (!EVENT_SEVERITIES.includes(doc.severity)) throw new Refused(`severity must be one of ${EVENT_SEVERITIES.join(', ')}`);
    return {
      time: timestamp(doc['@timestamp'], window.oldest, window.newest),
      eventType: keyword('event_type', doc.event_type, true)!,
      nodeId: keyword('node_id', doc.node_id),
      severity: doc.severity,
      message: text('message', doc.message, true)!,
      metadata: json('metadata', doc.metadata),
    };
  });
}

// ---- reading rows back -------------------------------------------------------------------------

/** Microseconds since the epoch → ISO 8601, with milliseconds unless the row holds finer. */
export function microsToIso(micros: string): string {
  const n = BigInt(micros);
  const ms = n / 1000n - (n % 1000n < 0n ? 1n : 0n);
  const sub = Number(n - ms * 1000n);
  const base = new Date(Number(ms)).toISOString();
  return sub === 0 ? base : `${base.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

type Row = Record<string, string | null>;
const opt = <K extends string>(key: K, value: string | null | undefined) => (value === null || value === undefined ? {} : { [key]: value });

export function logDocument(r: Row): LogDocument {
  const exception = { ...opt('type', r.exception_type), ...opt('message', r.exception_message), ...opt('stacktrace', r.exception_stacktrace) };
  return {
    '@timestamp': microsToIso(r.micros!),
    service: r.service!,
    level: r.level as LogLevel,
    message: r.message!,
    ...opt('logger', r.logger),
    ...opt('request_id', r.request_id),
    ...opt('node_id', r.node_id),
    ...opt('user_id', r.user_id),
    ...(Object.keys(exception).length > 0 ? { exception } : {}),
    ...(r.context ? { context: JSON.parse(r.context) as Record<string, unknown> } : {}),
  };
}

export function eventDocument(r: Row): EventDocument {
  return {
    '@timestamp': microsToIso(r.micros!),
    event_type: r.event_type!,
    ...opt('node_id', r.node_id),
    severity: r.severity as EventDocument['severity'],
    message: r.message!,
    ...(r.metadata ? { metadata: JSON.parse(r.metadata) as Record<string, unknown> } : {}),
  };
}

// ---- cursors -----------------------------------------------------------------------------------

export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify(['pg', p.micros, p.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const [tag, micros, id] = Array.isArray(value) ? (value as unknown[]) : [];
  const valid = typeof micros === 'string' && /^-?\d{1,17}$/.test(micros) && typeof id === 'string' && /^\d{1,19}$/.test(id) && BigInt(id) < 2n ** 63n;
  if (tag !== 'pg' || !valid) {
    throw new ApiError(400, 'The cursor is not one this server issued.', { errors: [{ parameter: 'cursor', message: 'invalid cursor' }] });
  }
  return { micros: micros as string, id: id as string };
}

// ---- the search text ---------------------------------------------------------------------------

/**
 * Splits off the word being typed, searched as a prefix. Everything else goes to
 * websearch_to_tsquery as written: "quoted phrases", words, `or`, `-word`. A text ending in a
 * phrase, an operator or a negation has no prefix word.
 */
export function splitSearchText(input: string): { body: string; prefix?: string } {
  const tokens = [...input.matchAll(/"[^"]*"?|\S+/g)];
  const last = tokens.at(-1);
  if (!last) return { body: '' };
  const word = last[0];
  if (word.startsWith('"') || word.startsWith('-') || word.toLowerCase() === 'or') return { body: input };
  return { body: input.slice(0, last.index), prefix: word };
}

/**
 * ts_headline's output (the message with markers) → segments alternating plain / matched,
 * starting and ending plain. Undefined when nothing matched in the message, when the message
 * itself holds a marker character, or when the output would not give the message back: a
 * highlight must never misquote a log line. `message` may be longer than what was highlighted
 * (only the indexed part is): the rest is appended as plain text.
 */
export function highlightSegments(highlighted: string | null, message: string, start: string, end: string): string[] | undefined {
  if (highlighted === null || message.includes(start) || message.includes(end)) return undefined;
  const segments: string[] = [];
  let rest = highlighted;
  for (;;) {
    const s = rest.indexOf(start);
    if (s < 0) break;
    const e = rest.indexOf(end, s);
    if (e < 0) return undefined;
    segments.push(rest.slice(0, s), rest.slice(s + start.length, e));
    rest = rest.slice(e + end.length);
  }
  segments.push(rest);
  if (segments.length < 3) return undefined;
  const joined = segments.join('');
  if (!message.startsWith(joined)) return undefined;
  segments[segments.length - 1] += message.slice(joined.length);
  return segments;
}
