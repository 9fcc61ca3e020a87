import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows, toNumber } from '../lib/db/rows';
import { handlePush, type PushSettings } from '../lib/ingest/push';
import type { PushSample } from '../lib/ingest/schemas';
import { STORE_MAX_AGE_MS } from '../lib/ingest/validate';
import { KEY_LOOKUP_DEADLINE_MS, clearProbeKeyCache } from '../lib/keys/authenticate';
import { openDatabase, type Database } from '../lib/db/client';
import { issueProbeKey } from '../lib/keys/issue';
import { insertMissingNodes } from '../lib/nodes/queries';
import { DEAD_LETTER_STREAM, ETL_GROUP, ETL_STREAM, enqueueSamples, ensureConsumerGroup, heartbeatKey, queueStats } from '../lib/queue/stream';
import { createRedis } from '../lib/redis';
import { createMigratedDatabase, setDatabaseConnectionsAllowed, testNode, type TestDatabase } from '../lib/testing/databases';
import { settlesWithin, startScript, waitFor, type Finished } from '../lib/testing/processes';
import { TEST_REDIS_DB, freshTestRedis, testRedisUrl } from '../lib/testing/redis';
import { startTcpProxy } from '../lib/testing/tcp-proxy';

/**
 * Ledger tests in the Jepsen sense, against the real worker process, PostgreSQL 15 and Redis:
 * accepted = every sample that got a 202 from the real push logic (or that a case XADDed as a
 * good entry), stored = the rows in metrics. Each case breaks something (kill -9 at a chosen
 * point, poison, duplicates, the database or Redis away, two consumers) and then audits:
 * lost = 0 (every accepted sample stored, with its values), duplicated = 0, nothing stored that
 * was not accepted.
 */

const REDIS_DB = TEST_REDIS_DB.ledger;
const PUSH_SETTINGS: PushSettings = { maxBodyBytes: 1024 * 1024, rateLimitPerMinute: 1_000_000, maxBacklog: 1_000_000 };

interface Probe {
  nodeId: string;
  key: string;
}

type Worker = ReturnType<typeof startScript>;

let redis: Redis;
let t: TestDatabase;
let probes: [Probe, Probe];
let ledger: Ledger;
let workers: Worker[] = [];
let clock = 0;
let base = 0;

// ---------------------------------------------------------------------------------------------
// The ledger

const identity = (nodeId: string, time: string, probeType: string | null | undefined, targetHost: string | null | undefined) =>
  JSON.stringify([nodeId.toLowerCase(), new Date(time).toISOString(), probeType ?? null, targetHost ?? null]);

interface Audit {
  accepted: number;
  stored: number;
  /** Accepted, not in metrics. */
  lost: string[];
  /** Accepted and stored, but with other values. */
  altered: string[];
  /** count(*) minus the number of distinct (node_id, time, probe_type, target_host). */
  duplicated: number;
  /** In metrics, never accepted. */
  unexpected: string[];
}

class Ledger {
  readonly accepted = new Map<string, PushSample>();

  accept(samples: PushSample[]): void {
    for (const s of samples) this.accepted.set(identity(s.node_id, s.timestamp, s.probe_type, s.target_host), s);
  }

  async audit(): Promise<Audit> {
    const rows = await queryRows<{
      node_id: string;
      time: string;
      probe_type: string | null;
      target_host: string | null;
      latency_ms: string | null;
      uptime_pct: string | null;
      packet_loss: string | null;
      metadata: string | null;
    }>(
      t.database.db,
      sql`SELECT node_id::text AS node_id,
                 to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time,
                 probe_type, target_host, latency_ms::text AS latency_ms, uptime_pct::text AS uptime_pct,
                 packet_loss::text AS packet_loss, metadata::text AS metadata
          FROM metrics`,
    );
    const [counts] = await queryRows<{ total: string; distinct_samples: string }>(
      t.database.db,
      sql`SELECT (SELECT count(*) FROM metrics) AS total,
                 (SELECT count(*) FROM (SELECT DISTINCT node_id, time, probe_type, target_host FROM metrics) d) AS distinct_samples`,
    );
    const stored = new Map(rows.map((r) => [identity(r.node_id, r.time, r.probe_type, r.target_host), r]));
    const lost: string[] = [];
    const altered: string[] = [];
    for (const [id, s] of this.accepted) {
      const row = stored.get(id);
      if (!row) {
        lost.push(id);
        continue;
      }
      const same =
        toNumber(row.latency_ms) === (s.latency_ms ?? null) &&
        toNumber(row.uptime_pct) === (s.uptime_pct ?? null) &&
        toNumber(row.packet_loss) === (s.packet_loss ?? null) &&
        isDeepStrictEqual(row.metadata === null ? null : JSON.parse(row.metadata), s.metadata ?? null);
      if (!same) altered.push(id);
    }
    return {
      accepted: this.accepted.size,
      stored: Number(counts!.total),
      lost,
      altered,
      duplicated: Number(counts!.total) - Number(counts!.distinct_samples),
      unexpected: [...stored.keys()].filter((id) => !this.accepted.has(id)),
    };
  }
}

/** The invariant of every case. */
async function expectNothingLostNothingDuplicated(): Promise<Audit> {
  const a = await ledger.audit();
  expect({
    lost: a.lost.length,
    altered: a.altered.length,
    duplicated: a.duplicated,
    unexpected: a.unexpected.length,
    examples: [...a.lost, ...a.altered, ...a.unexpected].slice(0, 3),
  }).toEqual({ lost: 0, altered: 0, duplicated: 0, unexpected: 0, examples: [] });
  expect(a.stored).toBe(a.accepted);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Producing entries, as production does

/** `n` distinct, believable samples for a probe; timestamps a second apart within the last ~1.5 h. */
function samples(probe: Probe, n: number): PushSample[] {
  return Array.from({ length: n }, () => {
    const i = clock++;
    const round2 = (v: number) => Math.round(v * 100) / 100;
    return {
      node_id: probe.nodeId,
      country: 'GH',
      region: 'Greater Accra',
      timestamp: new Date(base - i * 1000).toISOString(),
      latency_ms: round2(5 + Math.random() * 400),
      uptime_pct: round2(95 + Math.random() * 5),
      packet_loss: round2(Math.random() * 3),
      target_host: i % 3 === 0 ? '1.1.1.1' : 'gateway.example.net',
      probe_type: i % 2 === 0 ? 'icmp' : 'http',
      ...(i % 4 === 0 ? { metadata: { seq: i, probe_version: '1.4.0', hops: [1, 2, 3] } } : {}),
    };
  });
}

async function push(probe: Probe, batch: PushSample[], client: Redis = redis): Promise<Response> {
  const req = new Request('http://127.0.0.1:3000/api/push', {
    method: 'POST',
    headers: { authorization: `Bearer ${probe.key}`, 'content-type': 'application/json', 'user-agent': 'fiberstack-probe/1.4.0' },
    body: JSON.stringify(batch.length === 1 ? batch[0] : { samples: batch }),
  });
  return handlePush(req, { db: t.database.db, redis: client, settings: PUSH_SETTINGS });
}

/** Pushes through the real endpoint logic, in requests of up to 1,000; every request must get a 202, and its samples enter the ledger. */
async function pushAccepted(probe: Probe, all: PushSample[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < all.length; i += 1000) {
    const batch = all.slice(i, i + 1000);
    const res = await push(probe, batch);
    const body = (await res.json()) as { accepted: number; ids: string[]; request_id: string };
    expect(res.status, JSON.stringify(body)).toBe(202);
    expect(body.accepted).toBe(batch.length);
    expect(body.ids).toHaveLength(batch.length);
    expect(body.request_id).toEqual(expect.any(String));
    ledger.accept(batch);
    ids.push(...body.ids);
  }
  return ids;
}

/** One entry written by hand (`payload` as given); returns its id. */
async function xaddRaw(payload: string | null, extra: Record<string, string> = {}): Promise<string> {
  const fields = [...(payload === null ? [] : ['payload', payload]), 'request_id', `ledger-${randomUUID()}`, ...Object.entries(extra).flat()];
  return (await redis.xadd(ETL_STREAM, '*', ...fields))!;
}

// ---------------------------------------------------------------------------------------------
// Observing Redis and PostgreSQL

async function pendingByConsumer(): Promise<Record<string, number>> {
  const summary = (await redis.xpending(ETL_STREAM, ETL_GROUP)) as [number, string | null, string | null, [string, string][] | null];
  return Object.fromEntries((summary[3] ?? []).map(([consumer, n]) => [consumer, Number(n)]));
}

async function deliveryCount(id: string): Promise<number> {
  const rows = (await redis.xpending(ETL_STREAM, ETL_GROUP, id, id, 1)) as [string, string, number, number][];
  return Number(rows[0]?.[3] ?? 0);
}

async function deadLetters(): Promise<Record<string, string>[]> {
  const raw = await redis.xrange(DEAD_LETTER_STREAM, '-', '+');
  return raw.map(([, list]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]!] = list[i + 1]!;
    return fields;
  });
}

async function metricsCount(): Promise<number> {
  const [row] = await queryRows<{ n: string }>(t.database.db, sql`SELECT count(*) AS n FROM metrics`);
  return Number(row!.n);
}

/** The stream is empty and nothing is pending: every entry was stored or dead-lettered, then acknowledged and deleted. */
async function waitUntilDrained(timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const s = await queueStats(redis);
      return s.length === 0 && s.pending === 0 ? s : undefined;
    },
    timeoutMs,
    'the stream to drain (empty, nothing pending)',
  );
}

async function lastSeen(nodeId: string): Promise<{ lastSeenAt: string | null; probeVersion: string | null }> {
  const [row] = await queryRows<{ last_seen_at: string | null; probe_version: string | null }>(
    t.database.db,
    sql`SELECT last_seen_at::text AS last_seen_at, probe_version FROM nodes WHERE node_id = ${nodeId}`,
  );
  return { lastSeenAt: row?.last_seen_at ?? null, probeVersion: row?.probe_version ?? null };
}

// ---------------------------------------------------------------------------------------------
// Worker processes

function startWorker(workerId: string, env: Record<string, string> = {}): Worker {
  const worker = startScript('worker/main.ts', [], {
    DATABASE_URL: t.url!,
    REDIS_URL: testRedisUrl(REDIS_DB),
    WORKER_ID: workerId,
    WORKER_TICK_SECONDS: '60',
    WORKER_BLOCK_MS: '200',
    WORKER_BATCH_SIZE: '1000',
    WORKER_CLAIM_IDLE_MS: '60000',
    WORKER_MAX_DELIVERIES: '5',
    DATABASE_POOL_MAX: '4',
    NODE_ENV: 'test',
    FIBER_DEMO: '0',
    FIBER_AUTO_MIGRATE: '',
    FIBER_FAULT_INJECTION: '',
    WORKER_HEALTH_PORT: '',
    LOG_LEVEL: 'info',
    ...env,
  });
  workers.push(worker);
  return worker;
}

function exited(worker: Worker, timeoutMs: number, what: string): Promise<Finished> {
  return settlesWithin(worker.finished, timeoutMs, what);
}

/**
 * tsx runs the worker in a child node process and reports a child killed by a signal as exit
 * code 128 + signal number, so a SIGKILL of the worker shows as code 137 here.
 */
const killedBySigkill = (f: Finished) => f.signal === 'SIGKILL' || f.code === 137;

async function stopWorker(worker: Worker): Promise<Finished> {
  worker.kill('SIGTERM');
  const f = await exited(worker, 20_000, 'the worker to shut down on SIGTERM');
  expect(f.code, f.stdout + f.stderr).toBe(0);
  return f;
}

/** The worker's tsx process and the node process it runs, by pid. */
function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    // ps exits 1 when there are none.
  }
  return [...children.flatMap(processTree), pid];
}

async function killLeftovers(): Promise<void> {
  for (const w of workers) {
    if (w.exitCode !== null || w.signalCode !== null || !w.pid) continue;
    for (const pid of processTree(w.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await exited(w, 10_000, 'a leftover worker to die').catch(() => undefined);
  }
  workers = [];
}

async function workerReady(workerId: string): Promise<void> {
  await waitFor(() => redis.exists(heartbeatKey(workerId)).then((n) => n === 1 || undefined), 30_000, `worker ${workerId} to beat`);
}

interface LogLine {
  level: string;
  message: string;
  context?: Record<string, unknown>;
}

function logLines(f: Finished): LogLine[] {
  return f.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

function batchTotals(f: Finished): { entries: number; inserted: number; dead: number } {
  const totals = { entries: 0, inserted: 0, dead: 0 };
  for (const l of logLines(f).filter((l) => l.message === 'batch stored')) {
    totals.entries += Number(l.context?.entries ?? 0);
    totals.inserted += Number(l.context?.inserted ?? 0);
    totals.dead += Number(l.context?.dead ?? 0);
  }
  return totals;
}

// ---------------------------------------------------------------------------------------------
// The database going away

/** The test database refusing (and dropping) connections, or taking them again. */
const setConnectionsAllowed = (allowed: boolean) => setDatabaseConnectionsAllowed(t.url!, allowed);

// ---------------------------------------------------------------------------------------------

describe('ingest ledger: accepted with 202 = stored, exactly once', () => {
  beforeAll(async () => {
    redis = await freshTestRedis(REDIS_DB);
  });

  beforeEach(async () => {
    await redis.flushdb();
    t = await createMigratedDatabase('postgres');
    const nodes = [testNode(), testNode()];
    await insertMissingNodes(t.database.db, nodes);
    const keys = await Promise.all(nodes.map((n) => issueProbeKey(t.database.db, n.nodeId, 'ledger test')));
    probes = [
      { nodeId: nodes[0]!.nodeId, key: keys[0]!.key },
      { nodeId: nodes[1]!.nodeId, key: keys[1]!.key },
    ];
    ledger = new Ledger();
    clock = 0;
    base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  });

  afterEach(async () => {
    await killLeftovers();
    if (t) {
      await setConnectionsAllowed(true).catch(() => undefined);
      await t.cleanup();
    }
    await redis.flushdb();
  });

  afterAll(() => {
    redis?.disconnect();
  });

  it('kill -9 after the commit, before the ack: the restarted worker (same id) acknowledges its pending entries; stored once', async () => {
    const [a, b] = probes;
    await pushAccepted(a, samples(a, 300));
    await pushAccepted(b, samples(b, 200));

    const dying = startWorker('ledger-after-commit', { FIBER_FAULT_INJECTION: 'after-commit' });
    const death = await exited(dying, 30_000, 'the worker to kill itself after the commit');
    expect(killedBySigkill(death), death.stdout + death.stderr).toBe(true);
    expect(await metricsCount()).toBe(500);
    expect(await pendingByConsumer()).toEqual({ 'ledger-after-commit': 500 });
    expect(await redis.xlen(ETL_STREAM)).toBe(500);

    const restarted = startWorker('ledger-after-commit', { LOG_LEVEL: 'debug' });
    await waitUntilDrained();
    const totals = batchTotals(await stopWorker(restarted));
    expect(totals).toEqual({ entries: 500, inserted: 0, dead: 0 });

    await expectNothingLostNothingDuplicated();
    expect(await deadLetters()).toEqual([]);
    expect((await lastSeen(a.nodeId)).lastSeenAt).not.toBeNull();
    expect(await lastSeen(b.nodeId)).toMatchObject({ probeVersion: '1.4.0' });
  });

  it('kill -9 before the commit: nothing stored by the dead worker; after a restart everything is stored once', async () => {
    const [a, b] = probes;
    await pushAccepted(a, samples(a, 250));
    await pushAccepted(b, samples(b, 250));

    const dying = startWorker('ledger-before-commit', { FIBER_FAULT_INJECTION: 'before-commit' });
    const death = await exited(dying, 30_000, 'the worker to kill itself before the commit');
    expect(killedBySigkill(death), death.stdout + death.stderr).toBe(true);
    expect(await metricsCount()).toBe(0);
    expect((await lastSeen(a.nodeId)).lastSeenAt).toBeNull();
    expect(await pendingByConsumer()).toEqual({ 'ledger-before-commit': 500 });

    const restarted = startWorker('ledger-before-commit', { LOG_LEVEL: 'debug' });
    await waitUntilDrained();
    expect(batchTotals(await stopWorker(restarted))).toEqual({ entries: 500, inserted: 500, dead: 0 });

    await expectNothingLostNothingDuplicated();
    expect((await lastSeen(a.nodeId)).lastSeenAt).not.toBeNull();
  });

  it('the same sample delivered many times (probe retries, a copied entry, a late repeat) is stored once', async () => {
    const [a, b] = probes;
    const batch = samples(a, 100);
    const single = samples(b, 1);
    await pushAccepted(a, batch);
    await pushAccepted(a, batch); // the probe retried: its first 202 was lost on the way back
    await pushAccepted(b, single);
    await pushAccepted(b, single);
    await xaddRaw(JSON.stringify(batch[0])); // the same payload XADDed again by hand
    await xaddRaw(JSON.stringify(batch[0]));

    const worker = startWorker('ledger-duplicates', { LOG_LEVEL: 'debug' });
    await waitUntilDrained();
    await pushAccepted(a, batch.slice(0, 10)); // a late repeat, after the originals are stored
    await waitUntilDrained();
    const totals = batchTotals(await stopWorker(worker));

    expect(totals).toEqual({ entries: 100 + 100 + 1 + 1 + 2 + 10, inserted: 101, dead: 0 });
    const audit = await expectNothingLostNothingDuplicated();
    expect(audit.stored).toBe(101);
  });

  it('poison entries among good ones are dead-lettered with their reason; the good ones are stored; nothing is left pending', async () => {
    const [a, b] = probes;
    const good = samples(a, 1)[0]!;
    await pushAccepted(a, samples(a, 40));
    const poison = {
      notJson: await xaddRaw('{"node_id": "oops'),
      noPayload: await xaddRaw(null),
      schema: await xaddRaw(JSON.stringify({ ...good, country: 'gh', latency_ms: 10_000 })),
      unknownNode: await xaddRaw(JSON.stringify({ ...good, node_id: randomUUID() })),
      tooOld: await xaddRaw(JSON.stringify({ ...good, timestamp: new Date(Date.now() - STORE_MAX_AGE_MS - 3_600_000).toISOString() })),
    };
    await pushAccepted(b, samples(b, 40));

    const worker = startWorker('ledger-poison');
    await waitUntilDrained();
    await stopWorker(worker);

    await expectNothingLostNothingDuplicated();
    expect(await metricsCount()).toBe(80);
    const dead = await deadLetters();
    const byEntry = Object.fromEntries(dead.map((d) => [d.entry_id, d]));
    expect(dead).toHaveLength(5);
    expect(byEntry[poison.notJson]).toMatchObject({ reason: 'payload is not JSON', payload: '{"node_id": "oops' });
    expect(byEntry[poison.noPayload]).toMatchObject({ reason: 'payload is not JSON' });
    expect(byEntry[poison.schema]?.reason).toMatch(/^payload fails the push schema: .*country.*latency_ms/);
    expect(byEntry[poison.unknownNode]?.reason).toMatch(/^unknown node [0-9a-f-]{36}$/);
    expect(byEntry[poison.tooOld]?.reason).toBe('older than the raw retention');
    for (const d of dead) expect(d.request_id).toMatch(/^ledger-/);
    expect(await queueStats(redis)).toMatchObject({ length: 0, pending: 0, deadLetters: 5 });
  });

  it('an entry PostgreSQL cannot store (NUL, unpaired surrogate) is dead-lettered alone; it does not take its batch with it', async () => {
    const [a, b] = probes;
    // Enqueued as the push path does, e.g. by a web server of a release whose schema still let these through (202).
    const envelope = { requestId: 'ledger-unstorable', keyPrefix: 'fsk_test', probeVersion: null, receivedAt: new Date().toISOString() };
    const [nulHost, nulMetadata, loneSurrogate] = samples(a, 3) as [PushSample, PushSample, PushSample];
    const bad = await enqueueSamples(
      redis,
      [
        { ...nulHost, target_host: 'gw\u0000.example.net' },
        { ...nulMetadata, metadata: { note: 'a\u0000b' } },
        { ...loneSurrogate, metadata: { note: '\ud800' } },
      ],
      envelope,
    );
    await pushAccepted(a, samples(a, 30));
    await pushAccepted(b, samples(b, 30));

    // Few deliveries allowed, so a batch that fails as a whole would be dead-lettered as a whole quickly.
    const worker = startWorker('ledger-unstorable', { WORKER_MAX_DELIVERIES: '2' });
    await waitUntilDrained(30_000);
    await stopWorker(worker);

    const dead = await deadLetters();
    expect(dead.map((d) => d.entry_id).sort(), JSON.stringify(dead.map((d) => d.reason).slice(0, 3))).toEqual([...bad].sort());
    await expectNothingLostNothingDuplicated();
    for (const d of dead) expect(d.reason).toMatch(/cannot be stored/);
  });

  it('database unavailable for a while: the worker neither crashes nor acknowledges, then drains the backlog', async () => {
    const [a, b] = probes;
    // Fewer deliveries than the default, so that an outage of a few seconds outlasts them: the
    // outage must not count against the entries (with the default of 5, ~16 s of outage did).
    const worker = startWorker('ledger-db-outage', { WORKER_MAX_DELIVERIES: '3' });
    await workerReady('ledger-db-outage');
    await pushAccepted(a, samples(a, 50));
    await waitUntilDrained();
    expect(await metricsCount()).toBe(50);

    // The push path caches key lookups for 10 s: look both keys up now, so pushes during the outage authenticate.
    clearProbeKeyCache();
    await pushAccepted(b, samples(b, 1));
    await pushAccepted(a, samples(a, 1));
    await setConnectionsAllowed(false);
    const duringOutage = [...samples(a, 300), ...samples(b, 200)];
    await pushAccepted(a, duringOutage.slice(0, 300));
    await pushAccepted(b, duringOutage.slice(300));

    await new Promise((r) => setTimeout(r, 6_000));
    expect(worker.exitCode, `the worker is still running; its output:\n${worker.output.slice(-4000)}`).toBeNull();
    expect(worker.signalCode).toBeNull();
    const stats = await queueStats(redis);
    expect(stats.length, 'nothing acknowledged while the database is away').toBeGreaterThanOrEqual(500);
    expect(stats.deadLetters).toBe(0);
    expect(Object.values(await pendingByConsumer()).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);

    await setConnectionsAllowed(true);
    await waitUntilDrained(60_000);
    const f = await stopWorker(worker);
    expect(logLines(f).some((l) => l.message === 'batch failed; will retry without acknowledging')).toBe(true);

    expect((await deadLetters()).map((d) => d.reason)).toEqual([]);
    await expectNothingLostNothingDuplicated();
    expect(await metricsCount()).toBe(552);
  });

  it('database down when the worker starts: it waits for it (no exit, no restart loop), then stores what was pushed meanwhile', async () => {
    const [a] = probes;
    clearProbeKeyCache();
    await pushAccepted(a, samples(a, 1)); // looked up now, so the pushes during the outage authenticate
    await setConnectionsAllowed(false);
    await pushAccepted(a, samples(a, 200));

    const worker = startWorker('ledger-db-down-at-start');
    await waitFor(() => (worker.output.includes('database unavailable at start-up; waiting for it') ? true : undefined), 30_000, 'the worker to wait for the database');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(worker.exitCode, `the worker is still running; its output:\n${worker.output.slice(-4000)}`).toBeNull();

    await setConnectionsAllowed(true);
    await workerReady('ledger-db-down-at-start');
    await waitUntilDrained(60_000);
    await stopWorker(worker);
    const audit = await expectNothingLostNothingDuplicated();
    expect(audit.stored).toBe(201);
  });

  it('Redis unreachable at push time: 503 with Retry-After and nothing stored; the retry once Redis is back is stored once', async () => {
    const [a] = probes;
    const batch = samples(a, 20);
    const unreachable = createRedis('redis://127.0.0.1:1', 'ledger-unreachable');
    try {
      for (const body of [batch, batch.slice(0, 1)]) {
        const res = await push(a, body, unreachable);
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(await res.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/nothing was stored/) });
      }
    } finally {
      unreachable.disconnect();
    }
    expect(await redis.exists(ETL_STREAM)).toBe(0);

    const worker = startWorker('ledger-redis-down');
    await workerReady('ledger-redis-down');
    expect(await metricsCount()).toBe(0);

    await pushAccepted(a, batch); // the probe's retry
    await waitUntilDrained();
    await stopWorker(worker);
    const audit = await expectNothingLostNothingDuplicated();
    expect(audit.stored).toBe(20);
  });

  it('PostgreSQL stops answering (a frozen host or link) at push time: 503 with Retry-After within seconds, nothing stored; the retry once it answers is stored once', async () => {
    const [a] = probes;
    const database = new URL(t.url!);
    const link = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    const frozen = await openDatabase({ url: link.urlThrough(t.url!), poolMax: 2 });
    const batch = samples(a, 20);
    const pushVia = (db: Database) => {
      const req = new Request('http://127.0.0.1:3000/api/push', {
        method: 'POST',
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ samples: batch }),
      });
      return handlePush(req, { db: db.db, redis, settings: PUSH_SETTINGS });
    };
    try {
      await queryRows(frozen.db, sql`SELECT 1`);
      link.freeze();
      clearProbeKeyCache(); // the key must be looked up in the database that does not answer
      const refused = await settlesWithin(pushVia(frozen), KEY_LOOKUP_DEADLINE_MS + 5_000, 'the push to be answered');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({ type: 'urn:fiberstack:problem:database-unavailable', status: 503 });
      expect(await redis.exists(ETL_STREAM)).toBe(0);

      link.thaw();
      const retried = await pushVia(frozen);
      expect(retried.status, await retried.clone().text()).toBe(202);
      ledger.accept(batch);
    } finally {
      await frozen.close();
      await link.close();
    }
    const worker = startWorker('ledger-db-frozen');
    await waitUntilDrained();
    await stopWorker(worker);
    const audit = await expectNothingLostNothingDuplicated();
    expect(audit.stored).toBe(20);
  });

  it('Redis comes back without its data (stream and consumer group gone) while the worker runs: what is pushed afterwards is stored once, no restart needed', async () => {
    const [a, b] = probes;
    const worker = startWorker('ledger-redis-lost');
    await workerReady('ledger-redis-lost');
    await pushAccepted(a, samples(a, 100));
    await waitUntilDrained();

    // A Redis restarted without persistence (or flushed, or failed over to a replica without
    // the group): every key is gone, the consumer group with the stream.
    await redis.flushdb();
    await pushAccepted(b, samples(b, 100));
    await waitUntilDrained(30_000);
    const finished = await stopWorker(worker);

    expect(logLines(finished).map((l) => l.message)).toContain('the consumer group was gone (Redis lost its data?); created it again from the start of the stream');
    const audit = await expectNothingLostNothingDuplicated();
    expect(audit.stored).toBe(200);
  });

  it('links that keep breaking: every connection of the worker to PostgreSQL and Redis reset (TCP RST) again and again while it drains; stored once, no batch stuck', async () => {
    const [a, b] = probes;
    const database = new URL(t.url!);
    const pgLink = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    const redisUrl = new URL(testRedisUrl(REDIS_DB));
    const redisLink = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    try {
      // Small batches, so resets land on reads, inserts, commits and acknowledgements alike. The
      // delivery limit is raised: an entry whose read answer a reset cut off counts a delivery,
      // and this case is about links, not poison.
      const worker = startWorker('ledger-flaky-links', {
        DATABASE_URL: pgLink.urlThrough(t.url!),
        REDIS_URL: redisLink.urlThrough(testRedisUrl(REDIS_DB)),
        WORKER_BATCH_SIZE: '100',
        WORKER_MAX_DELIVERIES: '100',
        WORKER_CLAIM_IDLE_MS: '2000',
      });
      await workerReady('ledger-flaky-links');
      for (let round = 0; round < 16; round++) {
        await pushAccepted(round % 2 ? a : b, samples(round % 2 ? a : b, 250));
        await new Promise((r) => setTimeout(r, 40 + Math.random() * 120));
        pgLink.reset();
        if (round % 3 !== 1) redisLink.reset();
      }
      await waitUntilDrained(60_000);
      const finished = await stopWorker(worker);
      expect(logLines(finished).some((l) => l.message === 'batch failed; will retry without acknowledging'), 'the resets hit batches in flight').toBe(true);
      const audit = await expectNothingLostNothingDuplicated();
      expect(audit.stored).toBe(4000);
      expect(await deadLetters()).toEqual([]);
    } finally {
      await Promise.all([pgLink.close(), redisLink.close()]);
    }
  });

  it('two worker processes drain one backlog of 5,000 samples together: both work, no duplicates, no losses', async () => {
    const [a, b] = probes;
    const env = { WORKER_BATCH_SIZE: '200', LOG_LEVEL: 'debug' };
    const w1 = startWorker('ledger-parallel-1', env);
    const w2 = startWorker('ledger-parallel-2', env);
    await Promise.all([workerReady('ledger-parallel-1'), workerReady('ledger-parallel-2')]);
    await ensureConsumerGroup(redis);

    await Promise.all([pushAccepted(a, samples(a, 2500)), pushAccepted(b, samples(b, 2500))]);
    await waitUntilDrained(90_000);
    const [f1, f2] = await Promise.all([stopWorker(w1), stopWorker(w2)]);

    const t1 = batchTotals(f1);
    const t2 = batchTotals(f2);
    expect(t1.entries, 'worker 1 did some of the work').toBeGreaterThan(0);
    expect(t2.entries, 'worker 2 did some of the work').toBeGreaterThan(0);
    expect(t1.entries + t2.entries).toBe(5000);
    expect(t1.inserted + t2.inserted).toBe(5000);
    const audit = await expectNothingLostNothingDuplicated();
    expect(audit.stored).toBe(5000);
  });

  it('entries left pending by a consumer killed after the commit are reclaimed by another consumer (XAUTOCLAIM); stored once', async () => {
    const [a, b] = probes;
    await pushAccepted(a, samples(a, 120));
    await pushAccepted(b, samples(b, 80));

    const dying = startWorker('ledger-claim-a', { FIBER_FAULT_INJECTION: 'after-commit' });
    expect(killedBySigkill(await exited(dying, 30_000, 'consumer A to kill itself'))).toBe(true);
    expect(await pendingByConsumer()).toEqual({ 'ledger-claim-a': 200 });

    const rescuer = startWorker('ledger-claim-b', { WORKER_CLAIM_IDLE_MS: '1000', LOG_LEVEL: 'debug' });
    await waitUntilDrained(30_000);
    const f = await stopWorker(rescuer);

    const claims = logLines(f).filter((l) => l.message === 'claimed entries abandoned by another consumer');
    expect(claims.reduce((n, l) => n + Number(l.context?.claimed ?? 0), 0)).toBe(200);
    expect(batchTotals(f)).toEqual({ entries: 200, inserted: 0, dead: 0 });
    expect(await pendingByConsumer()).toEqual({});
    await expectNothingLostNothingDuplicated();
  });

  it('an entry delivered more than WORKER_MAX_DELIVERIES times is dead-lettered and acknowledged (own pending and claimed)', async () => {
    const [a, b] = probes;
    const [own, ghost] = samples(a, 2) as [PushSample, PushSample];
    await ensureConsumerGroup(redis);
    const ownId = await xaddRaw(JSON.stringify(own));
    await redis.xreadgroup('GROUP', ETL_GROUP, 'ledger-max-deliveries', 'COUNT', 1, 'STREAMS', ETL_STREAM, '>');
    await redis.xclaim(ETL_STREAM, ETL_GROUP, 'ledger-max-deliveries', 0, ownId);
    const ghostId = await xaddRaw(JSON.stringify(ghost));
    await redis.xreadgroup('GROUP', ETL_GROUP, 'ledger-ghost', 'COUNT', 1, 'STREAMS', ETL_STREAM, '>');
    await redis.xclaim(ETL_STREAM, ETL_GROUP, 'ledger-ghost', 0, ghostId);
    expect(await deliveryCount(ownId)).toBe(2);
    expect(await deliveryCount(ghostId)).toBe(2);
    await pushAccepted(b, samples(b, 25)); // fresh entries, delivered once: stored despite the limit of 1

    const worker = startWorker('ledger-max-deliveries', { WORKER_MAX_DELIVERIES: '1', WORKER_CLAIM_IDLE_MS: '1000' });
    await waitUntilDrained(30_000);
    await stopWorker(worker);

    const dead = await deadLetters();
    expect(dead.map((d) => d.entry_id).sort()).toEqual([ownId, ghostId].sort());
    for (const d of dead) expect(d.reason).toMatch(/^delivered [3-9] times without being stored$/);
    expect(dead.find((d) => d.entry_id === ownId)?.payload).toBe(JSON.stringify(own));
    expect(await queueStats(redis)).toMatchObject({ length: 0, pending: 0, deadLetters: 2 });
    await expectNothingLostNothingDuplicated();
    expect(await metricsCount()).toBe(25);
  });

  it("delivery counts are this consumer's own, even when another consumer's pending entries lie between them", async () => {
    const [a, b] = probes;
    await ensureConsumerGroup(redis);
    const [first, over] = samples(a, 2) as [PushSample, PushSample];
    const firstId = await xaddRaw(JSON.stringify(first));
    await redis.xreadgroup('GROUP', ETL_GROUP, 'ledger-counts', 'COUNT', 1, 'STREAMS', ETL_STREAM, '>');
    const between = samples(b, 10);
    for (const s of between) await xaddRaw(JSON.stringify(s));
    ledger.accept([first, ...between]);
    await redis.xreadgroup('GROUP', ETL_GROUP, 'ledger-other', 'COUNT', 10, 'STREAMS', ETL_STREAM, '>');
    const overId = await xaddRaw(JSON.stringify(over));
    await redis.xreadgroup('GROUP', ETL_GROUP, 'ledger-counts', 'COUNT', 1, 'STREAMS', ETL_STREAM, '>');
    for (let i = 0; i < 3; i++) await redis.xclaim(ETL_STREAM, ETL_GROUP, 'ledger-counts', 0, overId);
    expect(await deliveryCount(overId)).toBe(4);

    const worker = startWorker('ledger-counts', { WORKER_MAX_DELIVERIES: '3', WORKER_CLAIM_IDLE_MS: '1000' });
    await waitUntilDrained(30_000);
    await stopWorker(worker);

    expect((await deadLetters()).map((d) => [d.entry_id, d.reason])).toEqual([[overId, 'delivered 5 times without being stored']]);
    expect(firstId).not.toBe(overId);
    await expectNothingLostNothingDuplicated();
    expect(await metricsCount()).toBe(11);
  });
});
