import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { logsHealth } from '../health/status';
import { log } from '../log';
import { createMigratedDatabase, type TestDatabase } from '../testing/databases';
import { emitEvent } from './events';
import { createPostgresLogStore } from './postgres-store';
import { LogShipper, logDocumentFromLine, logShippingStats, shipLog, startLogShipping, stopLogShipping, type LogShipperOptions } from './shipper';
import type { LogDocument, LogStore, WriteResult } from './types';

/*
 * The shipper against the real PostgreSQL store (PostgreSQL 15, plain mode); a store that throws
 * or hangs stands in only where the real one cannot be made to fail on cue (the boundary under
 * test is "the store is down").
 */

const MIN = 60_000;
const doc = (message: string, extra: Partial<LogDocument> = {}): LogDocument => ({
  '@timestamp': new Date().toISOString(),
  service: 'fiber-test',
  level: 'INFO',
  message,
  ...extra,
});

/** A pino logger whose lines land in `lines` (the shipper's reports, which go to stdout in production). */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ messageKey: 'message', formatters: { level: (label) => ({ level: label.toUpperCase() }) } }, {
    write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('log shipper on the PostgreSQL store', () => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let store: LogStore;
  const since = new Date(Date.now() - MIN);

  const search = (service: string) => store.searchLogs({ from: since, to: new Date(Date.now() + MIN), services: [service], limit: 500, ascending: true });
  const messages = async (service: string) => (await search(service)).hits.map((h) => h.doc.message);

  /** The real store, but for its log writes. */
  const withWrites = (writeLogs: LogStore['writeLogs']): LogStore => ({
    kind: 'postgres',
    setup: () => store.setup(),
    writeLogs,
    writeEvents: (docs) => store.writeEvents(docs),
    searchLogs: (q) => store.searchLogs(q),
    searchEvents: (q) => store.searchEvents(q),
    close: async () => {},
  });

  function shipper(options: Partial<LogShipperOptions> = {}): LogShipper {
    return new LogShipper({ store: async () => store, storeKind: 'postgres', bufferMax: 10_000, batchMax: 1000, intervalMs: 60_000, report: capture().logger, ...options });
  }

  beforeAll(async () => {
    t = await createMigratedDatabase('postgres');
    store = createPostgresLogStore(t.database.db, t.mode);
    await store.setup();
  });
  afterAll(() => t?.cleanup());
  afterEach(() => vi.restoreAllMocks());

  it('ships in batches of at most batchMax, off the caller: shipLog returns before anything is written', async () => {
    const write = vi.spyOn(store, 'writeLogs');
    const s = shipper({ batchMax: 400 });
    for (let i = 0; i < 1000; i += 1) s.shipLog(doc(`batch line ${i}`, { service: 'fiber-batch' }));
    expect(write).not.toHaveBeenCalled();
    expect(s.stats()).toMatchObject({ buffered: 1000, shipped: 0 });
    expect(await s.flush()).toBe(true);
    expect(write.mock.calls.map(([docs]) => docs.length)).toEqual([400, 400, 200]);
    expect(s.stats()).toMatchObject({ buffered: 0, shipped: 1000, dropped: 0, rejected: 0, failing: false });
    const stored = await search('fiber-batch');
    expect(stored.total).toBe(1000);
    expect(stored.hits.slice(0, 3).map((h) => h.doc.message)).toEqual(['batch line 0', 'batch line 1', 'batch line 2']);
  });

  it('a full batch ships without waiting for the interval', async () => {
    const s = shipper({ batchMax: 50, intervalMs: 3_600_000 });
    for (let i = 0; i < 50; i += 1) s.shipLog(doc(`eager ${i}`, { service: 'fiber-eager' }));
    await vi.waitFor(async () => expect(await messages('fiber-eager')).toHaveLength(50), { timeout: 10_000 });
    expect(s.stats().shipped).toBe(50);
  });

  it('ships on its interval once started, and events through their own queue', async () => {
    const s = shipper({ intervalMs: 50 });
    s.start();
    s.shipLog(doc('on the interval', { service: 'fiber-timer' }));
    s.shipEvent({ '@timestamp': new Date().toISOString(), event_type: 'test_event', severity: 'info', message: 'an event', metadata: { n: 1 } });
    await vi.waitFor(async () => expect(await messages('fiber-timer')).toEqual(['on the interval']), { timeout: 10_000 });
    const events = await store.searchEvents({ from: since, to: new Date(Date.now() + MIN), eventTypes: ['test_event'], limit: 10 });
    expect(events.hits.map((h) => h.doc.message)).toEqual(['an event']);
    expect(s.stats()).toMatchObject({ logs: { shipped: 1 }, events: { shipped: 1 } });
    await s.stop(1_000);
  });

  it('store down: keeps at most bufferMax, drops the oldest with a count, warns once per outage, ships what it kept once back', async () => {
    let down = true;
    const report = capture();
    const s = shipper({ store: async () => (down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : store), bufferMax: 100, batchMax: 30, report: report.logger });
    for (let i = 0; i < 250; i += 1) s.shipLog(doc(`outage ${i}`, { service: 'fiber-outage' }));
    expect(s.stats()).toMatchObject({ buffered: 100, dropped: 150, shipped: 0 });
    expect(s.stats().lastDroppedAt).not.toBeNull();

    expect(await s.flush()).toBe(false);
    expect(await s.flush()).toBe(false);
    expect(s.stats()).toMatchObject({ failing: true, lastError: 'connect ECONNREFUSED 127.0.0.1:5432', buffered: 100 });
    const warnings = () => report.lines.filter((l) => l.level === 'WARN');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.message).toMatch(/log store unavailable/);

    down = false;
    expect(await s.flush()).toBe(true);
    expect(s.stats()).toMatchObject({ failing: false, lastError: null, buffered: 0, shipped: 100, dropped: 150 });
    expect(report.lines.filter((l) => l.level === 'INFO').map((l) => l.message)).toEqual(['log store reachable again: shipping the buffered documents']);
    // The newest 100, in order: the oldest gave way.
    expect(await messages('fiber-outage')).toEqual(Array.from({ length: 100 }, (_, i) => `outage ${150 + i}`));

    down = true;
    s.shipLog(doc('second outage', { service: 'fiber-outage' }));
    expect(await s.flush()).toBe(false);
    expect(warnings()).toHaveLength(2);
  });

  it('a batch that fails mid-write goes back in front, and the bound still holds', async () => {
    let calls = 0;
    const flaky = withWrites(async (docs) => (++calls === 2 ? Promise.reject(new Error('timeout')) : store.writeLogs(docs)));
    const s = shipper({ store: async () => flaky, bufferMax: 50, batchMax: 20 });
    for (let i = 0; i < 50; i += 1) s.shipLog(doc(`flaky ${i}`, { service: 'fiber-flaky' }));
    expect(await s.flush()).toBe(false);
    expect(s.stats()).toMatchObject({ shipped: 20, buffered: 30, dropped: 0 });
    for (let i = 50; i < 80; i += 1) s.shipLog(doc(`flaky ${i}`, { service: 'fiber-flaky' }));
    expect(s.stats()).toMatchObject({ buffered: 50, dropped: 10 });
    expect(await s.flush()).toBe(true);
    const stored = await messages('fiber-flaky');
    expect(stored).toEqual([...Array.from({ length: 20 }, (_, i) => `flaky ${i}`), ...Array.from({ length: 50 }, (_, i) => `flaky ${30 + i}`)]);
  });

  it('documents the store refuses for good are counted and written out with the reason, the rest shipped', async () => {
    const report = capture();
    const s = shipper({ report: report.logger });
    const old = new Date(Date.now() - 40 * 24 * 60 * MIN).toISOString();
    s.shipLog(doc('fine', { service: 'fiber-rejects' }));
    s.shipLog(doc('far too old', { service: 'fiber-rejects', '@timestamp': old }));
    s.shipLog(doc('bad level', { service: 'fiber-rejects', level: 'LOUD' as LogDocument['level'] }));
    expect(await s.flush()).toBe(true);
    expect(s.stats()).toMatchObject({ shipped: 1, rejected: 2, failing: false });
    expect(await messages('fiber-rejects')).toEqual(['fine']);
    const refused = report.lines.filter((l) => l.level === 'WARN');
    expect(refused.map((l) => (l.context as { reason: string }).reason)).toEqual([expect.stringMatching(/older than the retention/), expect.stringMatching(/level must be one of/)]);
    expect((refused[0]!.context as { document: LogDocument }).document.message).toBe('far too old');
  });

  it('never waits on a store that hangs: callers return at once, the buffer stays bounded, shutdown gives up after its timeout', async () => {
    const report = capture();
    const hanging = withWrites(() => new Promise<WriteResult>(() => {}));
    const s = shipper({ store: async () => hanging, bufferMax: 200, batchMax: 50, intervalMs: 10, report: report.logger });
    s.start();
    const started = performance.now();
    for (let i = 0; i < 5_000; i += 1) s.shipLog(doc(`hang ${i}`));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.stats().buffered).toBeLessThanOrEqual(200);
    expect(s.stats().dropped).toBe(4_800);
    const stopping = performance.now();
    await s.stop(300);
    expect(performance.now() - stopping).toBeLessThan(2_000);
    expect(report.lines.at(-1)!.message).toMatch(/shutting down with 200 documents not shipped/);
  });
});

describe('pino → shipper', () => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let store: LogStore;

  beforeAll(async () => {
    t = await createMigratedDatabase('postgres');
    store = createPostgresLogStore(t.database.db, t.mode);
    await store.setup();
  });
  afterAll(async () => {
    await stopLogShipping(1_000);
    await t?.cleanup();
  });

  it('a line maps to the spec document; keys outside the spec go into context', () => {
    const line = JSON.stringify({
      '@timestamp': '2025-11-24T16:35:00.000Z',
      service: 'fiber-api',
      level: 'INFO',
      message: 'Metrics received from probe',
      logger: 'api.routes.push',
      request_id: 'req-123456',
      node_id: '550e8400-e29b-41d4-a716-446655440000',
      context: { latency_ms: 45.23 },
      attempt: 2,
    });
    expect(logDocumentFromLine(`${line}\n`)).toEqual({
      '@timestamp': '2025-11-24T16:35:00.000Z',
      service: 'fiber-api',
      level: 'INFO',
      message: 'Metrics received from probe',
      logger: 'api.routes.push',
      request_id: 'req-123456',
      node_id: '550e8400-e29b-41d4-a716-446655440000',
      context: { latency_ms: 45.23, attempt: 2 },
    });
    expect(logDocumentFromLine('not json')).toBeUndefined();
  });

  it('nothing is shipped, nor any store opened, until a process starts shipping', () => {
    expect(logShippingStats()).toBeUndefined();
    log().warn('before shipping started');
    shipLog(doc('dropped: nobody ships'));
    emitEvent({ event_type: 'test_event', severity: 'info', message: 'dropped too' });
    expect(logShippingStats()).toBeUndefined();
  });

  it('lines at or above the ship level go to the store as documents, redacted like stdout', async () => {
    const requestId = `req-${randomUUID()}`;
    const shipper = startLogShipping({ store: async () => store, storeKind: 'postgres', intervalMs: 60_000, level: 'warn' });
    const logger = log('fiber-redact').child({ logger: 'test.redact', request_id: requestId });
    logger.warn(
      {
        node_id: '550e8400-e29b-41d4-a716-446655440000',
        context: { password: 'hunter2', token: 'tok-secret', key: 'fsp_secret', key_prefix: 'fsp_ab12', headers: { authorization: 'Bearer x', cookie: 'sid=1' } },
        req: { headers: { authorization: 'Bearer y', cookie: 'sid=2', accept: 'application/json' } },
        apiKey: 'k-secret',
      },
      'redaction check',
    );
    logger.error({ exception: new TypeError('boom') }, 'failed with an exception');
    // Below the ship level (warn), though the logger writes it when LOG_LEVEL allows.
    logger.level = 'info';
    logger.info('not shipped: below LOG_SHIP_LEVEL');
    shipLog({ ...doc('not shipped either'), service: 'fiber-redact', request_id: requestId });
    shipLog({ ...doc('shipped: a warning'), service: 'fiber-redact', request_id: requestId, level: 'WARN' });
    expect(await shipper.flush()).toBe(true);

    const page = await store.searchLogs({ from: new Date(Date.now() - MIN), to: new Date(Date.now() + MIN), requestId, limit: 10, ascending: true });
    const docs = page.hits.map((h) => h.doc);
    expect(docs.map((d) => d.message)).toEqual(['redaction check', 'failed with an exception', 'shipped: a warning']);
    expect(docs[0]).toMatchObject({ service: 'fiber-redact', level: 'WARN', logger: 'test.redact', node_id: '550e8400-e29b-41d4-a716-446655440000' });
    expect(docs[0]!.context).toEqual({
      password: '[redacted]',
      token: '[redacted]',
      key: '[redacted]',
      key_prefix: 'fsp_ab12',
      headers: { authorization: '[redacted]', cookie: '[redacted]' },
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' } },
      apiKey: '[redacted]',
    });
    expect(JSON.stringify(docs)).not.toMatch(/hunter2|tok-secret|fsp_secret|Bearer|k-secret|sid=/);
    expect(docs[1]!.exception).toMatchObject({ type: 'TypeError', message: 'boom', stacktrace: expect.stringContaining('TypeError: boom') });
    await stopLogShipping(1_000);
    expect(logShippingStats()).toBeUndefined();
  });
});

describe('/api/health figures', () => {
  const stats = { store: 'postgres' as const, buffered: 0, shipped: 10, dropped: 0, rejected: 0, failing: false, lastError: null, lastShippedAt: null, lastDroppedAt: null, logs: { buffered: 0, shipped: 10, dropped: 0, rejected: 0 }, events: { buffered: 0, shipped: 0, dropped: 0, rejected: 0 } };

  it('ok while shipping; degraded while the store fails or after recent drops; absent when the process does not ship', () => {
    expect(logsHealth(undefined)).toEqual({ logs: null });
    expect(logsHealth(stats)).toEqual({ logs: { store: 'postgres', ok: true, buffered: 0, dropped: 0, rejected: 0, lastError: null } });
    const failing = logsHealth({ ...stats, failing: true, lastError: 'ECONNREFUSED', buffered: 7 });
    expect(failing.logs).toMatchObject({ ok: false, lastError: 'ECONNREFUSED', buffered: 7 });
    expect(failing.problem).toMatch(/log store \(postgres\) unavailable: 7 documents buffered/);
    const now = Date.now();
    expect(logsHealth({ ...stats, dropped: 3, lastDroppedAt: new Date(now - 60_000).toISOString() }, now).problem).toMatch(/dropped in the last 15 minutes/);
    expect(logsHealth({ ...stats, dropped: 3, lastDroppedAt: new Date(now - 3_600_000).toISOString() }, now)).toMatchObject({ logs: { ok: true, dropped: 3 } });
  });
});
