import { describe, expect, it } from 'vitest';
import { logSearchSchema } from '@/lib/logs/search-schemas';
import { nextPageHref, readLogsUrl, tabHref, traceHref, zoomHref } from './urls';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const query = (href: string) => Object.fromEntries(new URL(href, 'http://x').searchParams);

describe('the /logs URL state', () => {
  it("keeps the tab's parameters, the tab and tz; drops empty values and the other tab's parameters", () => {
    const logs = readLogsUrl({ q: 'disk', level: '', type: 'node_down', tz: 'utc', cursor: ['c1', 'c2'] });
    expect(logs).toEqual({ tab: 'logs', search: { q: 'disk', cursor: 'c1' }, state: { q: 'disk', cursor: 'c1', tz: 'utc' } });
    const events = readLogsUrl({ tab: 'events', type: 'node_down', level: 'WARN', node_id: 'n' });
    expect(events).toEqual({ tab: 'events', search: { type: 'node_down', node_id: 'n' }, state: { tab: 'events', type: 'node_down', node_id: 'n' } });
  });

  it('switching tabs keeps node, range and time zone only', () => {
    const state = { q: 'disk', level: 'WARN', node_id: 'n1', start: '2026-03-10T10:00:00Z', tz: 'utc' };
    expect(query(tabHref(state, 'events'))).toEqual({ node_id: 'n1', start: '2026-03-10T10:00:00Z', tz: 'utc', tab: 'events' });
    expect(tabHref({ tab: 'events', type: 'x' }, 'logs')).toBe('/logs');
  });

  it('a trace link is a valid search: oldest first, an hour either side, end no further than the API allows', () => {
    const href = traceHref({ q: 'x', tz: 'utc' }, 'req-1', '2026-03-10T11:59:00.000Z', NOW);
    expect(query(href)).toEqual({ tz: 'utc', request_id: 'req-1', order: 'asc', start: '2026-03-10T10:59:00.000Z', end: '2026-03-10T12:05:00.000Z' });
    const { tz: _tz, ...search } = query(href);
    expect(logSearchSchema(NOW).safeParse(search).success).toBe(true);
    expect(query(traceHref({}, 'req-2', '2026-03-09T00:00:00.000Z', NOW)).end).toBe('2026-03-09T01:00:00.000Z');
  });

  it('the next page pins the range searched; zooming starts from the newest line again', () => {
    const range = { from: new Date('2026-03-10T11:00:00Z'), to: NOW };
    expect(query(nextPageHref({ q: 'disk' }, 'abc', range))).toEqual({ q: 'disk', cursor: 'abc', start: '2026-03-10T11:00:00.000Z', end: '2026-03-10T12:00:00.000Z' });
    expect(query(zoomHref({ q: 'disk', cursor: 'abc' }, range.from, new Date('2026-03-10T11:01:00Z')))).toEqual({
      q: 'disk',
      start: '2026-03-10T11:00:00.000Z',
      end: '2026-03-10T11:01:00.000Z',
    });
  });
});
