/**
 * npm run bench:queries [-- --nodes N --runs R] — read-path latency on a network of N nodes
 * (default 1,000) × 7 days of 1-minute samples (~10 M rows) with 90 days of hourly and a year of
 * daily rollups, on PostgreSQL 15 in plain mode (bench/queries-seed.ts). For each query of the
 * issue it prints p50/p95 over R runs (default 200, after a warm-up) of:
 *   - the raw SQL answering the question with the spec's index, on its own connection;
 *   - the product's query function, in-process (what the route runs, minus HTTP);
 *   - the HTTP API of the real `npm start` server (lib/runtime/server.ts); for /api/metrics both
 *     cold (the Redis cache emptied before every request, and every run another node: this is
 *     the figure that counts) and warm (the same request again: a cache hit);
 * and the ratio API ÷ raw SQL. Then GET / (the overview's server render) and the gzipped
 * JavaScript the overview loads, including chunks fetched at runtime (Chromium).
 * While it runs, the samples of each new minute are inserted for every live node, as the
 * worker would, so statuses and "the last 5 minutes" stay true over the run.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { queryRows } from '../lib/db/rows';
import { getRawMetrics, getHourlyAggregates } from '../lib/metrics/queries';
import { getLatencySparklines, getNetworkKpis, listNodesWithLatestSample } from '../lib/nodes/queries';
import { createTestDatabase } from '../lib/testing/databases';
import { TEST_REDIS_DB, testRedisUrl } from '../lib/testing/redis';
import { migrate } from '../drizzle/migrate';
import { parseServerTiming } from '../lib/http/server-timing';
import { browserScripts, closeClient, get, signInViewer, htmlScripts, measure, startServer, stopServer, waitHttp, type Figures, type ScriptWeight } from './queries-http';
import { insertLiveMinutes, seedBenchData } from './queries-seed';

const { values: opts } = parseArgs({ options: { nodes: { type: 'string', default: '1000' }, runs: { type: 'string', default: '200' } } });
const NODES = Number(opts.nodes);
const RUNS = Number(opts.runs);
const WARM_UP = 20;
/** The benches' own Redis database (lib/testing/redis.ts); a developer's server uses 0. */
const REDIS_DB = TEST_REDIS_DB.bench;
const PORT = 3230;
const BASE = `http://127.0.0.1:${PORT}`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const JS_TARGET_KB = 250;

const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const line = (label: string, f: Figures, extra = '') => console.log(`  ${label.padEnd(58)} p50 ${ms(f.p50).padStart(9)}  p95 ${ms(f.p95).padStart(9)}${extra}`);
const loadNow = () => os.loadavg().map((l) => l.toFixed(1)).join(' / ');

interface Row {
  name: string;
  target: number;
  /** The spec's target for the same query pattern ("Indexing Strategy"), when it has one. */
  spec?: number;
  sql: Figures;
  api: Figures;
  warm?: Figures;
}

interface MetricsCase {
  sql: (i: number) => Promise<unknown>;
  lib: (i: number) => Promise<unknown>;
  url: (i: number) => string;
  warmUrl: string;
}

async function main() {
  if (!Number.isInteger(NODES) || NODES < 50 || !Number.isInteger(RUNS) || RUNS < 20) throw new Error('--nodes must be ≥ 50 and --runs ≥ 20');
  const pg = await createTestDatabase('postgres');
  const redis = new Redis(testRedisUrl(REDIS_DB), { maxRetriesPerRequest: 1 });
  const raw = postgres(pg.url!, { max: 1, onnotice: () => {} });
  let server: ReturnType<typeof startServer> | undefined;
  let live: NodeJS.Timeout | undefined;

  /** A /api/metrics case: raw SQL, query function, API cold (cache emptied before each request) and warm. */
  const metricsCase = async (name: string, target: number, spec: number, c: MetricsCase): Promise<Row> => {
    console.log(`\n${name} (target p95 < ${target} ms; spec < ${spec} ms)`);
    const sqlF = await measure(RUNS, WARM_UP, c.sql);
    line('raw SQL', sqlF);
    line('query function (in-process)', await measure(RUNS, WARM_UP, c.lib));
    let bytes = 0;
    let points = 0;
    const outcomes = new Set<string>();
    const timings: Record<string, number>[] = [];
    const cold = await measure(RUNS, WARM_UP, async (i) => ok(await get(c.url(i))), {
      prepare: () => redis.flushdb(),
      inspect: (res, i) => {
        outcomes.add(String(res.headers['x-cache']));
        if (i >= WARM_UP) timings.push(parseServerTiming(res.headers['server-timing'] as string | undefined));
        bytes = res.body.length;
        points = (JSON.parse(res.body.toString('utf8')) as { data: unknown[] }).data.length;
      },
    });
    console.log(`  server side, mean of the cold runs (Server-Timing): ${meanTimings(timings)}`);
    line('API cold (cache emptied before each request)', cold, `  ×${(cold.p95 / sqlF.p95).toFixed(1)} raw SQL (X-Cache ${[...outcomes].join('/')}, ${points} points, ${kb(bytes)})`);
    ok(await get(c.warmUrl));
    const hits = new Set<string>();
    const warm = await measure(RUNS, WARM_UP, async () => ok(await get(c.warmUrl)), { inspect: (res) => hits.add(String(res.headers['x-cache'])) });
    line('API warm (the same request again)', warm, `  (X-Cache ${[...hits].join('/')})`);
    return { name: `${name} (GET /api/metrics)`, target, spec, sql: sqlF, api: cold, warm };
  };

  try {
    await redis.flushdb();
    const { mode } = await migrate(pg.database, { timescale: 'off' });
    const db = pg.database.db;
    const seededAt = new Date();
    const started = performance.now();
    const seed = await seedBenchData(db, NODES, seededAt);
    const seedSeconds = (performance.now() - started) / 1000;
    console.log(
      `PostgreSQL 15 (${mode} mode): ${NODES} nodes, ${seed.samples.toLocaleString('en')} samples (7 days × 1 min), ` +
        `${seed.hourlyRows.toLocaleString('en')} hourly rows (90 d), ${seed.dailyRows.toLocaleString('en')} daily rows (365 d)`,
    );
    console.log(`seed: ${seedSeconds.toFixed(1)} s (${Object.entries(seed.phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')})`);

    // The live minute, as the worker would write it, every 20 s.
    let since = new Date(Math.floor(seededAt.getTime() / 60_000) * 60_000 + 60_000);
    let feeding = false;
    const feed = async () => {
      if (feeding) return;
      feeding = true;
      try {
        since = await insertLiveMinutes(db, since, new Date(), seededAt);
      } finally {
        feeding = false;
      }
    };
    await feed();
    live = setInterval(() => void feed().catch((err: unknown) => console.error('live feed failed:', err)), 20_000);

    server = startServer({ DATABASE_URL: pg.url!, FIBER_TIMESCALE: 'off', FIBER_DEMO: '0', REDIS_URL: testRedisUrl(REDIS_DB), PORT: String(PORT) });
    await waitHttp(`${BASE}/api/health`, server);
    await signInViewer(BASE, { DATABASE_URL: pg.url!, FIBER_TIMESCALE: 'off', REDIS_URL: testRedisUrl(REDIS_DB) });

    // Live, up nodes in a fixed order; run i of measurement k reads node (3i + k), so the SQL,
    // the query function and the API each read nodes the others have not just warmed.
    const ids = (
      await queryRows<{ node_id: string }>(
        db,
        sql`SELECT node_id::text FROM nodes WHERE is_active AND last_seen_at > now() - interval '10 minutes' ORDER BY node_name`,
      )
    ).map((r) => r.node_id);
    const node = (i: number, k: number) => ids[(i * 3 + k) % ids.length]!;
    const rows: Row[] = [];
    console.log(`\n${RUNS} runs per figure after ${WARM_UP} warm-up runs; one request at a time over a kept-alive connection.`);
    console.log(`machine: ${os.cpus().length} cores, load average ${loadNow()} at the start (above the core count, other work competed)`);

    // 1. One node's 24 h of raw samples.
    {
      const span = (i: number) => ({ end: new Date(Date.now() - i), start: new Date(Date.now() - i - DAY) });
      const text = `SELECT time, latency_ms, uptime_pct, packet_loss, target_host, probe_type FROM metrics
                    WHERE node_id = $1 AND time >= $2 AND time < $3 ORDER BY time, probe_type, target_host`;
      const url = (id: string, s: { start: Date; end: Date }) =>
        `${BASE}/api/metrics?node_id=${id}&start=${s.start.toISOString()}&end=${s.end.toISOString()}&aggregation=raw`;
      rows.push(
        await metricsCase("one node's 24 h raw", 20, 50, {
          sql: (i) => {
            const s = span(i);
            return raw.unsafe(text, [node(i, 0), s.start.toISOString(), s.end.toISOString()], { prepare: true });
          },
          lib: (i) => {
            const s = span(i);
            return getRawMetrics(db, node(i, 1), s.start, s.end);
          },
          url: (i) => url(node(i, 2), span(i)),
          warmUrl: url(ids[0]!, span(0)),
        }),
      );
    }

    // 2. Recent metrics across all nodes.
    {
      console.log(`\nrecent metrics across all nodes (target p95 < 50 ms; spec < 100 ms): GET /api/nodes = every node with its newest sample`);
      // As listNodesWithLatestSample reads it: from the node's last_seen_at up, at most a day ahead.
      const newest = `SELECT n.node_id, n.node_name, m.time, m.latency_ms, m.uptime_pct, m.packet_loss FROM nodes n
                      LEFT JOIN LATERAL (SELECT time, latency_ms, uptime_pct, packet_loss FROM metrics
                                         WHERE node_id = n.node_id AND time >= COALESCE(n.last_seen_at, '-infinity'::timestamptz)
                                           AND time <= now() + interval '1 day'
                                         ORDER BY time DESC LIMIT 1) m ON true`;
      const lastFive = `SELECT node_id, time, latency_ms, uptime_pct, packet_loss FROM metrics WHERE time > now() - interval '5 minutes'`;
      const sqlNewest = await measure(RUNS, WARM_UP, () => raw.unsafe(newest, [], { prepare: true }));
      line('raw SQL: newest sample per node (LATERAL, idx_metrics_node_time)', sqlNewest);
      line('raw SQL: every sample of the last 5 min (idx_metrics_time)', await measure(RUNS, WARM_UP, () => raw.unsafe(lastFive, [], { prepare: true })));
      line('listNodesWithLatestSample (in-process)', await measure(RUNS, WARM_UP, () => listNodesWithLatestSample(db)));
      let bytes = 0;
      const timings: Record<string, number>[] = [];
      const api = await measure(RUNS, WARM_UP, async () => ok(await get(`${BASE}/api/nodes`)), {
        inspect: (res) => {
          bytes = res.body.length;
          timings.push(parseServerTiming(res.headers['server-timing'] as string | undefined));
        },
      });
      console.log(`  server side, mean (Server-Timing): ${meanTimings(timings.slice(WARM_UP))}`);
      line('API GET /api/nodes', api, `  ×${(api.p95 / sqlNewest.p95).toFixed(1)} raw SQL (${kb(bytes)})`);
      rows.push({ name: 'recent metrics across all nodes (GET /api/nodes)', target: 50, spec: 100, sql: sqlNewest, api });
    }

    // 3. One node's hourly buckets over 30 days.
    {
      const span = (i: number) => ({ end: new Date(Date.now() - i), start: new Date(Date.now() - i - 30 * DAY) });
      const text = `SELECT time, avg_latency_ms, min_latency_ms, max_latency_ms, p50_latency_ms, p95_latency_ms, p99_latency_ms,
                           avg_uptime_pct, min_uptime_pct, avg_packet_loss, max_packet_loss, sample_count
                    FROM aggregates_hourly WHERE node_id = $1 AND time >= $2 AND time < $3 ORDER BY time`;
      const hour = (d: Date, up: boolean) => new Date((up ? Math.ceil : Math.floor)(d.getTime() / HOUR) * HOUR);
      const url = (id: string, s: { start: Date; end: Date }) =>
        `${BASE}/api/metrics?node_id=${id}&start=${s.start.toISOString()}&end=${s.end.toISOString()}&aggregation=hourly`;
      rows.push(
        await metricsCase("one node's hourly 30 d", 10, 20, {
          sql: (i) => {
            const s = span(i);
            return raw.unsafe(text, [node(i, 0), hour(s.start, false).toISOString(), hour(s.end, true).toISOString()], { prepare: true });
          },
          lib: (i) => {
            const s = span(i);
            return getHourlyAggregates(db, node(i, 1), hour(s.start, false), hour(s.end, true));
          },
          url: (i) => url(node(i, 2), span(i)),
          warmUrl: url(ids[0]!, span(0)),
        }),
      );
    }

    // 4. Active nodes list.
    {
      console.log(`\nactive nodes list (target p95 < 5 ms; spec < 10 ms): GET /api/nodes?status=up,degraded,down (every node but the inactive)`);
      const text = `SELECT node_id, node_name, display_name, country, region, city, latitude, longitude, last_seen_at
                    FROM nodes WHERE is_active ORDER BY country, node_name`;
      const sqlActive = await measure(RUNS, WARM_UP, () => raw.unsafe(text, [], { prepare: true }));
      line('raw SQL: SELECT … FROM nodes WHERE is_active', sqlActive);
      let bytes = 0;
      const timings: Record<string, number>[] = [];
      const api = await measure(RUNS, WARM_UP, async () => ok(await get(`${BASE}/api/nodes?status=up,degraded,down`)), {
        inspect: (res) => {
          bytes = res.body.length;
          timings.push(parseServerTiming(res.headers['server-timing'] as string | undefined));
        },
      });
      console.log(`  server side, mean (Server-Timing): ${meanTimings(timings.slice(WARM_UP))}`);
      line('API GET /api/nodes?status=up,degraded,down', api, `  ×${(api.p95 / sqlActive.p95).toFixed(1)} raw SQL (${kb(bytes)})`);
      rows.push({ name: 'active nodes list (GET /api/nodes?status=…)', target: 5, spec: 10, sql: sqlActive, api });
    }

    // 5. The overview's server render, and the queries a rebuilt overview (KPIs, sparklines) reads.
    {
      console.log(`\noverview page, server render (target p95 < 300 ms): GET / — whatever app/page.tsx renders in this tree`);
      const sqlNodes = await measure(RUNS, WARM_UP, () => listNodesWithLatestSample(db));
      line('listNodesWithLatestSample (in-process)', sqlNodes);
      line('getNetworkKpis: last hour, all active nodes (in-process)', await measure(RUNS, WARM_UP, () => getNetworkKpis(db, new Date())));
      const allIds = (await queryRows<{ node_id: string }>(db, sql`SELECT node_id::text FROM nodes`)).map((r) => r.node_id);
      line(
        `getLatencySparklines: 24 h × ${allIds.length} nodes (in-process)`,
        await measure(RUNS, WARM_UP, () => getLatencySparklines(db, allIds, new Date(Date.now() - DAY))),
      );
      let bytes = 0;
      let failures = 0;
      const runs = Math.min(RUNS, 100);
      const page = await measure(runs, 5, () => get(`${BASE}/`), {
        inspect: (res) => {
          if (res.status !== 200) failures++;
          bytes = res.body.length;
        },
      });
      line(`GET / (${runs} runs, full HTML)`, page, `  (${kb(bytes)} of HTML${failures ? `, ${failures} non-200 answers` : ''}; ${ids.length} live nodes)`);
      rows.push({ name: 'overview server render (GET /; SQL = its node query)', target: 300, sql: sqlNodes, api: page });
    }

    // 6. JavaScript shipped for the overview.
    console.log(`\nJavaScript for the overview (gzip -9 of each file; target < ${JS_TARGET_KB} KB):`);
    const fromHtml = await htmlScripts(BASE);
    const inBrowser = await browserScripts(BASE);
    const initial = new Set(fromHtml.files.map((f) => f.path));
    const printList = (title: string, list: ScriptWeight[]) => {
      console.log(`  ${title}: ${list.length} files, ${kb(sum(list, 'bytes'))} → ${kb(sum(list, 'gzip'))} gzipped`);
      for (const f of [...list].sort((a, b) => b.gzip - a.gzip)) console.log(`    ${f.path.padEnd(60)} ${kb(f.bytes).padStart(10)} ${kb(f.gzip).padStart(10)}`);
    };
    printList('referenced by the HTML (<script src>)', fromHtml.files);
    const runtime = (inBrowser ?? []).filter((s) => !initial.has(s.path));
    if (inBrowser) printList('loaded at runtime (next/dynamic chunks, seen by Chromium)', runtime);
    const jsTotal = sum(fromHtml.files, 'gzip') + sum(runtime, 'gzip');
    const jsOk = jsTotal / 1024 < JS_TARGET_KB ? '✓' : '✗';
    console.log(`  total JavaScript files: ${kb(jsTotal)} gzipped ${jsOk} (target < ${JS_TARGET_KB} KB)${inBrowser ? '' : ' — without runtime chunks'}`);
    console.log(`  plus the HTML's inline scripts (RSC payload: the page's data, not code): ${kb(fromHtml.inline.bytes)} → ${kb(fromHtml.inline.gzip)} gzipped`);

    // Summary.
    console.log(`\nSummary (${NODES} nodes; the p95 that counts is the API's, for /api/metrics the cold one; ✓ = under target)`);
    console.log(`  load average at the end: ${loadNow()} on ${os.cpus().length} cores`);
    const pair = (f: Figures) => `${ms(f.p50)} / ${ms(f.p95)}`;
    console.log(`  ${'query'.padEnd(54)} ${'target'.padStart(9)} ${'spec'.padStart(7)} ${'SQL p50 / p95'.padStart(20)} ${'API p50 / p95'.padStart(22)} ${'API÷SQL'.padStart(8)}`);
    for (const r of rows) {
      const spec = r.spec ? `< ${r.spec}` : '';
      const verdict = r.api.p95 < r.target ? '✓' : '✗';
      const warm = r.warm ? `  (warm cache: ${pair(r.warm)})` : '';
      console.log(
        `  ${r.name.padEnd(54)} ${`< ${r.target} ms`.padStart(9)} ${spec.padStart(7)} ${pair(r.sql).padStart(20)} ${pair(r.api).padStart(22)} ${`×${(r.api.p95 / r.sql.p95).toFixed(1)}`.padStart(8)} ${verdict}${warm}`,
      );
    }
    console.log(`  ${'JavaScript for the overview (gzipped)'.padEnd(54)} ${`< ${JS_TARGET_KB} KB`.padStart(9)} ${kb(jsTotal).padStart(59)} ${jsOk}`);
  } finally {
    if (live) clearInterval(live);
    if (server) await stopServer(server);
    closeClient();
    await raw.end();
    await redis.flushdb().catch(() => {});
    redis.disconnect();
    await pg.cleanup();
  }
}

function ok<T extends { status: number; body: Buffer }>(res: T): T {
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
  return res;
}

/** `auth 3.1 ms, cache 0.4 ms, …` over the runs: where the server spent the API's time. */
function meanTimings(runs: Record<string, number>[]): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return names.map((n) => `${n} ${(runs.reduce((t, r) => t + (r[n] ?? 0), 0) / Math.max(1, runs.length)).toFixed(2)} ms`).join(', ') || 'none sent';
}

function sum(list: ScriptWeight[], key: 'bytes' | 'gzip'): number {
  return list.reduce((n, s) => n + s[key], 0);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
