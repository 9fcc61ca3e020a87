/**
 * npm run bench:seed — how long the demo seed (28 nodes × 7 days of 1-minute samples, then the
 * rollup refresh) takes on the embedded default (PGlite + TimescaleDB on disk) and on the local
 * PostgreSQL 15, next to a raw baseline measured in the same run: the same number of rows
 * generated inside the database by one INSERT … SELECT generate_series.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../lib/db/client';
import { queryRows, toNumber } from '../lib/db/rows';
import { createTestDatabase } from '../lib/testing/databases';
import { migrate } from '../drizzle/migrate';
import { seedDemo } from '../drizzle/seed';

async function measure(label: string, database: Database, cleanup: () => Promise<void>) {
  try {
    const { mode } = await migrate(database, { timescale: 'auto' });
    const seed = await seedDemo(database, mode);
    const rows = seed.samplesInserted;

    await database.db.execute(sql`TRUNCATE metrics`);
    const started = performance.now();
    await database.db.execute(sql`
      INSERT INTO metrics (time, node_id, latency_ms, uptime_pct, packet_loss, target_host, probe_type)
      SELECT now() - make_interval(mins => (i / 28)::int), n.node_id, 20 + (i % 97), 100, (i % 7) / 10.0, '1.1.1.1', 'ping'
      FROM generate_series(0, ${rows - 1}) AS i
      JOIN (SELECT node_id, row_number() OVER () - 1 AS k FROM nodes) n ON n.k = i % 28`);
    const rawMs = performance.now() - started;
    const [count] = await queryRows<{ n: string }>(database.db, sql`SELECT count(*) AS n FROM metrics`);

    const seedRate = rows / (seed.insertMs / 1000);
    const rawRate = toNumber(count!.n)! / (rawMs / 1000);
    console.log(
      [
        `${label} (${mode} mode)`,
        `  demo seed: ${rows} samples for ${seed.nodesCreated} nodes in ${(seed.ms / 1000).toFixed(1)} s`,
        `    of which inserts ${(seed.insertMs / 1000).toFixed(1)} s (${Math.round(seedRate)} rows/s), rollup refresh ${((seed.ms - seed.insertMs) / 1000).toFixed(1)} s`,
        `  raw baseline INSERT … SELECT generate_series: ${toNumber(count!.n)} rows in ${(rawMs / 1000).toFixed(1)} s (${Math.round(rawRate)} rows/s)`,
        `  ratio seed inserts / raw baseline: ${(seedRate / rawRate).toFixed(2)}`,
      ].join('\n'),
    );
  } finally {
    await cleanup();
  }
}

const dir = await mkdtemp(path.join(tmpdir(), 'fiber-bench-'));
const embedded = await openDatabase({ dataDir: path.join(dir, 'pg') });
await measure('embedded PGlite + TimescaleDB (on disk)', embedded, async () => {
  await embedded.close();
  await rm(dir, { recursive: true, force: true });
});
const pg = await createTestDatabase('postgres');
await measure('PostgreSQL 15 at 127.0.0.1', pg.database, pg.cleanup);
