import { sql } from 'drizzle-orm';
import { queryRows } from '../../lib/db/rows';
import { ROLLUPS, columnNames, type Rollup } from '../../lib/maintenance/rollups';
import type { Migration } from './types';

/**
 * Index-only reads of a node's chart buckets (issue 4, "one node's hourly 30 d < 10 ms").
 *
 * The rollups are written an hour (or a day) at a time for every node, so one node's 30 hourly
 * buckets lie on 720 different heap pages: 55 ms from disk, ~6 ms from the OS cache, for 1,000
 * nodes (bench:queries). These indexes carry every column the API reads, in the spec index's
 * key order, so the same read is an index-only scan of ~18 pages (0.2 ms).
 *
 * The spec's idx_agg_hourly_node_time / idx_agg_daily_node_time stay exactly as specified; these
 * are ours, beside them (about the rollup's own size again). In TimescaleDB mode they go on the
 * continuous aggregates (TimescaleDB puts them on the materialization hypertables).
 *
 * An index-only scan skips the heap only on pages the visibility map marks all-visible, which
 * only VACUUM sets. In PostgreSQL (plain) mode the rollups are our tables, refreshed every hour
 * by a DELETE and INSERT of the last buckets; with the default thresholds (20% of the table)
 * autovacuum would visit the hourly rollup of 1,000 nodes every ~18 days, and the recent buckets
 * would all be read from the heap again. At 1% (plus the base threshold) it visits about daily,
 * so at most the last day or so of a chart needs heap fetches.
 *
 * On an existing installation the index builds take the rollups' write lock for as long as they
 * run (seconds for 1,000 nodes × 90 days); the refresh job simply waits.
 */
const covering = (rollup: Rollup) => `idx_agg_${rollup}_covering`;

export const rollupCoveringIndexes: Migration = {
  version: 8,
  name: 'rollup_covering_indexes',
  async up(tx, ctx) {
    for (const rollup of Object.keys(ROLLUPS) as Rollup[]) {
      const r = ROLLUPS[rollup];
      await tx.execute(
        sql.raw(`CREATE INDEX ${covering(rollup)} ON ${r.relation} (node_id, time DESC) INCLUDE (${columnNames(r.columns).join(', ')})`),
      );
      if (ctx.mode === 'postgres') {
        await tx.execute(
          sql.raw(`ALTER TABLE ${r.relation} SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01)`),
        );
      }
    }
  },
  async down(tx, ctx) {
    for (const rollup of Object.keys(ROLLUPS) as Rollup[]) {
      // On a continuous aggregate the index lives in TimescaleDB's internal schema.
      const where = await queryRows<{ schemaname: string }>(tx, sql`SELECT schemaname FROM pg_indexes WHERE indexname = ${covering(rollup)}`);
      for (const { schemaname } of where) await tx.execute(sql`DROP INDEX ${sql.identifier(schemaname)}.${sql.identifier(covering(rollup))}`);
      if (ctx.mode === 'postgres') {
        await tx.execute(sql.raw(`ALTER TABLE ${ROLLUPS[rollup].relation} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor)`));
      }
    }
  },
};
