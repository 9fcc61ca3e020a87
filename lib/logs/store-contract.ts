import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDocument, EventQuery, Hit, LogDocument, LogQuery, LogStore, SearchPage } from './types';

/**
 * The behaviour every LogStore owes the API, as vitest blocks: the PostgreSQL store runs it on
 * both engines (postgres-store.test.ts), the Elasticsearch store against a live cluster. Only
 * the LogStore interface is used. `open()` must give a store holding no documents; `refresh`,
 * when given, is awaited after each write to make it visible to searches (Elasticsearch's
 * refresh); `cleanup` runs once at the end.
 */
export interface OpenedStore {
  store: LogStore;
  refresh?: () => Promise<void>;
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The main set: minutes before `base` → document. Two lines share an instant (ties). */
function mainLogs(at: (minutesBefore: number) => string): LogDocument[] {
  return [
    { '@timestamp': at(50), service: 'api', level: 'INFO', message: 'GET /api/nodes 200 in 12 ms', request_id: 'req-a', user_id: 'user-1', logger: 'http' },
    { '@timestamp': at(49), service: 'worker', level: 'INFO', message: 'Processing batch of 500 metrics', request_id: 'req-a' },
    { '@timestamp': at(48), service: 'worker', level: 'WARN', message: 'Upstream gateway timeout after 30 s, retrying', request_id: 'req-a', node_id: 'node-1' },
    {
      '@timestamp': at(40),
      service: 'api',
      level: 'ERROR',
      message: 'Connection refused by database host db-1',
      request_id: 'req-b',
      user_id: 'user-2',
      exception: { type: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.5:5432', stacktrace: 'Error: connect\n    at db.ts:12' },
      context: { attempt: 2, host: 'db-1', tags: ['primary'] },
    },
    { '@timestamp': at(35), service: 'worker', level: 'DEBUG', message: 'Refused connection attempt from probe', node_id: 'node-2' },
    { '@timestamp': at(30), service: 'ingest', level: 'FATAL', message: 'Out of memory: killing worker process' },
    { '@timestamp': at(20), service: 'api', level: 'INFO', message: 'Überlastung im Knoten Zürich — 東京 ノード ok', node_id: 'node-1' },
    { '@timestamp': at(15), service: 'api', level: 'INFO', message: 'Heartbeat tick one' },
    { '@timestamp': at(15), service: 'api', level: 'INFO', message: 'Heartbeat tick two' },
    { '@timestamp': at(10), service: 'api', level: 'WARN', message: `Quote "it's" & | ! ( ) : * weird <b>markup</b> \\ done` },
    { '@timestamp': at(5), service: 'api', level: 'TRACE', message: 'Cache lookup for key nodes:list' },
    { '@timestamp': at(2), service: 'worker', level: 'INFO', message: 'Metrics received from probe', request_id: 'req-c' },
  ];
}

function mainEvents(at: (minutesBefore: number) => string): EventDocument[] {
  return [
    { '@timestamp': at(45), event_type: 'node_down', node_id: 'node-1', severity: 'critical', message: 'Node probe-gh-accra-01 is down: no samples for 5 minutes' },
    { '@timestamp': at(30), event_type: 'node_up', node_id: 'node-1', severity: 'info', message: 'Node probe-gh-accra-01 is up again' },
    { '@timestamp': at(25), event_type: 'probe_key_issued', node_id: 'node-2', severity: 'info', message: 'Probe key issued for probe-ng-lagos-02', metadata: { key_id: 'k1' } },
    { '@timestamp': at(10), event_type: 'ingest_dead_letter', severity: 'warning', message: 'Dead letter: 3 samples refused' },
    { '@timestamp': at(5), event_type: 'node_down', node_id: 'node-2', severity: 'critical', message: 'Node probe-ng-lagos-02 is down' },
  ];
}

const messages = <T extends { message: string }>(page: SearchPage<T>) => page.hits.map((h) => h.doc.message);
const times = <T extends { '@timestamp': string }>(page: SearchPage<T>) => page.hits.map((h) => Date.parse(h.doc['@timestamp']));
const matched = (hit: Hit<unknown>) => (hit.highlight ?? []).filter((_, i) => i % 2 === 1).map((s) => s.toLowerCase());

export function describeLogStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`LogStore contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: LogStore;
    let base: number;
    const at = (minutesBefore: number) => new Date(base - minutesBefore * MINUTE).toISOString();
    const visible = async () => opened.refresh?.();
    /** The main window: one hour up to `base`, a minute past it. */
    const logs = (q: Partial<LogQuery> = {}) => store.searchLogs({ from: new Date(base - HOUR), to: new Date(base + MINUTE), limit: 100, ...q });
    const events = (q: Partial<EventQuery> = {}) => store.searchEvents({ from: new Date(base - HOUR), to: new Date(base + MINUTE), limit: 100, ...q });
    const bulkFrom = () => base - DAY - HOUR;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
      base = Math.floor(Date.now() / MINUTE) * MINUTE;
      expect(await store.writeLogs(mainLogs(at))).toEqual({ written: 12, rejected: [] });
      expect(await store.writeEvents(mainEvents(at))).toEqual({ written: 5, rejected: [] });
      const bulk: LogDocument[] = Array.from({ length: 600 }, (_, i) => ({
        '@timestamp': new Date(bulkFrom() + i * 1000).toISOString(),
        service: 'bulk',
        level: 'INFO',
        message: `bulk line ${i}`,
      }));
      expect(await store.writeLogs(bulk)).toEqual({ written: 600, rejected: [] });
      await visible();
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    it('finds every line of the range, newest first, each with an id, as written', async () => {
      const page = await logs();
      expect(page.total).toBe(12);
      expect(page.hits).toHaveLength(12);
      expect(new Set(page.hits.map((h) => h.id)).size).toBe(12);
      expect(page.hits.every((h) => typeof h.id === 'string' && h.id.length > 0)).toBe(true);
      const t = times(page);
      expect(t).toEqual([...t].sort((a, b) => b - a));
      expect(page.nextCursor).toBeUndefined();
      const written = mainLogs(at).find((d) => d.request_id === 'req-b');
      expect(page.hits.find((h) => h.doc.request_id === 'req-b')?.doc).toEqual(written);
    });

    it('oldest first when asked', async () => {
      const page = await logs({ ascending: true });
      const t = times(page);
      expect(t).toEqual([...t].sort((a, b) => a - b));
      expect(page.hits[0]!.doc.message).toBe('GET /api/nodes 200 in 12 ms');
    });

    it('a quoted phrase matches the words in that order only; bare words match in any order', async () => {
      expect(messages(await logs({ text: '"connection refused"' }))).toEqual(['Connection refused by database host db-1']);
      expect(messages(await logs({ text: 'connection refused' })).sort()).toEqual([
        'Connection refused by database host db-1',
        'Refused connection attempt from probe',
      ]);
    });

    it('the last word is a prefix, every word must match', async () => {
      expect(messages(await logs({ text: 'gate' }))).toEqual(['Upstream gateway timeout after 30 s, retrying']);
      expect(messages(await logs({ text: 'upstream time' }))).toEqual(['Upstream gateway timeout after 30 s, retrying']);
      expect(messages(await logs({ text: 'metr' }))).toEqual(['Metrics received from probe', 'Processing batch of 500 metrics']);
      expect(messages(await logs({ text: 'upstream refused' }))).toEqual([]);
    });

    it('finds unicode words case-insensitively and survives any punctuation', async () => {
      expect(messages(await logs({ text: 'zürich' }))).toEqual(['Überlastung im Knoten Zürich — 東京 ノード ok']);
      expect(messages(await logs({ text: 'ÜBERLASTUNG' }))).toEqual(['Überlastung im Knoten Zürich — 東京 ノード ok']);
      expect(messages(await logs({ text: 'weird markup' }))).toEqual([`Quote "it's" & | ! ( ) : * weird <b>markup</b> \\ done`]);
      for (const text of [`&|!():*'`, `"unclosed`, `'`, `\\`, `a:* & !b | (c`, `-`, `""`, `<->`, `or`]) {
        const page = await logs({ text });
        expect(Array.isArray(page.hits), text).toBe(true);
        expect(page.total, text).toBe(page.histogram.reduce((n, b) => n + b.count, 0));
      }
      expect((await logs({ text: '   ' })).total).toBe(12);
    });

    it('filters by service, level, node, request id, user and time range', async () => {
      expect((await logs({ services: ['worker'] })).hits.map((h) => h.doc.service)).toEqual(['worker', 'worker', 'worker', 'worker']);
      expect((await logs({ services: ['worker', 'ingest'] })).total).toBe(5);
      expect(messages(await logs({ levels: ['ERROR', 'FATAL'] }))).toEqual(['Out of memory: killing worker process', 'Connection refused by database host db-1']);
      expect(messages(await logs({ nodeId: 'node-1' }))).toEqual(['Überlastung im Knoten Zürich — 東京 ノード ok', 'Upstream gateway timeout after 30 s, retrying']);
      expect(messages(await logs({ requestId: 'req-b' }))).toEqual(['Connection refused by database host db-1']);
      expect(messages(await logs({ userId: 'user-1' }))).toEqual(['GET /api/nodes 200 in 12 ms']);
      expect(messages(await logs({ services: ['api'], levels: ['WARN'], text: 'markup' }))).toHaveLength(1);
      // from is inclusive, to exclusive.
      const range = await logs({ from: new Date(at(30)), to: new Date(at(10)) });
      expect(messages(range).sort()).toEqual(['Heartbeat tick one', 'Heartbeat tick two', 'Out of memory: killing worker process', 'Überlastung im Knoten Zürich — 東京 ノード ok']);
      expect((await logs({ services: ['nobody'] })).total).toBe(0);
    });

    it('minLevel keeps that level and above, and narrows `levels` too', async () => {
      const warn = await logs({ minLevel: 'WARN' });
      expect(warn.hits.map((h) => h.doc.level)).toEqual(['WARN', 'FATAL', 'ERROR', 'WARN']);
      expect((await logs({ minLevel: 'TRACE' })).total).toBe(12);
      expect(messages(await logs({ minLevel: 'WARN', levels: ['INFO', 'ERROR'] }))).toEqual(['Connection refused by database host db-1']);
    });

    it('a request id gives the api and worker lines of that request in time order', async () => {
      const page = await logs({ requestId: 'req-a', ascending: true });
      expect(page.hits.map((h) => [h.doc.service, h.doc.message])).toEqual([
        ['api', 'GET /api/nodes 200 in 12 ms'],
        ['worker', 'Processing batch of 500 metrics'],
        ['worker', 'Upstream gateway timeout after 30 s, retrying'],
      ]);
    });

    it('cursor pagination visits every hit exactly once, in order, both directions', async () => {
      for (const ascending of [false, true]) {
        const seen: Hit<LogDocument>[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await logs({ limit: 5, cursor, ascending });
          expect(page.hits.length).toBeLessThanOrEqual(5);
          expect(page.total).toBe(12);
          seen.push(...page.hits);
          cursor = page.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        expect(pages).toBe(3);
        expect(seen.map((h) => h.id)).toEqual((await logs({ ascending })).hits.map((h) => h.id));
        expect(new Set(seen.map((h) => h.id)).size).toBe(12);
      }
      const ticks = await logs({ text: 'heartbeat', limit: 1 });
      const next = await logs({ text: 'heartbeat', limit: 1, cursor: ticks.nextCursor });
      expect([...messages(ticks), ...messages(next)].sort()).toEqual(['Heartbeat tick one', 'Heartbeat tick two']);
      expect(next.nextCursor).toBeUndefined();
      await expect(logs({ cursor: 'not-a-cursor' })).rejects.toThrow();
    });

    it('a page holds at most 500 hits', async () => {
      const q = { from: new Date(bulkFrom() - HOUR), to: new Date(bulkFrom() + HOUR), services: ['bulk'] };
      const page = await store.searchLogs({ ...q, limit: 1000 });
      expect(page.hits).toHaveLength(500);
      expect(page.total).toBe(600);
      expect(page.nextCursor).toBeDefined();
      const rest = await store.searchLogs({ ...q, limit: 1000, cursor: page.nextCursor });
      expect(rest.hits).toHaveLength(100);
      expect(rest.hits.at(-1)!.doc.message).toBe('bulk line 0');
    });

    it('highlights give the message back and mark the matched words', async () => {
      const check = (hit: Hit<LogDocument> | undefined, word: string) => {
        expect(hit?.highlight, word).toBeDefined();
        expect(hit!.highlight!.join('')).toBe(hit!.doc.message);
        expect(matched(hit!)).toContain(word);
      };
      check((await logs({ text: 'gateway' })).hits[0], 'gateway');
      check((await logs({ text: 'zürich' })).hits[0], 'zürich');
      check((await logs({ text: 'upstream timeo' })).hits[0], 'upstream');
      const special = (await logs({ text: 'markup' })).hits[0];
      expect(special?.highlight?.join('')).toBe(`Quote "it's" & | ! ( ) : * weird <b>markup</b> \\ done`);
      expect((await logs()).hits.every((h) => h.highlight === undefined)).toBe(true);
    });

    it('the histogram covers the range in equal buckets and sums to the total', async () => {
      for (const q of [{}, { text: 'connection' }, { minLevel: 'WARN' as const }, { services: ['nobody'] }]) {
        const page = await logs(q);
        const { histogram: h, histogramBucketMs: step } = page;
        expect(step).toBeGreaterThan(0);
        expect(h.reduce((n, b) => n + b.count, 0)).toBe(page.total);
        const starts = h.map((b) => Date.parse(b.start));
        expect(starts[0]).toBeLessThanOrEqual(base - HOUR);
        expect(starts[0]! + step).toBeGreaterThan(base - HOUR);
        expect(starts.at(-1)).toBeLessThan(base + MINUTE);
        expect(starts.at(-1)! + step).toBeGreaterThanOrEqual(base + MINUTE);
        for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(step);
        expect(h.length).toBeLessThanOrEqual(61);
      }
      const day = await store.searchLogs({ from: new Date(base - DAY), to: new Date(base), limit: 1 });
      expect(day.histogram.length).toBeLessThanOrEqual(61);
      expect(day.histogram.length).toBeGreaterThanOrEqual(24);
    });

    it('events filter by type, severity, node and text', async () => {
      expect((await events()).total).toBe(5);
      expect(messages(await events({ eventTypes: ['node_down'] }))).toEqual(['Node probe-ng-lagos-02 is down', 'Node probe-gh-accra-01 is down: no samples for 5 minutes']);
      expect((await events({ severities: ['info'] })).hits.map((h) => h.doc.event_type)).toEqual(['probe_key_issued', 'node_up']);
      expect((await events({ severities: ['critical', 'warning'] })).total).toBe(3);
      expect((await events({ eventTypes: ['node_down', 'node_up'], severities: ['info'] })).total).toBe(1);
      expect((await events({ nodeId: 'node-2' })).hits.map((h) => h.doc.event_type)).toEqual(['node_down', 'probe_key_issued']);
      const dead = await events({ text: 'dead lett' });
      expect(messages(dead)).toEqual(['Dead letter: 3 samples refused']);
      expect(dead.hits[0]!.highlight?.join('')).toBe('Dead letter: 3 samples refused');
      expect(dead.hits[0]!.doc).toEqual(mainEvents(at)[3]);
      expect((await events({ eventTypes: ['probe_key_issued'] })).hits[0]!.doc).toEqual(mainEvents(at)[2]);
      const first = await events({ limit: 2 });
      const second = await events({ limit: 2, cursor: first.nextCursor });
      const third = await events({ limit: 2, cursor: second.nextCursor });
      expect([...first.hits, ...second.hits, ...third.hits].map((h) => h.id)).toEqual((await events()).hits.map((h) => h.id));
      expect(third.nextCursor).toBeUndefined();
    });

    it('a document with an unstorable string does not cost the others', async () => {
      const odd = (minutes: number, message: string, context?: Record<string, unknown>): LogDocument => ({
        '@timestamp': new Date(base - 5 * HOUR - minutes * MINUTE).toISOString(),
        service: 'odd',
        level: 'INFO',
        message,
        ...(context ? { context } : {}),
      });
      const docs = [
        odd(3, 'Survivor alpha'),
        odd(2, 'Bad nul \u0000 byte and a lone \ud800 surrogate', { ['key\udc00']: 'value\u0000', nested: { s: '\ud83d' } }),
        odd(1, 'Survivor omega'),
      ];
      const result = await store.writeLogs(docs);
      expect(result.written + result.rejected.length).toBe(3);
      expect(result.rejected.length).toBeLessThanOrEqual(1);
      for (const r of result.rejected) expect(r.reason).toEqual(expect.any(String));
      await visible();
      const page = await store.searchLogs({ from: new Date(base - 6 * HOUR), to: new Date(base - 4 * HOUR), services: ['odd'], limit: 10 });
      expect(page.total).toBe(result.written);
      expect(messages(await store.searchLogs({ from: new Date(base - 6 * HOUR), to: new Date(base - 4 * HOUR), text: 'survivor', limit: 10 }))).toEqual([
        'Survivor omega',
        'Survivor alpha',
      ]);
    });

    // Last: retention deletes across the whole store.
    it('retention removes old documents only (stores that have applyRetention)', async (ctx) => {
      if (!store.applyRetention) return ctx.skip('this store has no applyRetention (its own lifecycle deletes)');
      const now = Date.now();
      const old = new Date(now - 10 * DAY).toISOString();
      expect((await store.writeLogs([{ '@timestamp': old, service: 'retention', level: 'INFO', message: 'ten days old' }])).written).toBe(1);
      expect((await store.writeEvents([{ '@timestamp': old, event_type: 'node_up', severity: 'info', message: 'ten days old' }])).written).toBe(1);
      await visible();
      const oldRange = { from: new Date(now - 11 * DAY), to: new Date(now - 9 * DAY), limit: 10 };

      // 25 days on, logs (30 d) older than 5 days go; events (90 d) stay.
      expect(await store.applyRetention(new Date(now + 25 * DAY))).toEqual({ logsDeleted: 1, eventsDeleted: 0 });
      await visible();
      expect((await store.searchLogs(oldRange)).total).toBe(0);
      expect((await logs()).total).toBe(12);
      expect((await store.searchEvents(oldRange)).total).toBe(1);

      // 85 days on, events older than 5 days go, the recent ones stay.
      expect((await store.applyRetention(new Date(now + 85 * DAY))).eventsDeleted).toBe(1);
      await visible();
      expect((await store.searchEvents(oldRange)).total).toBe(0);
      expect((await events()).total).toBe(5);
    });
  });
}
