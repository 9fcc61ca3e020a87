/**
 * npm run bench:ingest — the ingest path end to end: real `npm start` server (lib/runtime/server.ts) + worker, driven over
 * HTTP with autocannon, single samples and 100-sample batches; printed next to raw baselines
 * measured in the same run (a pipelined XADD loop, and insertMetricBatch straight into the
 * same table). Two set-ups: PostgreSQL 15 + Redis with a separate worker process, and the
 * embedded default (PGlite + TimescaleDB, worker in-process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { parseConfig } from '../lib/config';
import { openDatabase, type Database } from '../lib/db/client';
import { queryRows, toNumber } from '../lib/db/rows';
import { issueProbeKey } from '../lib/keys/issue';
import { insertMetricBatch } from '../lib/metrics/queries';
import { insertMissingNodes } from '../lib/nodes/queries';
import { ETL_STREAM, enqueueSamples } from '../lib/queue/stream';
import { createTestDatabase, testNode } from '../lib/testing/databases';
import { TEST_REDIS_DB, freshTestRedis, testRedisUrl } from '../lib/testing/redis';
import { migrate } from '../drizzle/migrate';
import { PROFILE_FLAGS } from './profile';

const REDIS_DB = TEST_REDIS_DB.bench;
/** The worker's batch size in each set-up (WORKER_BATCH_SIZE, or the mode's default). */
const workerBatch = (databaseUrl: string | undefined) => parseConfig({ ...process.env, DATABASE_URL: databaseUrl }).WORKER_BATCH_SIZE;
const PORT = 3210;
/**
 * `npm run bench:ingest -- [--seconds 10] [--only postgres|embedded] [--logs both|default|warn]`
 *
 * `--logs`: each set-up runs with the default log shipping (every push's `fiber-api` line and
 * its `fiber-worker` "samples stored" line go to the log store, here the same database as the
 * samples) and with LOG_SHIP_LEVEL=warn (what the metrics database carries when the log lines
 * go to Elasticsearch or only warnings are shipped); `both` (the default) prints the two.
 */
type LogVariant = 'default' | 'warn';
const { values: opts } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, only: { type: 'string' }, logs: { type: 'string', default: 'both' } } });
const SECONDS = Number(opts.seconds);
const ONLY = opts.only;
const LOG_VARIANTS: LogVariant[] = opts.logs === 'both' ? ['default', 'warn'] : opts.logs === 'default' || opts.logs === 'warn' ? [opts.logs] : [];
if (!(SECONDS >= 2) || (ONLY !== undefined && ONLY !== 'postgres' && ONLY !== 'embedded') || LOG_VARIANTS.length === 0) {
  throw new Error('usage: npm run bench:ingest -- [--seconds N ≥ 2] [--only postgres|embedded] [--logs both|default|warn]');
}
const logEnv = (v: LogVariant): Record<string, string> => (v === 'warn' ? { LOG_SHIP_LEVEL: 'warn' } : {});
const logLabel = (v: LogVariant) => (v === 'warn' ? 'LOG_SHIP_LEVEL=warn' : 'default log shipping (2 lines per push into the same database)');
const NODES = 50;

interface Probe {
  nodeId: string;
  key: string;
}

async function setupProbes(database: Database): Promise<Probe[]> {
  const nodes = Array.from({ length: NODES }, (_, i) => testNode({ nodeName: `bench-${i}` }));
  await insertMissingNodes(database.db, nodes);
  return Promise.all(nodes.map(async (n) => ({ nodeId: n.nodeId, key: (await issueProbeKey(database.db, n.nodeId, 'bench')).key })));
}

function startProcess(args: string[], env: Record<string, string>): ChildProcess {
  if (args[0] === 'node') args = ['node', ...PROFILE_FLAGS, ...args.slice(1)];
  return spawn(args[0]!, args.slice(1), {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not come up`);
}

/** Every request gets its own timestamps, so no sample is a duplicate of another. */
let seq = 0;
/** A sample no other in this run equals (its own target_host), so each must be committed once. */
function distinctSample(probe: Probe) {
  seq++;
  return {
    node_id: probe.nodeId,
    country: 'GH',
    region: 'Ghana',
    timestamp: new Date(Date.now() - 60_000 - (seq % 3_000_000)).toISOString(),
    latency_ms: 20 + (seq % 300) / 10,
    uptime_pct: 100,
    packet_loss: 0.1,
    probe_type: 'ping',
    target_host: `t${seq}`,
  };
}

function body(probe: Probe, n: number): string {
  return JSON.stringify(n === 1 ? distinctSample(probe) : { samples: Array.from({ length: n }, () => distinctSample(probe)) });
}

/**
 * Bodies are built before the clock starts, so the load generator (which shares the two cores)
 * spends its time sending rather than serialising; each is distinct, so every accepted sample
 * must be committed once.
 */
function bodies(probes: Probe[], samplesPerRequest: number, count: number): { probe: Probe; body: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const probe = probes[i % probes.length]!;
    return { probe, body: body(probe, samplesPerRequest) };
  });
}

async function drive(probes: Probe[], samplesPerRequest: number, connections: number, expectedRate: number, seconds = SECONDS) {
  const pool = bodies(probes, samplesPerRequest, Math.ceil(expectedRate * seconds * 1.5));
  let i = 0;
  let accepted = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}/api/push`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          // Past the pool's end the bodies repeat: those samples are duplicates the worker
          // drops, so the committed count would fall short and say so.
          const next = pool[i++ % pool.length]!;
          return { ...req, headers: { ...req.headers, authorization: `Bearer ${next.probe.key}` }, body: next.body };
        },
        onResponse: (status) => {
          if (status === 202) accepted += samplesPerRequest;
        },
      },
    ],
  });
  return { result, accepted, exhausted: i > pool.length };
}

async function countMetrics(database: Database): Promise<number> {
  const [row] = await queryRows<{ n: string }>(database.db, sql`SELECT count(*) AS n FROM metrics`);
  return toNumber(row!.n)!;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** The worker's process and any children it has; the figure printed is the largest RSS among them (the worker spawns none today). */
async function nodePids(root: number): Promise<number[]> {
  const children = (await readFile(`/proc/${root}/task/${root}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number);
  return [root, ...(await Promise.all(children.map(nodePids))).flat()];
}

/**
 * Waits until `target` more samples than `before` are committed; returns how many were, and
 * when the last one was. The end is dated by the stream running empty (`queueDrained`): the
 * worker deletes an entry only after its sample is committed, so an empty stream means every
 * accepted sample is in. Only then is the committed count read (and re-read until it is
 * complete: the embedded count comes from heartbeats written every 10 s). Polling the count
 * itself while the worker drains would put a `count(*)` over the growing table on the same two
 * cores ten times a second, slowing down what is being measured.
 */
async function drained(
  committedSoFar: () => Promise<number>,
  before: number,
  target: number,
  queueDrained: () => Promise<boolean>,
): Promise<{ committed: number; at: number }> {
  for (let i = 0; i < 6_000 && !(await queueDrained()); i++) await sleep(20);
  const at = Date.now();
  let committed = 0;
  for (let i = 0; i < 300; i++) {
    committed = (await committedSoFar()) - before;
    if (committed >= target) break;
    await sleep(100);
  }
  return { committed, at };
}

/** The stream `fiber:etl:queue` holds no entry: everything accepted was committed and deleted (or dead-lettered). */
function streamEmpty(redis: Redis): () => Promise<boolean> {
  return async () => (await redis.xlen(ETL_STREAM)) === 0;
}

async function measure(
  label: string,
  probes: Probe[],
  committedSoFar: () => Promise<number>,
  processes: ChildProcess[],
  workerPid: number | undefined,
  queueDrained: () => Promise<boolean>,
) {
  const fmt = (r: autocannon.Result) =>
    `${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`;
  console.log(`\n${label}`);

  // Warm-up (JIT, connection pools, prepared scripts), not measured; its samples drain first.
  const beforeWarmUp = await committedSoFar();
  const warm = await drive(probes, 1, 50, 6_000, 2);
  await drained(committedSoFar, beforeWarmUp, warm.accepted, queueDrained);

  let before = await committedSoFar();
  const single = await drive(probes, 1, 50, 6_000);
  const { committed: singleCommitted } = await drained(committedSoFar, before, single.accepted, queueDrained);
  console.log(`  single-sample pushes (50 connections): ${fmt(single.result)}`);
  console.log(`    committed ${singleCommitted} of ${single.accepted} accepted${single.exhausted ? ' (body pool exhausted: duplicates sent)' : ''}`);

  before = await committedSoFar();
  const started = Date.now();
  const batch = await drive(probes, 100, 10, 1_000);
  const { committed, at } = await drained(committedSoFar, before, batch.accepted, queueDrained);
  const e2eSeconds = (at - started) / 1000;
  console.log(`  100-sample batches (10 connections):   ${fmt(batch.result)} → ${Math.round(batch.accepted / SECONDS)} samples/s accepted`);
  console.log(
    `    end to end: ${committed} of ${batch.accepted} accepted samples committed ${e2eSeconds.toFixed(1)} s after the first push → ${Math.round(committed / e2eSeconds)} samples/s`,
  );
  const rss = workerPid ? Math.max(...(await Promise.all((await nodePids(workerPid)).map(rssMb)))) : undefined;
  if (rss !== undefined) console.log(`  worker RSS: ${rss} MB`);
  for (const p of processes) p.kill('SIGTERM');
  return {
    e2eRate: committed / e2eSeconds,
    acceptedRate: batch.accepted / SECONDS,
    singleRate: single.result.requests.average,
    singleP99: single.result.latency.p99,
    rss,
  };
}

type Measured = Awaited<ReturnType<typeof measure>>;

/** One set-up's figures against issue 3's targets, for the summary at the end. */
interface Outcome {
  label: string;
  embedded: boolean;
  ours: Measured;
  insertRate: number;
}
const outcomes: Outcome[] = [];

const TARGETS = { singleRate: 3_000, singleP99Ms: 50, e2eRate: 50_000, e2eRatio: 0.5, embeddedRate: 20_000, workerRssMb: 200 };

function printSummary() {
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  console.log(
    `\nSummary against issue 3's targets (✓ met): ≥ ${TARGETS.singleRate} single pushes/s with p99 < ${TARGETS.singleP99Ms} ms; ` +
      `≥ ${TARGETS.e2eRate} samples/s end to end and ≥ ${TARGETS.e2eRatio} × the raw insert; embedded ≥ ${TARGETS.embeddedRate}; worker RSS < ${TARGETS.workerRssMb} MB`,
  );
  for (const { label, embedded, ours, insertRate } of outcomes) {
    const single = `${Math.round(ours.singleRate)} req/s p99 ${ours.singleP99} ms ${mark(ours.singleRate >= TARGETS.singleRate && ours.singleP99 < TARGETS.singleP99Ms)}`;
    const ratio = ours.e2eRate / insertRate;
    const rateTarget = embedded ? TARGETS.embeddedRate : TARGETS.e2eRate;
    const e2e = `${Math.round(ours.e2eRate)} samples/s ${mark(ours.e2eRate >= rateTarget)} (target ${rateTarget}), ×${ratio.toFixed(2)} raw ${mark(ratio >= TARGETS.e2eRatio)}`;
    const rss = ours.rss === undefined || embedded ? '' : `; worker ${ours.rss} MB ${mark(ours.rss < TARGETS.workerRssMb)}`;
    console.log(`  ${label}: single ${single}; end to end ${e2e}${rss}`);
  }
}

async function rawBaselines(database: Database, batch: number) {
  const redis = await freshTestRedis(REDIS_DB);
  const n = 200_000;
  let t = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const p = redis.pipeline();
    for (let j = 0; j < 1000; j++) p.xadd(ETL_STREAM, '*', 'payload', '{"node_id":"x"}');
    await p.exec();
  }
  const xaddRate = n / ((performance.now() - t) / 1000);
  await redis.flushdb();
  redis.disconnect();

  const [node] = await queryRows<{ node_id: string }>(database.db, sql`SELECT node_id FROM nodes LIMIT 1`);
  const rows = Array.from({ length: 100_000 }, (_, i) => ({
    time: new Date(Date.now() - 3_600_000 - i),
    nodeId: node!.node_id,
    latencyMs: 20 + (i % 100),
    uptimePct: 100,
    packetLoss: 0,
    targetHost: `raw${i}`,
    probeType: 'ping',
    metadata: null,
  }));
  // Statements of the worker's own batch size, so the ratio compares like with like.
  t = performance.now();
  for (let i = 0; i < rows.length; i += batch) await insertMetricBatch(database.db, rows.slice(i, i + batch));
  const insertRate = rows.length / ((performance.now() - t) / 1000);
  return { xaddRate, insertRate };
}

/** What `npm start` runs once the build exists. */
const WEB_SERVER = ['node', '--import', 'tsx', 'lib/runtime/server.ts'];
/** `npm run worker`'s own command line (its V8 flags included), so the bench measures what users run. */
const WORKER = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { worker: string } }).scripts.worker.split(' ');

const baseEnv = { NODE_ENV: 'production', REDIS_URL: testRedisUrl(REDIS_DB), PORT: String(PORT), PUSH_RATE_LIMIT_PER_MINUTE: '1000000', FIBER_DEMO: '0' };

async function main() {
  for (const variant of LOG_VARIANTS) {
    if (ONLY !== 'embedded') await benchPostgres(variant);
    if (ONLY !== 'postgres') await benchEmbedded(variant);
  }
  printSummary();
}

/** 1. PostgreSQL 15 + Redis, separate worker. */
async function benchPostgres(logs: LogVariant) {
  const pg = await createTestDatabase('postgres');
  await migrate(pg.database, { timescale: 'auto' });
  await (await freshTestRedis(REDIS_DB)).flushdb();
  const env = { ...baseEnv, ...logEnv(logs), DATABASE_URL: pg.url! };
  const web = startProcess(WEB_SERVER, env);
  const worker = startProcess(WORKER, { ...env, WORKER_ID: 'bench' });
  await waitHttp(`http://127.0.0.1:${PORT}/api/health`);
  const probes = await setupProbes(pg.database);
  const redis = new Redis(testRedisUrl(REDIS_DB)); // not freshTestRedis: that would empty the server's stream and group
  const pgOurs = await measure(
    `PostgreSQL 15 + Redis, web + separate worker; ${logLabel(logs)}`,
    probes,
    () => countMetrics(pg.database),
    [web, worker],
    worker.pid,
    streamEmpty(redis),
  );
  redis.disconnect();
  await Promise.all([exited(web), exited(worker)]);
  const drainRate = await drainBacklog(pg.database, probes, { ...env, WORKER_ID: 'bench-drain' });
  const batch = workerBatch(pg.url);
  const raw = await rawBaselines(pg.database, batch);
  printBaselines(pgOurs, raw, batch);
  console.log(`    worker drain ÷ raw insert: ${(drainRate / raw.insertRate).toFixed(2)}`);
  outcomes.push({ label: `PostgreSQL, ${logs === 'warn' ? 'LOG_SHIP_LEVEL=warn' : 'default log shipping'}`, embedded: false, ours: pgOurs, insertRate: raw.insertRate });
  await pg.cleanup();
}

/**
 * The worker alone: a backlog enqueued while no worker runs (as after a worker outage), then
 * one worker started; the rate from its first commit to its last. Nothing else competes for the
 * cores, so next to the raw insert this is what the worker's own path costs (read, validation,
 * node check, last_seen_at, commit, XACK + XDEL).
 */
async function drainBacklog(database: Database, probes: Probe[], env: Record<string, string>): Promise<number> {
  const redis = await freshTestRedis(REDIS_DB);
  const total = 200_000;
  for (let i = 0; i < total; i += 100) {
    const probe = probes[(i / 100) % probes.length]!;
    const samples = Array.from({ length: 100 }, () => distinctSample(probe));
    await enqueueSamples(redis, samples, { requestId: `drain-${i}`, keyPrefix: 'bench', probeVersion: null, receivedAt: new Date().toISOString() });
  }
  const before = await countMetrics(database);
  const worker = startProcess(WORKER, env);
  // Dated by the stream alone (XLEN, not count(*): see drained): the first batch's entries
  // leave it right after its commit, the last ones after the last commit.
  while ((await redis.xlen(ETL_STREAM)) === total) await sleep(20);
  const started = Date.now();
  const left = await redis.xlen(ETL_STREAM);
  const { committed, at } = await drained(() => countMetrics(database), before, total, streamEmpty(redis));
  redis.disconnect();
  // The entries still in the stream after the first commit, over the time they took.
  const rate = left / ((at - started) / 1000);
  console.log(`  worker drain: a backlog of ${total} samples, one worker started on it: ${Math.round(rate)} samples/s from its first commit (${committed} committed)`);
  worker.kill('SIGTERM');
  await exited(worker);
  return rate;
}

async function benchEmbedded(logs: LogVariant) {
  // 2. Embedded default: the server holds the PGlite directory, so probes enrol through the
  // API (FIBER_ENROLLMENT_KEY) and the committed count comes from the worker's own counters in
  // /api/health.
  const dir = await mkdtemp(path.join(tmpdir(), 'fiber-bench-ingest-'));
  await (await freshTestRedis(REDIS_DB)).flushdb();
  const enrollmentKey = 'bench-enrollment-key-0123456789abcdef';
  const embeddedEnv = { ...baseEnv, ...logEnv(logs), FIBER_DATA_DIR: dir, FIBER_ENROLLMENT_KEY: enrollmentKey };
  const server = startProcess(WEB_SERVER, embeddedEnv);
  await waitHttp(`http://127.0.0.1:${PORT}/api/health`);
  const probes = await enrolProbes(enrollmentKey);
  const inserted = async () => {
    const health = (await (await fetch(`http://127.0.0.1:${PORT}/api/health`)).json()) as { workers: { ingest: { inserted: number } | null }[] };
    return health.workers.reduce((sum, w) => sum + (w.ingest?.inserted ?? 0), 0);
  };
  const redis = new Redis(testRedisUrl(REDIS_DB)); // not freshTestRedis: that would empty the server's stream and group
  const embeddedOurs = await measure(`embedded default (PGlite + TimescaleDB), worker in-process; ${logLabel(logs)}`, probes, inserted, [server], server.pid, streamEmpty(redis));
  redis.disconnect();
  await exited(server);
  const embedded = await openDatabase({ dataDir: path.join(dir, 'pg') });
  const batch = workerBatch(undefined);
  const raw = await rawBaselines(embedded, batch);
  printBaselines(embeddedOurs, raw, batch);
  outcomes.push({ label: `embedded, ${logs === 'warn' ? 'LOG_SHIP_LEVEL=warn' : 'default log shipping'}`, embedded: true, ours: embeddedOurs, insertRate: raw.insertRate });
  await embedded.close();
  await rm(dir, { recursive: true, force: true });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

function printBaselines(ours: Measured, raw: { xaddRate: number; insertRate: number }, batch: number) {
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(`  raw baselines (same run, same table): pipelined XADD ${Math.round(raw.xaddRate)} entries/s; insertMetricBatch ×${batch} ${Math.round(raw.insertRate)} rows/s`);
  console.log(`    batches accepted ÷ raw XADD: ${ratio(ours.acceptedRate, raw.xaddRate)}; end to end ÷ raw insert: ${ratio(ours.e2eRate, raw.insertRate)}`);
}

async function enrolProbes(enrollmentKey: string): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (let i = 0; i < NODES; i++) {
    const nodeId = crypto.randomUUID();
    const res = await fetch(`http://127.0.0.1:${PORT}/api/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enrollmentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ node_id: nodeId, country: 'GH', region: 'Ghana', timestamp: new Date().toISOString(), latency_ms: 1 }),
    });
    const answer = (await res.json()) as { node_key?: string };
    if (!answer.node_key) throw new Error(`enrolment failed: ${res.status} ${JSON.stringify(answer)}`);
    probes.push({ nodeId, key: answer.node_key });
  }
  return probes;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
