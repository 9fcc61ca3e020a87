import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GET as getMetrics } from '@/app/api/metrics/route';
import { GET as getNodes } from '@/app/api/nodes/route';
import { migrate } from '@/drizzle/migrate';
import { insertApiToken } from '@/lib/auth/queries';
import { config, parseConfig } from '@/lib/config';
import { closeDatabase, getDatabase, getDatabaseFor, type Db } from '@/lib/db/client';
import { queryRows, toNumber } from '@/lib/db/rows';
import type { PushSample } from '@/lib/ingest/schemas';
import { generateToken } from '@/lib/keys/tokens';
import { insertMetricBatch } from '@/lib/metrics/queries';
import { insertMissingNodes } from '@/lib/nodes/queries';
import { DEAD_LETTER_STREAM, enqueueSamples, heartbeatKey, queueStats, type Envelope } from '@/lib/queue/stream';
import { getRedis } from '@/lib/redis';
import { createTestDatabase, testDatabaseName, testNode, type TestDatabase } from '@/lib/testing/databases';
import { settlesWithin, startScript, waitFor, type Finished } from '@/lib/testing/processes';
import { TEST_REDIS_DB, freshTestRedis } from '@/lib/testing/redis';
import { expectDenied, onCluster } from '@/lib/testing/roles';

/**
 * The per-purpose database URLs, wired end to end on PostgreSQL 15: a throw-away database
 * migrated by its owner (postgres), and two throw-away LOGIN roles, members of migration 5's
 * dashboard_reader and etl_writer. The API route modules run in this process with
 * DATABASE_READER_URL set to the reader login (token checks stay on the owner's pool); the real
 * worker process runs with DATABASE_WORKER_URL set to the writer login, ingests what the push
 * path enqueued, and refreshes the rollups for a late sample on the owner's pool.
 *
 * Redis logical database 1 is this file's (flushed before and after). The environment is set
 * before anything reads the configuration, which is parsed once per process.
 */
const REDIS_DB = TEST_REDIS_DB.purposeUrls;
const READER = 'dashboard_reader';
const WRITER = 'etl_writer';

const base = parseConfig(process.env);
const OWNER = new URL(base.FIBER_TEST_POSTGRES_URL).username;
const DB_NAME = testDatabaseName();
const suffix = randomBytes(4).toString('hex');
const LOGINS = { reader: `fiber_test_purl_web_${suffix}`, writer: `fiber_test_purl_etl_${suffix}` };
const urlAs = (user: string) => {
  const url = new URL(base.FIBER_TEST_POSTGRES_URL);
  url.username = user;
  url.password = '';
  url.pathname = `/${DB_NAME}`;
  return url.toString();
};
const OWNER_URL = urlAs(OWNER);
const READER_URL = urlAs(LOGINS.reader);
const WRITER_URL = urlAs(LOGINS.writer);
const redisUrl = new URL(base.REDIS_URL);
redisUrl.pathname = `/${REDIS_DB}`;
const REDIS_URL = redisUrl.toString();

vi.stubEnv('DATABASE_URL', OWNER_URL);
vi.stubEnv('DATABASE_READER_URL', READER_URL);
// Empty means unset: whatever the developer's shell holds must not leak in (nor into the worker).
vi.stubEnv('DATABASE_WORKER_URL', '');
vi.stubEnv('DATABASE_ADMIN_URL', '');
vi.stubEnv('REDIS_URL', REDIS_URL);

const token = generateToken('fsr');
const authed = (url: string) => new Request(url, { headers: { authorization: `Bearer ${token.key}` } });

/** Seeded by the owner: `seeded` has three recent samples, `quiet` none (the worker's samples are its first). */
const seeded = testNode({ nodeName: `probe-purl-seeded-${suffix}` });
const quiet = testNode({ nodeName: `probe-purl-quiet-${suffix}` });
const NOW = Math.floor(Date.now() / 1000) * 1000;
const SEEDED_MINUTES_AGO = [30, 20, 0.5];

/** Logins connected to this file's database right now, as the owner sees them in pg_stat_activity. */
async function connectedLogins(db: Db): Promise<string[]> {
  const rows = await queryRows<{ usename: string }>(
    db,
    sql`SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = ${DB_NAME} AND application_name = 'fiberstack' AND usename IS NOT NULL`,
  );
  return rows.map((r) => r.usename).sort();
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

interface LogLine {
  level: string;
  message: string;
  context?: Record<string, unknown>;
}

const logLines = (f: Finished): LogLine[] =>
  f.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('per-purpose database URLs on PostgreSQL 15: web reads as dashboard_reader, worker ingest as etl_writer', () => {
  let t: TestDatabase;
  let owner: Db;
  let redis: Redis;
  let worker: ReturnType<typeof startScript> | undefined;

  beforeAll(async () => {
    expect(config().databaseUrls).toEqual({ admin: OWNER_URL, reader: READER_URL, worker: OWNER_URL });
    expect(config().REDIS_URL).toBe(REDIS_URL);
    redis = await freshTestRedis(REDIS_DB);
    t = await createTestDatabase('postgres', DB_NAME);
    owner = t.database.db;
    await migrate(t.database, { timescale: 'auto' });
    await onCluster([`CREATE ROLE ${LOGINS.reader} LOGIN IN ROLE ${READER}`, `CREATE ROLE ${LOGINS.writer} LOGIN IN ROLE ${WRITER}`]);

    await insertMissingNodes(owner, [seeded, quiet]);
    await insertApiToken(owner, { prefix: token.prefix, hash: token.hash, label: 'purpose urls test', createdBy: null });
    await insertMetricBatch(
      owner,
      SEEDED_MINUTES_AGO.map((minutes, i) => ({
        time: new Date(NOW - minutes * 60_000),
        nodeId: seeded.nodeId,
        latencyMs: 10 + i,
        uptimePct: 100,
        packetLoss: 0,
        targetHost: '8.8.8.8',
        probeType: 'icmp',
        metadata: null,
      })),
    );

    // From here on every row inserted into metrics notes who inserted it: session_user is the
    // login of the connection, whatever role the statement runs as. Test-only, this database only.
    for (const statement of [
      `CREATE TABLE fiber_test_inserted_by (node_id uuid NOT NULL, time timestamptz NOT NULL, login name NOT NULL)`,
      `CREATE FUNCTION fiber_test_note_inserter() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
       BEGIN
         INSERT INTO public.fiber_test_inserted_by VALUES (NEW.node_id, NEW.time, session_user);
         RETURN NULL;
       END $$`,
      `CREATE TRIGGER fiber_test_note_inserter AFTER INSERT ON metrics FOR EACH ROW EXECUTE FUNCTION fiber_test_note_inserter()`,
    ]) {
      await owner.execute(sql.raw(statement));
    }
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null && worker.pid) {
      worker.kill('SIGTERM');
      const done = await settlesWithin(worker.finished, 20_000, 'a leftover worker to stop').catch(() => undefined);
      if (!done) {
        for (const pid of processTree(worker.pid)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
        await settlesWithin(worker.finished, 10_000, 'a leftover worker to die').catch(() => undefined);
      }
    }
    getRedis(config().REDIS_URL).disconnect();
    await redis?.flushdb().catch(() => undefined);
    redis?.disconnect();
    await closeDatabase();
    await t?.cleanup();
    await onCluster([
      `REVOKE ${READER} FROM ${LOGINS.reader}`,
      `REVOKE ${WRITER} FROM ${LOGINS.writer}`,
      `DROP ROLE IF EXISTS ${LOGINS.reader}`,
      `DROP ROLE IF EXISTS ${LOGINS.writer}`,
    ]).catch(() => onCluster([`DROP ROLE IF EXISTS ${LOGINS.reader}`, `DROP ROLE IF EXISTS ${LOGINS.writer}`]));
    vi.unstubAllEnvs();
  });

  it('GET /api/nodes and /api/metrics answer 200 with the seeded data, read through the reader login', async () => {
    // Nothing in this process has opened the reader's pool yet: the routes are the first.
    expect(await connectedLogins(owner)).not.toContain(LOGINS.reader);

    const listed = await getNodes(authed('http://localhost/api/nodes'));
    const listedText = await listed.text();
    expect(listed.status, listedText).toBe(200);
    const { nodes } = JSON.parse(listedText) as { nodes: { node_id: string; status: string; latest: { latency_ms: number } | null }[] };
    expect(nodes.map((n) => n.node_id).sort()).toEqual([seeded.nodeId, quiet.nodeId].sort());
    expect(nodes.find((n) => n.node_id === seeded.nodeId)?.latest).toMatchObject({ latency_ms: 12 });

    const url = `http://localhost/api/metrics?node_id=${seeded.nodeId}&start=${new Date(NOW - 3_600_000).toISOString()}&aggregation=raw`;
    const metrics = await getMetrics(authed(url));
    const metricsText = await metrics.text();
    expect(metrics.status, metricsText).toBe(200);
    expect(metrics.headers.get('x-cache')).toBe('MISS');
    const body = JSON.parse(metricsText) as { aggregation: string; data: unknown[]; summary: Record<string, number> };
    expect(body).toMatchObject({ aggregation: 'raw', summary: { avg_latency: 11, sample_count: 3 } });
    expect(body.data).toHaveLength(3);

    // The routes opened the reader login's pool (the owner's pool checked the token).
    expect(await connectedLogins(owner)).toEqual(expect.arrayContaining([OWNER, LOGINS.reader]));
    expect(await connectedLogins(owner)).not.toContain(LOGINS.writer);

    // Cause and effect: take SELECT on nodes away from dashboard_reader (in this database only)
    // and the nodes route fails, although the owner (and the token check) could still read it.
    // (The route logs that failure at ERROR: expected output.)
    await owner.execute(sql.raw(`REVOKE SELECT ON nodes FROM ${READER}`));
    try {
      const refused = await getNodes(authed('http://localhost/api/nodes'));
      expect(refused.status).toBe(500);
      expect(await refused.text()).not.toContain(seeded.nodeName);
    } finally {
      await owner.execute(sql.raw(`GRANT SELECT ON nodes TO ${READER}`));
    }
    expect((await getNodes(authed('http://localhost/api/nodes'))).status).toBe(200);
  });

  it("getDatabaseFor('reader') is its own pool, logged in as the reader login, which can neither write nor read tokens", async () => {
    const reader = await getDatabaseFor('reader');
    expect(reader).not.toBe(await getDatabase());
    expect(await getDatabaseFor('worker')).toBe(await getDatabase());
    expect(await queryRows(reader.db, sql`SELECT current_user AS u, session_user AS s`)).toEqual([{ u: LOGINS.reader, s: LOGINS.reader }]);
    expect(await queryRows((await getDatabase()).db, sql`SELECT current_user AS u`)).toEqual([{ u: OWNER }]);

    await expectDenied(reader.db.execute(sql`INSERT INTO metrics (time, node_id, latency_ms) VALUES (now(), ${seeded.nodeId}, 1)`));
    await expectDenied(insertMissingNodes(reader.db, [testNode()]));
    await expectDenied(reader.db.execute(sql`UPDATE nodes SET last_seen_at = now()`));
    // The bearer token of the previous test was checked on the owner's pool: the reader may not see tokens.
    await expectDenied(reader.db.execute(sql`SELECT * FROM api_tokens LIMIT 1`));
    expect(await queryRows(owner, sql`SELECT count(*)::int AS n FROM fiber_test_inserted_by`)).toEqual([{ n: 0 }]);
  });

  it('the worker process ingests as the writer login and refreshes late buckets as the owner; every sample stored exactly once', async () => {
    const workerId = `purl-worker-${suffix}`;
    const round = (v: number) => Math.round(v * 100) / 100;
    const sampleAt = (nodeId: string, time: number, i: number): PushSample => ({
      node_id: nodeId,
      country: 'GH',
      region: 'Greater Accra',
      timestamp: new Date(time).toISOString(),
      latency_ms: round(20 + i * 1.25),
      uptime_pct: 99.5,
      packet_loss: round(i * 0.1),
      target_host: 'gateway.example.net',
      probe_type: 'icmp',
    });
    const LATE = NOW - 3 * 86_400_000;
    const fresh = [
      sampleAt(seeded.nodeId, NOW - 10 * 60_000, 0),
      sampleAt(seeded.nodeId, NOW - 5 * 60_000, 1),
      sampleAt(quiet.nodeId, NOW - 2 * 60_000, 2),
      sampleAt(quiet.nodeId, NOW - 60_000, 3),
    ];
    const late = sampleAt(seeded.nodeId, LATE, 4);
    const envelope = (requestId: string): Envelope => ({ requestId, keyPrefix: 'fsp_purltest', probeVersion: '3.1.4', receivedAt: new Date().toISOString() });
    // As the push path enqueues them (one request with the late sample, a retried request with a duplicate).
    const ids = [
      ...(await enqueueSamples(redis, [...fresh, late], envelope(`purl-${suffix}-1`))),
      ...(await enqueueSamples(redis, [fresh[1]!], envelope(`purl-${suffix}-2`))),
    ];
    expect(ids).toHaveLength(6);

    worker = startScript('worker/main.ts', [], {
      DATABASE_URL: OWNER_URL,
      DATABASE_WORKER_URL: WRITER_URL,
      DATABASE_READER_URL: '',
      DATABASE_ADMIN_URL: '',
      REDIS_URL,
      FIBER_AUTO_MIGRATE: '0',
      FIBER_DEMO: '0',
      WORKER_ID: workerId,
      WORKER_TICK_SECONDS: '1',
      WORKER_BLOCK_MS: '200',
      WORKER_CLAIM_IDLE_MS: '60000',
      DATABASE_POOL_MAX: '4',
      NODE_ENV: 'test',
      FIBER_FAULT_INJECTION: '',
      WORKER_HEALTH_PORT: '',
      LOG_LEVEL: 'debug',
    });
    const running = worker;
    const exitedEarly = running.finished.then((f) => {
      throw new Error(`the worker exited early (code ${f.code}):\n${f.stdout}${f.stderr}`);
    });
    exitedEarly.catch(() => {});
    const orExit = <T>(p: Promise<T>) => Promise.race([p, exitedEarly]);

    await orExit(waitFor(() => redis.exists(heartbeatKey(workerId)).then((n) => n === 1 || undefined), 60_000, 'the worker to beat'));
    await orExit(
      waitFor(
        async () => {
          const s = await queueStats(redis);
          return s.length === 0 && s.pending === 0 ? s : undefined;
        },
        60_000,
        'the stream to drain (empty, nothing pending)',
      ),
    );
    // While it runs, the worker holds a connection as the writer login (only it uses that URL).
    const logins = await orExit(
      waitFor(
        async () => {
          const now = await connectedLogins(owner);
          return now.includes(LOGINS.writer) ? now : undefined;
        },
        30_000,
        'the writer login in pg_stat_activity',
      ),
    );
    expect(logins).toEqual(expect.arrayContaining([OWNER, LOGINS.writer]));

    running.kill('SIGTERM');
    const finished = await settlesWithin(running.finished, 30_000, 'the worker to shut down on SIGTERM');
    const output = finished.stdout + finished.stderr;
    expect(finished.code, output).toBe(0);

    // The log: no privilege problem anywhere, the late refresh did not fail, nothing dead-lettered.
    expect(output).not.toMatch(/permission denied/i);
    expect(output).not.toContain('late-data refresh failed');
    expect(output).not.toContain('entry dead-lettered');
    expect(output).not.toContain('batch failed');
    const lines = logLines(finished);
    expect(lines.filter((l) => ['ERROR', 'FATAL'].includes(l.level)).map((l) => l.message)).toEqual([]);
    const batches = lines.filter((l) => l.message === 'batch stored');
    expect(batches.length).toBeGreaterThan(0);
    const totals = batches.reduce(
      (acc, l) => ({ entries: acc.entries + Number(l.context?.entries ?? 0), inserted: acc.inserted + Number(l.context?.inserted ?? 0), dead: acc.dead + Number(l.context?.dead ?? 0) }),
      { entries: 0, inserted: 0, dead: 0 },
    );
    expect(totals).toEqual({ entries: 6, inserted: 5, dead: 0 });
    expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining(['worker started', 'worker stopped', 'shutdown complete']));

    // Redis: drained, nothing dead-lettered, the heartbeat gone.
    expect(await queueStats(redis)).toMatchObject({ length: 0, pending: 0, deadLetters: 0 });
    expect(await redis.xlen(DEAD_LETTER_STREAM)).toBe(0);
    expect(await redis.exists(heartbeatKey(workerId))).toBe(0);

    // Every sample stored exactly once, with its values...
    const stored = await queryRows<{ node_id: string; time: Date | string; latency_ms: string | number; n: string | number }>(
      owner,
      sql`SELECT node_id::text AS node_id, time, latency_ms, count(*) OVER (PARTITION BY node_id, time, probe_type, target_host) AS n
          FROM metrics ORDER BY time`,
    );
    expect(stored.every((r) => Number(r.n) === 1)).toBe(true);
    const key = (nodeId: string, time: number | string | Date) => `${nodeId} ${new Date(time).toISOString()}`;
    const storedLatency = new Map(stored.map((r) => [key(r.node_id, r.time), toNumber(r.latency_ms)]));
    expect(stored).toHaveLength(SEEDED_MINUTES_AGO.length + 5);
    for (const s of [...fresh, late]) expect(storedLatency.get(key(s.node_id, s.timestamp)), key(s.node_id, s.timestamp)).toBe(s.latency_ms);

    // ...and inserted by the writer login: one noted insert per new sample, all of them its own.
    const inserters = await queryRows<{ login: string; n: number }>(owner, sql`SELECT login::text AS login, count(*)::int AS n FROM fiber_test_inserted_by GROUP BY 1`);
    expect(inserters).toEqual([{ login: LOGINS.writer, n: 5 }]);

    // nodes.last_seen_at and probe_version (the writer's column grants), for both nodes.
    const seen = await queryRows<{ node_id: string; last_seen_at: Date | string | null; probe_version: string | null }>(
      owner,
      sql`SELECT node_id::text AS node_id, last_seen_at, probe_version FROM nodes ORDER BY node_name`,
    );
    const seenOf = (nodeId: string) => seen.find((r) => r.node_id === nodeId);
    expect(new Date(seenOf(seeded.nodeId)!.last_seen_at!).toISOString()).toBe(fresh[1]!.timestamp);
    expect(new Date(seenOf(quiet.nodeId)!.last_seen_at!).toISOString()).toBe(fresh[3]!.timestamp);
    expect(seen.map((r) => r.probe_version)).toEqual(['3.1.4', '3.1.4']);

    // The late sample's hourly bucket, three days back, is outside every refresh policy's window:
    // only the consumer's late-data refresh (on the owner's pool) can have written it.
    const hour = 3_600_000;
    const bucket = new Date(Math.floor(LATE / hour) * hour);
    const hourly = await queryRows<{ sample_count: string | number; avg_latency_ms: string | number }>(
      owner,
      sql`SELECT sample_count, avg_latency_ms FROM aggregates_hourly WHERE node_id = ${seeded.nodeId} AND time = ${bucket.toISOString()}::timestamptz`,
    );
    expect(hourly.map((r) => [Number(r.sample_count), toNumber(r.avg_latency_ms)])).toEqual([[1, late.latency_ms]]);
    const daily = await queryRows<{ n: number }>(
      owner,
      sql`SELECT sample_count::int AS n FROM aggregates_daily
          WHERE node_id = ${seeded.nodeId} AND time <= ${new Date(LATE).toISOString()}::timestamptz AND time > ${new Date(LATE - 86_400_000).toISOString()}::timestamptz`,
    );
    expect(daily).toEqual([{ n: 1 }]);
  });
});
