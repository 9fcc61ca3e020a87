import { z } from 'zod';
import type { ParameterError } from '../http/problem';
import { instant } from '../metrics/schemas';
import { EVENT_SEVERITIES, LOG_LEVELS, MAX_PAGE_SIZE, MAX_SEARCH_RANGE_DAYS, type EventQuery, type LogQuery } from './types';

/*
 * The query parameters of GET /api/logs and GET /api/events, also the state of the /logs page's
 * URL: one schema per endpoint, built for a given clock (`end` may not run ahead of it, and the
 * default range ends at it). Values are strings as they come from the URL.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Logs: the last hour unless told otherwise (the volume is high). */
export const DEFAULT_LOG_SPAN_MS = HOUR_MS;
/** Events are rare: the last day unless told otherwise. */
export const DEFAULT_EVENT_SPAN_MS = DAY_MS;
export const MAX_SEARCH_SPAN_MS = MAX_SEARCH_RANGE_DAYS * DAY_MS;
/** A clock a little ahead of ours is no reason to refuse; a year ahead is a typo. */
export const MAX_END_AHEAD_MS = 5 * MINUTE_MS;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_QUERY_LENGTH = 200;
const MAX_LIST_ITEMS = 20;

export const LOG_SEARCH_PARAMETERS = ['q', 'service', 'level', 'min_level', 'node_id', 'request_id', 'user_id', 'start', 'end', 'limit', 'cursor', 'order'] as const;
export const EVENT_SEARCH_PARAMETERS = ['q', 'type', 'severity', 'node_id', 'start', 'end', 'limit', 'cursor'] as const;

/** `a, b,,c` → ['a', 'b', 'c'], without repeats. */
const commaList = (value: string) => [...new Set(value.split(',').map((v) => v.trim()).filter((v) => v !== ''))];

const list = <T extends z.ZodType<string, string>>(name: string, item: T) =>
  z
    .string()
    .transform(commaList)
    .pipe(z.array(item).min(1, `${name} must name at least one value`).max(MAX_LIST_ITEMS, `${name} may name at most ${MAX_LIST_ITEMS} values`))
    .optional();

const levelName = (name: string) =>
  z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(LOG_LEVELS, { error: `${name} must be one of ${LOG_LEVELS.join(', ')} (any case)` }));

// A keyword as the stores keep it: no spaces or markup, so it cannot smuggle query syntax.
const keyword = (name: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${name} must be at most ${max} characters`)
    .regex(/^[\w.:@-]+$/, `${name} may contain only letters, digits and _ . : @ -`);

const text = z
  .string()
  .trim()
  .max(MAX_QUERY_LENGTH, `q must be at most ${MAX_QUERY_LENGTH} characters`)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'q must not contain control characters')
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const nodeId = z
  .string()
  .trim()
  .pipe(z.guid({ error: 'node_id must be a UUID' }))
  .transform((id) => id.toLowerCase())
  .optional();


const limit = z
  .string()
  .regex(/^\s*\d{1,9}\s*$/, `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
  .transform(Number)
  .pipe(z.number().min(1, `limit must be at least 1`).max(MAX_PAGE_SIZE, `limit may be at most ${MAX_PAGE_SIZE}`))
  .optional();

// Opaque to us (the store makes and reads it); only its size and alphabet are bounded here.
const cursor = z
  .string()
  .max(1024, 'cursor is not one this server issued')
  .regex(/^[\x21-\x7e]+$/, 'cursor is not one this server issued')
  .optional();

const rangeFields = { start: instant('start'), end: instant('end'), limit, cursor };

const logFields = z.strictObject({
  q: text,
  service: list('service', keyword('each service', 100)),
  level: list('level', levelName('level')),
  min_level: levelName('min_level').optional(),
  node_id: nodeId,
  request_id: keyword('request_id', 128).optional(),
  user_id: keyword('user_id', 128).optional(),
  order: z.enum(['desc', 'asc'], { error: 'order must be desc (newest first) or asc (oldest first)' }).default('desc'),
  ...rangeFields,
});

const eventFields = z.strictObject({
  q: text,
  type: list('type', keyword('each type', 64)),
  severity: list('severity', z.string().transform((v) => v.toLowerCase()).pipe(z.enum(EVENT_SEVERITIES, { error: `severity must be one or more of ${EVENT_SEVERITIES.join(', ')}` }))),
  node_id: nodeId,
  ...rangeFields,
});

export interface ResolvedRange {
  from: Date;
  to: Date;
  errors: ParameterError[];
}

/**
 * `end` defaults to now and `start` to `defaultSpanMs` before `end`. Refused: start not before
 * end, end more than 5 minutes ahead of the clock, a span over MAX_SEARCH_RANGE_DAYS (the scan
 * stays bounded). Errors name the parameters the caller gave.
 */
export function resolveRange(start: Date | undefined, end: Date | undefined, now: Date, defaultSpanMs: number): ResolvedRange {
  const to = end ?? now;
  const from = start ?? new Date(to.getTime() - defaultSpanMs);
  const errors: ParameterError[] = [];
  if (end && end.getTime() > now.getTime() + MAX_END_AHEAD_MS) {
    errors.push({ parameter: 'end', message: `end (${end.toISOString()}) may be at most ${MAX_END_AHEAD_MS / MINUTE_MS} minutes ahead of the server's clock (${now.toISOString()})` });
  }
  const span = to.getTime() - from.getTime();
  if (span <= 0) {
    errors.push({ parameter: start ? 'start' : 'end', message: `start (${from.toISOString()}) must be before end (${to.toISOString()})` });
  } else if (span > MAX_SEARCH_SPAN_MS) {
    const message = `a search may span at most ${MAX_SEARCH_RANGE_DAYS} days; this one spans ${(span / DAY_MS).toFixed(1)} days`;
    for (const parameter of ['start', 'end'] as const) {
      if ((parameter === 'start' ? start : end) !== undefined) errors.push({ parameter, message });
    }
  }
  return { from, to, errors };
}

/** Adds the range's problems to the parse, at the parameters they name. */
function checkRange(now: Date, defaultSpanMs: number) {
  return (v: { start?: unknown; end?: unknown }, ctx: z.RefinementCtx) => {
    // A start or end that did not parse already has its issue; a range needs both readable.
    if (typeof v !== 'object' || v === null) return;
    if (!(v.start === undefined || v.start instanceof Date) || !(v.end === undefined || v.end instanceof Date)) return;
    for (const e of resolveRange(v.start, v.end, now, defaultSpanMs).errors) ctx.addIssue({ code: 'custom', path: [e.parameter], message: e.message });
  };
}

/** The range is checked even when other parameters failed, so that one answer names every problem. */
const ALWAYS = { when: () => true };

/** GET /api/logs's query → the store's LogQuery. */
export function logSearchSchema(now: Date) {
  return logFields.superRefine(checkRange(now, DEFAULT_LOG_SPAN_MS), ALWAYS).transform((v): LogQuery => {
    const { from, to } = resolveRange(v.start, v.end, now, DEFAULT_LOG_SPAN_MS);
    return {
      from,
      to,
      text: v.q,
      services: v.service,
      levels: v.level,
      minLevel: v.min_level,
      nodeId: v.node_id,
      requestId: v.request_id,
      userId: v.user_id,
      limit: v.limit ?? DEFAULT_PAGE_SIZE,
      cursor: v.cursor,
      ascending: v.order === 'asc',
    };
  });
}

/** GET /api/events's query → the store's EventQuery. */
export function eventSearchSchema(now: Date) {
  return eventFields.superRefine(checkRange(now, DEFAULT_EVENT_SPAN_MS), ALWAYS).transform((v): EventQuery => {
    const { from, to } = resolveRange(v.start, v.end, now, DEFAULT_EVENT_SPAN_MS);
    return {
      from,
      to,
      text: v.q,
      eventTypes: v.type,
      severities: v.severity,
      nodeId: v.node_id,
      limit: v.limit ?? DEFAULT_PAGE_SIZE,
      cursor: v.cursor,
    };
  });
}

/**
 * zod issues → one ParameterError per bad parameter and message; an unknown parameter is named
 * itself (zod reports them together, at the object).
 */
export function searchParameterErrors(issues: readonly z.core.$ZodIssue[], known: readonly string[]): ParameterError[] {
  const out: ParameterError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ parameter: key, message: `unknown parameter ${key}; known: ${known.join(', ')}` });
    } else {
      out.push({ parameter: String(issue.path[0] ?? '(query)'), message: issue.message });
    }
  }
  return out;
}
