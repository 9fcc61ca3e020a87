import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/rows';

/**
 * Reads the schema back from the catalog, normalised so that the two modes and the spec can be
 * compared: a continuous aggregate's index lives on its materialization hypertable, so indexes
 * are keyed by name and described from `USING` on.
 */
export const SPEC_RELATIONS = ['nodes', 'metrics', 'aggregates_hourly', 'aggregates_daily', 'alerts'] as const;
export const SPEC_INDEXES = [
  'idx_nodes_country',
  'idx_nodes_region',
  'idx_nodes_active',
  'idx_nodes_last_seen',
  'idx_metrics_node_time',
  'idx_metrics_time',
  'idx_metrics_metadata',
  'idx_agg_hourly_node_time',
  'idx_agg_daily_node_time',
  'idx_alerts_node',
  'idx_alerts_status',
  'idx_alerts_triggered',
] as const;

export interface ColumnInfo {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
}

export interface SchemaSnapshot {
  relations: Record<string, { kind: string; columns: ColumnInfo[] }>;
  constraints: Record<string, { table: string; type: string; definition: string }>;
  indexes: Record<string, string>;
  comments: Record<string, string>;
  /** TimescaleDB policies (proc:relation → schedule and config without internal ids); empty in plain mode. */
  policies: Record<string, string>;
}

const RELKIND: Record<string, string> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view' };

export async function snapshotSchema(db: Db): Promise<SchemaSnapshot> {
  const rels = await queryRows<{ relname: string; relkind: string }>(
    db,
    sql`SELECT relname, relkind FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relname = ANY(${sql.raw(`ARRAY['${SPEC_RELATIONS.join("','")}']`)})`,
  );
  const cols = await queryRows<{ rel: string; name: string; type: string; notnull: boolean; def: string | null }>(
    db,
    sql`SELECT c.relname AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
               a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relname = ANY(${sql.raw(`ARRAY['${SPEC_RELATIONS.join("','")}']`)})
        ORDER BY c.relname, a.attnum`,
  );
  const relations: SchemaSnapshot['relations'] = {};
  for (const r of rels) {
    relations[r.relname] = {
      kind: RELKIND[r.relkind] ?? r.relkind,
      columns: cols.filter((c) => c.rel === r.relname).map((c) => ({ name: c.name, type: c.type, notNull: c.notnull, default: c.def })),
    };
  }
  const cons = await queryRows<{ name: string; rel: string; type: string; def: string }>(
    db,
    sql`SELECT con.conname AS name, c.relname AS rel, con.contype AS type, pg_get_constraintdef(con.oid) AS def
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        WHERE c.relnamespace = 'public'::regnamespace AND con.conparentid = 0
          AND c.relname = ANY(${sql.raw(`ARRAY['${SPEC_RELATIONS.join("','")}']`)})`,
  );
  const constraints: SchemaSnapshot['constraints'] = {};
  for (const c of cons) constraints[c.name] = { table: c.rel, type: c.type, definition: c.def };

  const idx = await queryRows<{ name: string; def: string }>(
    db,
    sql`SELECT indexname AS name, indexdef AS def FROM pg_indexes
        WHERE indexname = ANY(${sql.raw(`ARRAY['${SPEC_INDEXES.join("','")}']`)})`,
  );
  const indexes: SchemaSnapshot['indexes'] = {};
  for (const i of idx) indexes[i.name] = i.def.slice(i.def.indexOf(' USING ') + 1);

  const com = await queryRows<{ key: string; comment: string }>(
    db,
    sql`SELECT c.relname AS key, d.description AS comment
        FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
        WHERE d.objsubid = 0 AND c.relnamespace = 'public'::regnamespace
          AND c.relname = ANY(${sql.raw(`ARRAY['${SPEC_RELATIONS.join("','")}']`)})
        UNION ALL
        SELECT c.relname || '.' || a.attname, d.description
        FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
        WHERE d.objsubid > 0 AND c.relnamespace = 'public'::regnamespace
          AND c.relname = ANY(${sql.raw(`ARRAY['${SPEC_RELATIONS.join("','")}']`)})`,
  );
  const comments: SchemaSnapshot['comments'] = {};
  for (const c of com) comments[c.key] = c.comment;
  const policies: SchemaSnapshot['policies'] = {};
  const hasJobs = await queryRows<{ ok: boolean }>(db, sql`SELECT to_regclass('timescaledb_information.jobs') IS NOT NULL AS ok`);
  if (hasJobs[0]?.ok) {
    const jobs = await queryRows<{ proc: string; rel: string; schedule: string; config: Record<string, unknown> }>(
      db,
      sql`SELECT proc_name AS proc, hypertable_name AS rel, schedule_interval::text AS schedule, config
          FROM timescaledb_information.jobs WHERE job_id >= 1000`,
    );
    for (const j of jobs) {
      const config = Object.entries(j.config).filter(([k]) => !k.endsWith('hypertable_id')).sort();
      policies[`${j.proc}:${j.rel}`] = `${j.schedule} ${JSON.stringify(config)}`;
    }
  }
  return { relations, constraints, indexes, comments, policies };
}
