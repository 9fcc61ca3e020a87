/**
 * npm run bench:logs [-- --rows N --runs R --engine postgres|pglite|both] — the PostgreSQL log
 * store (issue 6) on a throw-away database: PostgreSQL 15 at FIBER_TEST_POSTGRES_URL (plain
 * mode, default 1,000,000 lines) and embedded PGlite + TimescaleDB in memory (default 200,000).
 * It writes N lines over 30 days through the store (diurnal traffic; requests of 2–6 lines
 * across api and worker; levels, services, nodes and users in realistic proportions), then for
 * each search prints p50/p95 over R runs (default 100, after a warm-up) of the store's search
 * (page of 50 + zero-filled histogram + total, as /api/logs asks it) beside a raw SQL baseline
 * measured in the same run (one hand-written statement answering the same question on the same
 * indexes), and their ratio.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { queryRows, toNumber } from '../lib/db/rows';
import { PostgresLogStore, logFilters } from '../lib/logs/postgres-store';
import { explain, pageQuery } from '../lib/logs/queries';
import type { LogDocument, LogLevel, LogQuery } from '../lib/logs/types';
import { createTestDatabase } from '../lib/testing/databases';
import { migrate } from '../drizzle/migrate';
import { measure, type Figures } from './queries-http';

const { values: opts } = parseArgs({
  options: { rows: { type: 'string' }, runs: { type: 'string', default: '100' }, engine: { type: 'string', default: 'both' } },
});
const RUNS = Number(opts.runs);
const WARM_UP = 10;
const BATCH = 10_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SPAN = 30 * DAY - HOUR;
const REQUEST_ID_TARGET_MS = 200;

/** Deterministic, so two runs seed the same lines. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(6);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const NODES = Array.from({ length: 1000 }, () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`);
const USERS = Array.from({ length: 200 }, (_, i) => `user-${i}`);
const ROUTES = ['/api/nodes', '/api/metrics', '/api/logs', '/api/push', '/api/alerts', '/api/health'];

/** A level by the usual shares: INFO 75 %, DEBUG 12 %, WARN 8 %, ERROR 4 %, TRACE 0.7 %, FATAL 0.3 %. */
function level(): LogLevel {
  const r = rand();
  return r < 0.75 ? 'INFO' : r < 0.87 ? 'DEBUG' : r < 0.95 ? 'WARN' : r < 0.99 ? 'ERROR' : r < 0.997 ? 'TRACE' : 'FATAL';
}

const WORKER_MESSAGES: Record<LogLevel, (() => string)[]> = {
  TRACE: [() => `Stream read returned ${Math.floor(rand() * 500)} entries`],
  DEBUG: [() => `Cache miss for key nodes:${hex(6)}`, () => `Batch ${hex(8)} acknowledged`],
  INFO: [
    () => `Processing batch of ${Math.floor(rand() * 2000)} metrics`,
    () => `Inserted ${Math.floor(rand() * 2000)} samples for node ${pick(NODES).slice(0, 8)}`,
    () => `Probe pushed ${Math.floor(rand() * 60)} samples in ${Math.floor(rand() * 900)} ms`,
  ],
  WARN: [() => `Upstream gateway timeout after ${Math.floor(rand() * 30)} s, retrying`, () => `Slow query on metrics took ${Math.floor(rand() * 5000)} ms`],
  ERROR: [() => `Connection refused by database host db-${Math.floor(rand() * 4)}`, () => `Checksum mismatch in batch ${hex(8)}: dead-lettered`],
  FATAL: [() => `Out of memory: killing worker process ${Math.floor(rand() * 40000)}`],
};

/** One request (api in, 0–4 worker lines, api out) or one background line, from `t` on. */
function group(t: number, out: LogDocument[]): void {
  const at = (ms: number) => new Date(ms).toISOString();
  if (rand() < 0.45) {
    const requestId = `req-${hex(16)}`;
    const user = rand() < 0.4 ? { user_id: pick(USERS) } : {};
    const route = pick(ROUTES);
    out.push({ '@timestamp': at(t), service: 'api', level: 'INFO', logger: 'http', message: `→ GET ${route}`, request_id: requestId, ...user });
    const inner = Math.floor(rand() * 5);
    for (let k = 1; k <= inner; k++) {
      const l = level();
      out.push({ '@timestamp': at(t + k * 3), service: 'worker', level: l, message: pick(WORKER_MESSAGES[l])(), request_id: requestId, node_id: pick(NODES) });
    }
    const status = rand() < 0.97 ? 200 : pick([400, 404, 500, 503]);
    out.push({ '@timestamp': at(t + inner * 3 + 5), service: 'api', level: status >= 500 ? 'ERROR' : 'INFO', logger: 'http', message: `← ${status} ${route} in ${Math.floor(rand() * 300)} ms`, request_id: requestId, ...user });
    return;
  }
  const l = level();
  const service = rand() < 0.7 ? 'ingest' : 'auth';
  const message = service === 'auth' ? `Sign-in ${l === 'INFO' ? 'succeeded' : 'refused'} for ${pick(USERS)}` : pick(WORKER_MESSAGES[l])();
  out.push({ '@timestamp': at(t), service, level: l, message, ...(service === 'ingest' ? { node_id: pick(NODES) } : {}) });
}

/** Writes `rows` lines over the last 30 days (busier by day than by night, UTC), batch by batch through the store. */
async function seed(store: PostgresLogStore, rows: number, now: number): Promise<{ requestIds: string[]; ms: number }> {
  const started = performance.now();
  const requestIds: string[] = [];
  const meanGap = SPAN / rows;
  let t = now - SPAN;
  let written = 0;
  let batch: LogDocument[] = [];
  while (written + batch.length < rows) {
    const before = batch.length;
    group(t, batch);
    const added = batch.length - before;
    const hour = new Date(t).getUTCHours();
    const load = 1 + 0.6 * Math.sin(((hour - 8) / 24) * 2 * Math.PI);
    // Lines per hour ∝ load, so the gaps still add up to the 30 days.
    t += (meanGap * added * (0.5 + rand())) / load;
    if (t >= now) t = now - SPAN + rand() * SPAN;
    const last = batch.at(-1)!;
    if (last.request_id && rand() < 0.01) requestIds.push(last.request_id);
    if (batch.length >= BATCH) {
      const result = await store.writeLogs(batch);
      if (result.rejected.length > 0) throw new Error(`seed rejected: ${result.rejected[0]!.reason}`);
      written += result.written;
      batch = [];
    }
  }
  written += (await store.writeLogs(batch.slice(0, rows - written))).written;
  return { requestIds, ms: performance.now() - started };
}

const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
const pair = (f: Figures) => `${ms(f.p50)} / ${ms(f.p95)}`;

interface Row {
  name: string;
  target?: number;
  sql: Figures;
  store: Figures;
  note: string;
}

async function bench(engine: 'postgres' | 'pglite', rows: number): Promise<void> {
  const t = await createTestDatabase(engine);
  try {
    const { mode } = await migrate(t.database, { timescale: 'auto' });
    const db = t.database.db;
    const store = new PostgresLogStore(db, mode);
    await store.setup();
    const now = Date.now();
    const seeded = await seed(store, rows, now);
    const analyzeStarted = performance.now();
    await db.execute(sql`VACUUM ANALYZE logs`);
    const [size] = await queryRows<{ n: string; bytes: string }>(
      db,
      mode === 'timescaledb'
        ? sql`SELECT (SELECT count(*) FROM logs) AS n, hypertable_size('logs') AS bytes`
        : sql`SELECT (SELECT count(*) FROM logs) AS n, (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'logs'::regclass) AS bytes`,
    );
    console.log(`\n${engine === 'postgres' ? 'PostgreSQL 15' : 'PGlite + TimescaleDB (in memory)'} (${mode} mode): ${toNumber(size!.n)!.toLocaleString('en')} lines over 30 days`);
    console.log(
      `  seed through the store: ${(seeded.ms / 1000).toFixed(1)} s (${Math.round(rows / (seeded.ms / 1000)).toLocaleString('en')} lines/s in batches of ${BATCH.toLocaleString('en')}), ` +
        `VACUUM ANALYZE ${((performance.now() - analyzeStarted) / 1000).toFixed(1)} s, ${(toNumber(size!.bytes)! / 2 ** 20).toFixed(0)} MB with indexes`,
    );

    const out: Row[] = [];
    const ids = seeded.requestIds;
    const day = (i: number) => ({ from: new Date(now - DAY - i * MINUTE), to: new Date(now - i * MINUTE) });
    const month = (i: number) => ({ from: new Date(now - 30 * DAY - i * 1000), to: new Date(now - i * 1000) });
    const run = async (r: Omit<Row, 'sql' | 'store'>, raw: (i: number) => Promise<unknown>, viaStore: (i: number) => Promise<{ total: number }>) => {
      let totals = 0;
      const sqlF = await measure(RUNS, WARM_UP, raw);
      const storeF = await measure(RUNS, WARM_UP, async (i) => {
        totals += (await viaStore(i)).total;
      });
      out.push({ ...r, sql: sqlF, store: storeF, note: `${r.note}, ${Math.round(totals / (RUNS + WARM_UP)).toLocaleString('en')} matches on average` });
      console.log(`  ${r.name.padEnd(46)} raw SQL ${pair(sqlF).padStart(20)}   store ${pair(storeF).padStart(20)}   ×${(storeF.p95 / sqlF.p95).toFixed(1)}`);
    };

    const byRequest = (i: number): LogQuery => ({ ...month(i), requestId: ids[i % ids.length]!, ascending: true, limit: 50 });
    const plan = await explain(db, pageQuery('logs', { ...byRequest(0), ...logFilters(byRequest(0)) }, { limit: 51, ascending: true }));
    const seqScans = plan.match(/Seq Scan/g)?.length ?? 0;
    const usesIndex = /idx_logs_request_time|request_id_time_idx/.test(plan);
    console.log(`  request-id page plan: ${usesIndex ? 'the request_id index' : 'NOT the request_id index'}, ${seqScans} sequential scans${usesIndex && seqScans === 0 ? '' : `:\n${plan}`}`);
    await run(
      { name: 'request id, last 30 days, oldest first', target: REQUEST_ID_TARGET_MS, note: `${ids.length} request ids in turn` },
      (i) => {
        const q = byRequest(i);
        return db.execute(sql`SELECT * FROM logs WHERE request_id = ${q.requestId} AND time >= ${q.from.toISOString()}::timestamptz
                              AND time < ${q.to.toISOString()}::timestamptz ORDER BY time, id LIMIT 51`);
      },
      (i) => store.searchLogs(byRequest(i)),
    );

    const WORDS = ['timeout', 'refused', 'checksum', 'metrics', 'slow'];
    await run(
      { name: 'full-text word, last 24 h, newest first', note: `words ${WORDS.join(', ')} in turn, the store's last word a prefix` },
      (i) => {
        const r = day(i);
        return db.execute(sql`SELECT * FROM logs WHERE search @@ to_tsquery('simple', ${WORDS[i % WORDS.length]!})
                              AND time >= ${r.from.toISOString()}::timestamptz AND time < ${r.to.toISOString()}::timestamptz
                              ORDER BY time DESC, id DESC LIMIT 51`);
      },
      (i) => store.searchLogs({ ...day(i), text: WORDS[i % WORDS.length]!, limit: 50 }),
    );

    const SERVICES = ['api', 'worker', 'ingest', 'auth'];
    await run(
      { name: 'service + level ≥ WARN, last 24 h', note: `services ${SERVICES.join(', ')} in turn` },
      (i) => {
        const r = day(i);
        return db.execute(sql`SELECT * FROM logs WHERE service = ${SERVICES[i % SERVICES.length]!} AND level IN ('WARN', 'ERROR', 'FATAL')
                              AND time >= ${r.from.toISOString()}::timestamptz AND time < ${r.to.toISOString()}::timestamptz
                              ORDER BY time DESC, id DESC LIMIT 51`);
      },
      (i) => store.searchLogs({ ...day(i), services: [SERVICES[i % SERVICES.length]!], minLevel: 'WARN', limit: 50 }),
    );

    const week = (i: number) => ({ from: new Date(now - 7 * DAY - i * MINUTE), to: new Date(now - i * MINUTE) });
    await run(
      { name: 'histogram of every line, last 7 days', note: '3-hour buckets over ~1/4 of the lines, with a page of 50' },
      (i) => {
        const r = week(i);
        return db.execute(sql`SELECT date_bin('3 hours', time, TIMESTAMPTZ 'epoch') AS bucket, count(*) FROM logs
                              WHERE time >= ${r.from.toISOString()}::timestamptz AND time < ${r.to.toISOString()}::timestamptz GROUP BY 1`);
      },
      (i) => store.searchLogs({ ...week(i), limit: 50 }),
    );

    console.log(`\n  Summary, ${engine} (${rows.toLocaleString('en')} lines; p50 / p95 over ${RUNS} runs; ✓ = store p95 under target)`);
    console.log(`  ${'search'.padEnd(46)} ${'target'.padStart(9)} ${'raw SQL'.padStart(20)} ${'store'.padStart(20)} ${'÷ SQL'.padStart(7)}`);
    for (const r of out) {
      const target = r.target ? `< ${r.target} ms` : '';
      const verdict = r.target ? (r.store.p95 < r.target ? ' ✓' : ' ✗') : '';
      console.log(`  ${r.name.padEnd(46)} ${target.padStart(9)} ${pair(r.sql).padStart(20)} ${pair(r.store).padStart(20)} ${`×${(r.store.p95 / r.sql.p95).toFixed(1)}`.padStart(7)}${verdict}  (${r.note})`);
    }
  } finally {
    await t.cleanup();
  }
}

async function main() {
  if (!Number.isInteger(RUNS) || RUNS < 20) throw new Error('--runs must be ≥ 20');
  const engines = opts.engine === 'both' ? (['postgres', 'pglite'] as const) : ([opts.engine] as const);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
  console.log(`store searches ask for a page of 50, like the /logs page; raw SQL is one statement (the page alone), on the same database handle`);
  for (const engine of engines) {
    if (engine !== 'postgres' && engine !== 'pglite') throw new Error('--engine must be postgres, pglite or both');
    const rows = opts.rows ? Number(opts.rows) : engine === 'postgres' ? 1_000_000 : 200_000;
    if (!Number.isInteger(rows) || rows < 10_000) throw new Error('--rows must be ≥ 10000');
    await bench(engine, rows);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
