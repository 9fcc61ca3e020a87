import {
  bigint,
  boolean,
  char,
  doublePrecision,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { accounts, sessions, users, verifications } from './auth-schema';

/**
 * Drizzle's typed view of the spec's relations, used by queries. The DDL itself (hypertable,
 * partitions, continuous aggregates, CHECKs, indexes, comments) lives in drizzle/migrations,
 * because it differs between TimescaleDB and plain PostgreSQL mode. Read-only for aggregates:
 * they are views in TimescaleDB mode.
 */

const tz = { withTimezone: true, mode: 'date' } as const;

export const nodes = pgTable('nodes', {
  nodeId: uuid('node_id').primaryKey().defaultRandom(),
  nodeName: varchar('node_name', { length: 255 }).notNull().unique(),
  displayName: varchar('display_name', { length: 255 }),
  country: char('country', { length: 2 }).notNull(),
  region: varchar('region', { length: 100 }).notNull(),
  city: varchar('city', { length: 100 }),
  latitude: numeric('latitude', { precision: 9, scale: 6 }),
  longitude: numeric('longitude', { precision: 9, scale: 6 }),
  isActive: boolean('is_active').default(true),
  lastSeenAt: timestamp('last_seen_at', tz),
  probeVersion: varchar('probe_version', { length: 50 }),
  hardwareInfo: jsonb('hardware_info').$type<Record<string, unknown>>(),
  tags: jsonb('tags').$type<string[]>(),
  createdAt: timestamp('created_at', tz).defaultNow(),
  updatedAt: timestamp('updated_at', tz).defaultNow(),
});

export const metrics = pgTable('metrics', {
  time: timestamp('time', tz).notNull(),
  nodeId: uuid('node_id')
    .notNull()
    .references(() => nodes.nodeId, { onDelete: 'cascade' }),
  latencyMs: numeric('latency_ms', { precision: 10, scale: 2 }),
  uptimePct: numeric('uptime_pct', { precision: 5, scale: 2 }),
  packetLoss: numeric('packet_loss', { precision: 5, scale: 2 }),
  targetHost: varchar('target_host', { length: 255 }),
  probeType: varchar('probe_type', { length: 50 }),
  metadata: jsonb('metadata').$type<Record<string, unknown>>(),
});

export const aggregatesHourly = pgTable('aggregates_hourly', {
  time: timestamp('time', tz).notNull(),
  nodeId: uuid('node_id').notNull(),
  avgLatencyMs: numeric('avg_latency_ms'),
  minLatencyMs: numeric('min_latency_ms'),
  maxLatencyMs: numeric('max_latency_ms'),
  p50LatencyMs: doublePrecision('p50_latency_ms'),
  p95LatencyMs: doublePrecision('p95_latency_ms'),
  p99LatencyMs: doublePrecision('p99_latency_ms'),
  avgUptimePct: numeric('avg_uptime_pct'),
  minUptimePct: numeric('min_uptime_pct'),
  avgPacketLoss: numeric('avg_packet_loss'),
  maxPacketLoss: numeric('max_packet_loss'),
  sampleCount: bigint('sample_count', { mode: 'number' }),
});

export const aggregatesDaily = pgTable('aggregates_daily', {
  time: timestamp('time', tz).notNull(),
  nodeId: uuid('node_id').notNull(),
  avgLatencyMs: numeric('avg_latency_ms'),
  minLatencyMs: numeric('min_latency_ms'),
  maxLatencyMs: numeric('max_latency_ms'),
  avgUptimePct: numeric('avg_uptime_pct'),
  avgPacketLoss: numeric('avg_packet_loss'),
  sampleCount: bigint('sample_count', { mode: 'number' }),
  highAvailabilityCount: bigint('high_availability_count', { mode: 'number' }),
  availabilityPct: numeric('availability_pct'),
});

export const alerts = pgTable('alerts', {
  alertId: uuid('alert_id').primaryKey().defaultRandom(),
  nodeId: uuid('node_id')
    .notNull()
    .references(() => nodes.nodeId),
  alertType: varchar('alert_type', { length: 50 }).notNull(),
  severity: varchar('severity', { length: 20 }).notNull(),
  message: text('message').notNull(),
  triggeredAt: timestamp('triggered_at', tz).notNull().defaultNow(),
  acknowledgedAt: timestamp('acknowledged_at', tz),
  resolvedAt: timestamp('resolved_at', tz),
  metricValue: numeric('metric_value', { precision: 10, scale: 2 }),
  thresholdValue: numeric('threshold_value', { precision: 10, scale: 2 }),
  metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  status: varchar('status', { length: 20 }).default('open'),
});

export const schema = { nodes, metrics, aggregatesHourly, aggregatesDaily, alerts, users, sessions, accounts, verifications };
