/**
 * The data set of `npm run bench:queries`, generated inside PostgreSQL (plain mode): N nodes
 * (default 1,000) in GH, NG, KE and neighbours × 7 days of 1-minute samples, written in time
 * order as the worker writes them (every minute, all nodes), plus 90 days of hourly and 365 days
 * of daily rollups. The rollups for the raw window are computed from the samples by the
 * product's own refresh (refreshRollup); older buckets, whose samples are past retention, are
 * generated with believable, self-consistent values (min ≤ p50 ≤ p95 ≤ p99 ≤ max).
 *
 * Node profiles (base latency, target, fate) are derived from the node's number, so every
 * statement can recompute them without a side table: 2% inactive (decommissioned two days ago),
 * 2% down (silent for 40 min to 4.5 h), 4% degraded for the last 45 minutes, the rest up.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../lib/db/client';
import { queryRows, toNumber } from '../lib/db/rows';
import { ensureMetricsPartitions, partitionName, refreshRollup } from '../lib/maintenance/queries';
import { CHUNK_MS, floorTo } from '../lib/maintenance/rollups';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const RAW_DAYS = 7;
export const HOURLY_DAYS = 90;
export const DAILY_DAYS = 365;

type City = [country: string, region: string, city: string, lat: number, lon: number];
const CITIES: City[] = [
  ['GH', 'Ghana', 'Accra', 5.6037, -0.187],
  ['GH', 'Ghana', 'Kumasi', 6.6885, -1.6244],
  ['GH', 'Ghana', 'Tamale', 9.4008, -0.8393],
  ['GH', 'Ghana', 'Sekondi-Takoradi', 4.8845, -1.7554],
  ['GH', 'Ghana', 'Cape Coast', 5.1053, -1.2466],
  ['NG', 'Nigeria', 'Lagos', 6.5244, 3.3792],
  ['NG', 'Nigeria', 'Abuja', 9.0765, 7.3986],
  ['NG', 'Nigeria', 'Kano', 12.0022, 8.592],
  ['NG', 'Nigeria', 'Ibadan', 7.3775, 3.947],
  ['NG', 'Nigeria', 'Port Harcourt', 4.8156, 7.0498],
  ['NG', 'Nigeria', 'Enugu', 6.4584, 7.5464],
  ['NG', 'Nigeria', 'Kaduna', 10.5105, 7.4165],
  ['KE', 'Kenya', 'Nairobi', -1.2921, 36.8219],
  ['KE', 'Kenya', 'Mombasa', -4.0435, 39.6682],
  ['KE', 'Kenya', 'Kisumu', -0.0917, 34.768],
  ['KE', 'Kenya', 'Nakuru', -0.3031, 36.08],
  ['KE', 'Kenya', 'Eldoret', 0.5143, 35.2698],
  ['TG', 'Togo', 'Lomé', 6.1725, 1.2314],
  ['BJ', 'Benin', 'Cotonou', 6.3703, 2.3912],
  ['CI', "Côte d'Ivoire", 'Abidjan', 5.36, -4.0083],
  ['BF', 'Burkina Faso', 'Ouagadougou', 12.3714, -1.5197],
  ['UG', 'Uganda', 'Kampala', 0.3476, 32.5825],
  ['TZ', 'Tanzania', 'Dar es Salaam', -6.7924, 39.2083],
  ['RW', 'Rwanda', 'Kigali', -1.9441, 30.0619],
];

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const CITY_VALUES = CITIES.map(([c, r, city, lat, lon], k) => `(${k}, ${lit(c)}, ${lit(r)}, ${lit(city)}, ${lat}, ${lon})`).join(',\n');

/**
 * Each node's profile, recomputed from its number (the suffix of node_name) at `now`:
 * base latency 4–83 ms, one of three targets, the time its samples stop (`stop_at`) and the
 * time it turned degraded (`degraded_from`, infinity for most). Materialised once per statement.
 */
const profile = (now: Date) => sql`p AS MATERIALIZED (
  SELECT node_id, i, 4 + (i * 37) % 80 AS base,
         (ARRAY['google.com', '1.1.1.1', 'dns.quad9.net'])[1 + i % 3] AS host,
         (ARRAY['http', 'ping', 'tcp'])[1 + i % 3] AS ptype,
         CASE WHEN i % 50 = 7 THEN ${now.toISOString()}::timestamptz - interval '2 days'
              WHEN i % 50 = 13 THEN ${now.toISOString()}::timestamptz - (40 * (1 + i % 7)) * interval '1 minute'
              ELSE 'infinity'::timestamptz END AS stop_at,
         CASE WHEN i % 50 IN (21, 42) THEN ${now.toISOString()}::timestamptz - interval '45 minutes'
              ELSE 'infinity'::timestamptz END AS degraded_from
  FROM (SELECT node_id, substring(node_name FROM '(\\d+)$')::int AS i FROM nodes) n)`;

/**
 * The instants from..to step `step`, each with its diurnal factor (±30% around the base,
 * peaking in the evening). Joined LATERAL to a subquery with OFFSET 0 (which the planner cannot
 * pull up and reorder), the rows come out minute by minute, all nodes each minute, as the worker
 * writes them, without a sort.
 */
const series = (from: Date, last: Date, step: string) => sql`(
  SELECT t, 1 + 0.3 * sin(2 * pi() * (date_part('epoch', t) / 86400 - 0.5)) AS f
  FROM generate_series(${from.toISOString()}::timestamptz, ${last.toISOString()}::timestamptz, ${step}::interval) AS t) s`;

export async function insertBenchNodes(db: Db, count: number, now: Date): Promise<void> {
  await db.execute(sql`
    INSERT INTO nodes (node_name, display_name, country, region, city, latitude, longitude, is_active,
                       probe_version, hardware_info, tags, created_at, updated_at)
    SELECT format('probe-%s-%s-%s', lower(c.country), lower(regexp_replace(c.city, '[^A-Za-z]+', '', 'g')), lpad(i::text, 4, '0')),
           format('%s POP %s', c.city, i),
           c.country, c.region, c.city,
           round((c.lat + ((i * 7919) % 1000 - 500) / 1500.0)::numeric, 6),
           round((c.lon + ((i * 104729) % 1000 - 500) / 1500.0)::numeric, 6),
           i % 50 <> 7,
           CASE WHEN i % 5 = 0 THEN '0.1.0' ELSE '0.2.1' END,
           jsonb_build_object('cpu', '2 cores', 'ram', '4GB', 'os', 'Ubuntu 22.04'),
           CASE WHEN i % 10 = 0 THEN '["tier1", "datacenter"]'::jsonb ELSE '["pop"]'::jsonb END,
           ${new Date(now.getTime() - 400 * DAY).toISOString()}::timestamptz,
           ${now.toISOString()}::timestamptz
    FROM generate_series(0, ${count - 1}) AS i
    JOIN (VALUES ${sql.raw(CITY_VALUES)}) AS c(k, country, region, city, lat, lon) ON c.k = i % ${CITIES.length}`);
}

/** Every node's samples with from <= time < to (whole minutes), in time order, into `relation`. */
export async function insertSamples(db: Db, relation: string, from: Date, to: Date, now: Date): Promise<void> {
  await bulk(db, sql`
    WITH ${profile(now)}
    INSERT INTO ${sql.identifier(relation)} (time, node_id, latency_ms, uptime_pct, packet_loss, target_host, probe_type)
    SELECT s.t, p.node_id,
           LEAST(9999, round((p.base * s.f + random() * p.base * 0.3
                 + CASE WHEN random() < 0.002 THEN 150 + random() * 600 ELSE 0 END
                 + CASE WHEN s.t >= p.degraded_from THEN 280 + random() * 100 ELSE 0 END)::numeric, 2)),
           CASE WHEN random() < 0.005 THEN round((90 + random() * 10)::numeric, 2) ELSE 100 END,
           round((random() ^ 6 * 1.5 + CASE WHEN s.t >= p.degraded_from THEN 3 + random() * 4 ELSE 0 END)::numeric, 2),
           p.host, p.ptype
    FROM ${series(from, new Date(to.getTime() - MINUTE), '1 minute')}
    CROSS JOIN LATERAL (SELECT * FROM p WHERE s.t < p.stop_at OFFSET 0) p`);
}

/** Generated hourly buckets with from <= time < to (whole hours), consistent with the samples' shape. */
async function generateHourly(db: Db, from: Date, to: Date, now: Date): Promise<void> {
  await bulk(db, sql`
    WITH ${profile(now)}
    INSERT INTO aggregates_hourly (time, node_id, avg_latency_ms, min_latency_ms, max_latency_ms, p50_latency_ms,
                                   p95_latency_ms, p99_latency_ms, avg_uptime_pct, min_uptime_pct, avg_packet_loss,
                                   max_packet_loss, sample_count)
    SELECT s.t, p.node_id, round(p.avg::numeric, 4), round((0.95 * p.base * s.f)::numeric, 2), round((p.p99 + random() * 40)::numeric, 2),
           p.avg - 0.02 * p.base, p.avg + 0.12 * p.base, p.p99,
           CASE WHEN p.dip THEN round((99 + random())::numeric, 4) ELSE 100 END,
           CASE WHEN p.dip THEN round((90 + random() * 9)::numeric, 2) ELSE 100 END,
           round((random() * 0.25)::numeric, 4), round((0.5 + random())::numeric, 2), 60
    FROM ${series(from, new Date(to.getTime() - HOUR), '1 hour')}
    CROSS JOIN LATERAL (
      SELECT node_id, base, avg, avg + 0.17 * base + random() * 20 AS p99, dip
      FROM p CROSS JOIN LATERAL (SELECT base * s.f + 0.15 * base + random() * 2 AS avg, random() < 0.2 AS dip) v OFFSET 0) p`);
}

async function generateDaily(db: Db, from: Date, to: Date, now: Date): Promise<void> {
  await bulk(db, sql`
    WITH ${profile(now)}
    INSERT INTO aggregates_daily (time, node_id, avg_latency_ms, min_latency_ms, max_latency_ms, avg_uptime_pct,
                                  avg_packet_loss, sample_count, high_availability_count, availability_pct)
    SELECT s.t, p.node_id, round((1.15 * p.base + random() * 3)::numeric, 4), round((0.7 * p.base)::numeric, 2),
           round((1.6 * p.base + 150 + random() * 500)::numeric, 2), round((99.9 + random() * 0.1)::numeric, 4),
           round((random() * 0.25)::numeric, 4), 1440, 1440 - p.low, (1440 - p.low)::numeric / 1440 * 100
    FROM ${series(from, new Date(to.getTime() - DAY), '1 day')}
    CROSS JOIN LATERAL (SELECT node_id, base, floor(random() ^ 4 * 20)::int AS low FROM p OFFSET 0) p`);
}

/** One generating statement in its own transaction, without JIT (its compile time is pure overhead here). */
async function bulk(db: Db, statement: SQL): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL jit = off`);
    await tx.execute(statement);
  });
}

/** The weekly partitions (as ensureMetricsPartitions names them) that [from, to) touches. */
function weeks(from: Date, to: Date): { name: string; lower: number; upper: number }[] {
  const out = [];
  for (let start = floorTo(from.getTime(), CHUNK_MS); start < to.getTime(); start += CHUNK_MS) {
    out.push({ name: partitionName(start), lower: start, upper: start + CHUNK_MS });
  }
  return out;
}

/**
 * Bulk load, the usual way for a large backfill: the raw window's partitions are replaced by
 * plain tables with the same columns and CHECK constraints, filled a day at a time (per
 * partition) on `sessions` connections, and attached afterwards, which builds their indexes in
 * one sorted pass each and validates the foreign key once, instead of maintaining four indexes
 * and firing the FK trigger for each of 10 M rows (measured ~30,000 rows/s that way). The heap
 * is in time order as the worker writes it; the indexes end up as compact as a REINDEX makes them.
 */
async function loadSamples(db: Db, from: Date, to: Date, now: Date, sessions: number): Promise<void> {
  const tasks: (() => Promise<void>)[] = [];
  for (const week of weeks(from, to)) {
    await db.execute(sql.raw(`DROP TABLE IF EXISTS ${week.name}`));
    await db.execute(sql.raw(`CREATE TABLE ${week.name} (LIKE metrics INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`));
    const lo = Math.max(from.getTime(), week.lower);
    const hi = Math.min(to.getTime(), week.upper);
    for (let f = lo; f < hi; f += DAY) tasks.push(() => insertSamples(db, week.name, new Date(f), new Date(Math.min(hi, f + DAY)), now));
  }
  await inParallel(sessions, tasks);
}

async function attachPartitions(db: Db, from: Date, to: Date): Promise<void> {
  for (const week of weeks(from, to)) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL maintenance_work_mem = '256MB'`);
      await tx.execute(
        sql.raw(`ALTER TABLE metrics ATTACH PARTITION ${week.name}
                 FOR VALUES FROM ('${new Date(week.lower).toISOString()}') TO ('${new Date(week.upper).toISOString()}')`),
      );
    });
  }
}

/** Runs the tasks on `sessions` connections of the pool, each task one statement. */
async function inParallel(sessions: number, tasks: (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: sessions }, run));
}

export interface SeedFigures {
  nodes: number;
  samples: number;
  hourlyRows: number;
  dailyRows: number;
  /** Milliseconds per phase. */
  phases: Record<string, number>;
}

/**
 * Seeds everything up to `now` (samples up to its minute); returns counts and phase times.
 * Raw samples cover [now − 7 d, now], hourly buckets 90 days, daily buckets 365 days.
 */
export async function seedBenchData(db: Db, nodes: number, now: Date, sessions = 2): Promise<SeedFigures> {
  const phases: Record<string, number> = {};
  const timed = async (name: string, run: () => Promise<void>) => {
    const t = performance.now();
    await run();
    phases[name] = performance.now() - t;
  };
  const end = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE + MINUTE);
  const rawStart = new Date(end.getTime() - RAW_DAYS * DAY);
  const hourlyFrom = new Date(Math.ceil(rawStart.getTime() / HOUR) * HOUR);
  const dailyFrom = new Date(Math.ceil(rawStart.getTime() / DAY) * DAY);
  const nowHour = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
  const nowDay = new Date(Math.floor(now.getTime() / DAY) * DAY);

  await timed('nodes', () => insertBenchNodes(db, nodes, now));
  await timed('samples (bulk load of the raw window\'s partitions)', () => loadSamples(db, rawStart, end, now, sessions));

  // Attaching (index builds) on one session while the other generates the older rollups.
  const hourlyStart = new Date(nowHour.getTime() - HOURLY_DAYS * DAY);
  const generated: (() => Promise<void>)[] = [];
  for (let from = hourlyStart.getTime(); from < hourlyFrom.getTime(); from += 14 * DAY) {
    generated.push(() => generateHourly(db, new Date(from), new Date(Math.min(hourlyFrom.getTime(), from + 14 * DAY)), now));
  }
  generated.push(() => generateDaily(db, new Date(nowDay.getTime() - DAILY_DAYS * DAY), dailyFrom, now));
  await timed('partitions attached (index builds, FK check) ‖ older rollups generated', () =>
    Promise.all([attachPartitions(db, rawStart, end), inParallel(1, generated)]).then(() => undefined),
  );
  await ensureMetricsPartitions(db, rawStart, new Date(end.getTime() + 28 * DAY));

  // The raw window's buckets, by the product's own refresh, a day per transaction.
  const refresh: (() => Promise<void>)[] = [];
  for (let from = hourlyFrom.getTime(); from < nowHour.getTime(); from += DAY) {
    const f = from;
    refresh.push(() => refreshRollup(db, 'postgres', 'hourly', new Date(f), new Date(Math.min(nowHour.getTime(), f + DAY))));
  }
  refresh.push(() => refreshRollup(db, 'postgres', 'daily', dailyFrom, nowDay));
  await timed('refreshRollup over the raw window', () => inParallel(sessions, refresh));

  await timed('last_seen_at', async () => {
    await db.execute(sql`UPDATE nodes n SET last_seen_at = (SELECT max(time) FROM metrics m WHERE m.node_id = n.node_id)`);
  });
  // As a live database would be: vacuumed (visibility map, hint bits) and analysed; and where
  // autovacuum is on, it does not start on 10 M fresh rows in the middle of the measurements.
  await timed('VACUUM ANALYZE', async () => {
    for (const t of ['nodes', 'metrics', 'aggregates_hourly', 'aggregates_daily']) await db.execute(sql.raw(`VACUUM (ANALYZE) ${t}`));
  });

  const count = async (relation: string) => toNumber((await queryRows<{ n: string }>(db, sql.raw(`SELECT count(*) AS n FROM ${relation}`)))[0]?.n) ?? 0;
  return { nodes, samples: await count('metrics'), hourlyRows: await count('aggregates_hourly'), dailyRows: await count('aggregates_daily'), phases };
}

/**
 * The live minute: what the worker would insert while the benchmark runs, so the newest samples
 * stay fresh (statuses, the last-5-minutes query) over a run of several minutes.
 */
export async function insertLiveMinutes(db: Db, since: Date, now: Date, seededAt: Date): Promise<Date> {
  const to = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE + MINUTE);
  if (to <= since) return since;
  await insertSamples(db, 'metrics', since, to, seededAt);
  await db.execute(sql`
    UPDATE nodes n SET last_seen_at = m.latest
    FROM (SELECT node_id, max(time) AS latest FROM metrics WHERE time >= ${since.toISOString()}::timestamptz GROUP BY node_id) m
    WHERE n.node_id = m.node_id AND n.last_seen_at < m.latest`);
  return to;
}
