import { describe, expect, it } from 'vitest';
import {
  EVENT_SEARCH_PARAMETERS,
  LOG_SEARCH_PARAMETERS,
  eventSearchSchema,
  logSearchSchema,
  searchParameterErrors,
} from './search-schemas';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const T = NOW.getTime();

function logs(params: Record<string, string>) {
  const parsed = logSearchSchema(NOW).safeParse(params);
  return parsed.success
    ? { query: parsed.data, errors: [] }
    : { query: undefined, errors: searchParameterErrors(parsed.error.issues, LOG_SEARCH_PARAMETERS) };
}

function events(params: Record<string, string>) {
  const parsed = eventSearchSchema(NOW).safeParse(params);
  return parsed.success
    ? { query: parsed.data, errors: [] }
    : { query: undefined, errors: searchParameterErrors(parsed.error.issues, EVENT_SEARCH_PARAMETERS) };
}

/** A table row with a short title for long values. */
const row = ([parameter, value]: string[]) => ({
  parameter: parameter!,
  value: value!,
  shown: value!.length > 24 ? `${value!.slice(0, 8)}… (${value!.length} characters)` : value!,
});
const named = (errors: { parameter: string }[]) => errors.map((e) => e.parameter);

describe('log search parameters', () => {
  it('defaults: the last hour, 100 newest first, no filters', () => {
    expect(logs({}).query).toEqual({
      from: new Date(T - HOUR),
      to: NOW,
      text: undefined,
      services: undefined,
      levels: undefined,
      minLevel: undefined,
      nodeId: undefined,
      requestId: undefined,
      userId: undefined,
      limit: 100,
      cursor: undefined,
      ascending: false,
    });
  });

  it('reads every filter: lists split on commas, levels in any case, node ids lower-cased', () => {
    const { query, errors } = logs({
      q: '  "disk full" ',
      service: 'fiber-api, fiber-worker,,fiber-api',
      level: 'warn,Error',
      min_level: 'info',
      node_id: '550E8400-E29B-41D4-A716-446655440000',
      request_id: 'req-123456',
      user_id: 'u_42',
      start: '2026-03-10T10:00:00+01:00',
      end: '2026-03-10T11:30:00Z',
      limit: '500',
      cursor: 'WzE3MDAwMDAwMDAwMDAsImFiYyJd',
      order: 'asc',
    });
    expect(errors).toEqual([]);
    expect(query).toEqual({
      text: '"disk full"',
      services: ['fiber-api', 'fiber-worker'],
      levels: ['WARN', 'ERROR'],
      minLevel: 'INFO',
      nodeId: '550e8400-e29b-41d4-a716-446655440000',
      requestId: 'req-123456',
      userId: 'u_42',
      from: new Date('2026-03-10T09:00:00Z'),
      to: new Date('2026-03-10T11:30:00Z'),
      limit: 500,
      cursor: 'WzE3MDAwMDAwMDAwMDAsImFiYyJd',
      ascending: true,
    });
  });

  it('only start: up to now; only end: the hour before it', () => {
    expect(logs({ start: iso(T - 3 * HOUR) }).query).toMatchObject({ from: new Date(T - 3 * HOUR), to: NOW });
    expect(logs({ end: iso(T - DAY) }).query).toMatchObject({ from: new Date(T - DAY - HOUR), to: new Date(T - DAY) });
  });

  it.each([
    ['q', 'x'.repeat(201)],
    ['q', 'tab\there'],
    ['service', 'fiber api'],
    ['service', ','],
    ['service', Array.from({ length: 21 }, (_, i) => `s${i}`).join(',')],
    ['level', 'WARNING'],
    ['level', 'INFO,LOUD'],
    ['min_level', 'all'],
    ['node_id', 'probe-gh-accra-01'],
    ['request_id', 'x'.repeat(129)],
    ['request_id', 'req 1'],
    ['request_id', '<script>'],
    ['user_id', 'a/b'],
    ['start', 'yesterday'],
    ['end', '2026-03-10T12:00:00'],
    ['limit', '0'],
    ['limit', '501'],
    ['limit', '-1'],
    ['limit', '2.5'],
    ['limit', 'ten'],
    ['cursor', 'has space'],
    ['cursor', 'x'.repeat(1025)],
    ['order', 'newest'],
  ].map(row))('$parameter=$shown → 422 naming $parameter', ({ parameter, value }) => {
    const { errors } = logs({ [parameter]: value });
    expect(named(errors)).toEqual([parameter]);
    expect(errors[0]!.message).toMatch(new RegExp(parameter === 'start' || parameter === 'end' ? parameter : `${parameter}|each`));
  });

  it('names unknown parameters, each on its own, along with the bad known ones', () => {
    const { errors } = logs({ levle: 'WARN', page: '2', limit: '0' });
    expect(named(errors).sort()).toEqual(['levle', 'limit', 'page']);
    expect(errors.find((e) => e.parameter === 'levle')!.message).toMatch(/unknown parameter levle; known: q, service, level/);
  });

  it('a limit of 1 to 500 is fine, 501 is not', () => {
    expect(logs({ limit: '1' }).query?.limit).toBe(1);
    expect(logs({ limit: '500' }).query?.limit).toBe(500);
    expect(named(logs({ limit: '501' }).errors)).toEqual(['limit']);
  });

  it('a span of exactly 31 days is fine; 31 days and 1 ms is refused, naming start and end', () => {
    expect(logs({ start: iso(T - 31 * DAY), end: iso(T) }).errors).toEqual([]);
    const { errors } = logs({ start: iso(T - 31 * DAY - 1), end: iso(T) });
    expect(named(errors)).toEqual(['start', 'end']);
    expect(errors[0]!.message).toMatch(/at most 31 days/);
    // Only start given: the span still counts up to now, and only start is named.
    expect(named(logs({ start: iso(T - 31 * DAY - 1) }).errors)).toEqual(['start']);
  });

  it('end may run up to 5 minutes ahead of the clock, not more', () => {
    expect(logs({ end: iso(T + 5 * MIN) }).errors).toEqual([]);
    const { errors } = logs({ end: iso(T + 5 * MIN + 1) });
    expect(named(errors)).toEqual(['end']);
    expect(errors[0]!.message).toMatch(/at most 5 minutes ahead/);
  });

  it('start must be before end', () => {
    expect(named(logs({ start: iso(T - HOUR), end: iso(T - HOUR) }).errors)).toEqual(['start']);
    expect(named(logs({ start: iso(T - HOUR), end: iso(T - 2 * HOUR) }).errors)).toEqual(['start']);
    // A start in the future with the default end (now).
    expect(named(logs({ start: iso(T + MIN) }).errors)).toEqual(['start']);
  });

  it('one answer names every problem: a bad field does not hide a bad range', () => {
    expect(named(logs({ level: 'LOUD', limit: 'x', end: iso(T + DAY) }).errors).sort()).toEqual(['end', 'level', 'limit']);
  });

  it('an unreadable start is reported once, without range errors built on it', () => {
    expect(logs({ start: 'soon', end: iso(T - DAY) }).errors.map((e) => e.parameter).sort()).toEqual(['start']);
  });

  it('an empty q (spaces) is no text at all', () => {
    expect(logs({ q: '   ' }).query?.text).toBeUndefined();
  });
});

describe('event search parameters', () => {
  it('defaults: the last day, 100 newest first', () => {
    expect(events({}).query).toEqual({
      from: new Date(T - DAY),
      to: NOW,
      text: undefined,
      eventTypes: undefined,
      severities: undefined,
      nodeId: undefined,
      limit: 100,
      cursor: undefined,
    });
  });

  it('reads types, severities (any case) and the node', () => {
    const { query } = events({ type: 'node_down,node_up', severity: 'Warning,critical', node_id: '550e8400-e29b-41d4-a716-446655440000', q: 'accra' });
    expect(query).toMatchObject({ eventTypes: ['node_down', 'node_up'], severities: ['warning', 'critical'], nodeId: '550e8400-e29b-41d4-a716-446655440000', text: 'accra' });
  });

  it.each([
    ['type', 'node down'],
    ['severity', 'error'],
    ['node_id', 'x'],
    ['limit', '501'],
    ['start', 'now-1h'],
    ['order', 'asc'],
    ['level', 'INFO'],
  ].map(row))('$parameter=$shown → 422 naming $parameter', ({ parameter, value }) => {
    expect(named(events({ [parameter]: value }).errors)).toEqual([parameter]);
  });

  it('bounds the range like logs do', () => {
    expect(events({ start: iso(T - 31 * DAY), end: iso(T) }).errors).toEqual([]);
    expect(named(events({ start: iso(T - 31 * DAY - 1), end: iso(T) }).errors)).toEqual(['start', 'end']);
    expect(named(events({ end: iso(T + 6 * MIN) }).errors)).toEqual(['end']);
  });
});
