/**
 * The spec (../shared/spec/data-model.md), transcribed by hand into what the catalog reports
 * (format_type, pg_get_expr, pg_get_indexdef). The schema tests compare the live database with
 * this, never with our own migration code.
 */
type Col = [name: string, type: string, notNull: boolean, defaultExpr: string | null];

const TZ = 'timestamp with time zone';

export const SPEC_COLUMNS: Record<string, Col[]> = {
  nodes: [
    ['node_id', 'uuid', true, 'gen_random_uuid()'],
    ['node_name', 'character varying(255)', true, null],
    ['display_name', 'character varying(255)', false, null],
    ['country', 'character(2)', true, null],
    ['region', 'character varying(100)', true, null],
    ['city', 'character varying(100)', false, null],
    ['latitude', 'numeric(9,6)', false, null],
    ['longitude', 'numeric(9,6)', false, null],
    ['is_active', 'boolean', false, 'true'],
    ['last_seen_at', TZ, false, null],
    ['probe_version', 'character varying(50)', false, null],
    ['hardware_info', 'jsonb', false, null],
    ['tags', 'jsonb', false, null],
    ['created_at', TZ, false, 'now()'],
    ['updated_at', TZ, false, 'now()'],
  ],
  metrics: [
    ['time', TZ, true, null],
    ['node_id', 'uuid', true, null],
    ['latency_ms', 'numeric(10,2)', false, null],
    ['uptime_pct', 'numeric(5,2)', false, null],
    ['packet_loss', 'numeric(5,2)', false, null],
    ['target_host', 'character varying(255)', false, null],
    ['probe_type', 'character varying(50)', false, null],
    ['metadata', 'jsonb', false, null],
  ],
  alerts: [
    ['alert_id', 'uuid', true, 'gen_random_uuid()'],
    ['node_id', 'uuid', true, null],
    ['alert_type', 'character varying(50)', true, null],
    ['severity', 'character varying(20)', true, null],
    ['message', 'text', true, null],
    ['triggered_at', TZ, true, 'now()'],
    ['acknowledged_at', TZ, false, null],
    ['resolved_at', TZ, false, null],
    ['metric_value', 'numeric(10,2)', false, null],
    ['threshold_value', 'numeric(10,2)', false, null],
    ['metadata', 'jsonb', false, null],
    ['status', 'character varying(20)', false, "'open'::character varying"],
  ],
};

/** Continuous aggregate outputs: AVG/MIN/MAX of DECIMAL give numeric, PERCENTILE_CONT double precision, COUNT bigint. */
export const SPEC_AGGREGATE_COLUMNS: Record<string, [string, string][]> = {
  aggregates_hourly: [
    ['time', TZ],
    ['node_id', 'uuid'],
    ['avg_latency_ms', 'numeric'],
    ['min_latency_ms', 'numeric'],
    ['max_latency_ms', 'numeric'],
    ['p50_latency_ms', 'double precision'],
    ['p95_latency_ms', 'double precision'],
    ['p99_latency_ms', 'double precision'],
    ['avg_uptime_pct', 'numeric'],
    ['min_uptime_pct', 'numeric'],
    ['avg_packet_loss', 'numeric'],
    ['max_packet_loss', 'numeric'],
    ['sample_count', 'bigint'],
  ],
  aggregates_daily: [
    ['time', TZ],
    ['node_id', 'uuid'],
    ['avg_latency_ms', 'numeric'],
    ['min_latency_ms', 'numeric'],
    ['max_latency_ms', 'numeric'],
    ['avg_uptime_pct', 'numeric'],
    ['avg_packet_loss', 'numeric'],
    ['sample_count', 'bigint'],
    ['high_availability_count', 'bigint'],
    ['availability_pct', 'numeric'],
  ],
};

/** [table, constraint type (p, u, f, c), definition as pg_get_constraintdef prints it]. */
export const SPEC_CONSTRAINTS: Record<string, [string, string, string]> = {
  nodes_pkey: ['nodes', 'p', 'PRIMARY KEY (node_id)'],
  nodes_node_name_key: ['nodes', 'u', 'UNIQUE (node_name)'],
  check_latitude: ['nodes', 'c', "CHECK (((latitude >= ('-90'::integer)::numeric) AND (latitude <= (90)::numeric)))"],
  check_longitude: ['nodes', 'c', "CHECK (((longitude >= ('-180'::integer)::numeric) AND (longitude <= (180)::numeric)))"],
  check_country_code: ['nodes', 'c', "CHECK ((country ~ '^[A-Z]{2}$'::text))"],
  metrics_node_id_fkey: ['metrics', 'f', 'FOREIGN KEY (node_id) REFERENCES nodes(node_id) ON DELETE CASCADE'],
  check_latency: ['metrics', 'c', 'CHECK (((latency_ms >= (0)::numeric) AND (latency_ms < (10000)::numeric)))'],
  check_uptime: ['metrics', 'c', 'CHECK (((uptime_pct >= (0)::numeric) AND (uptime_pct <= (100)::numeric)))'],
  check_packet_loss: ['metrics', 'c', 'CHECK (((packet_loss >= (0)::numeric) AND (packet_loss <= (100)::numeric)))'],
  // Ours, not the spec's: the idempotency key of at-least-once ingest (issue "Foundation" §3).
  uq_metrics_sample: ['metrics', 'u', 'UNIQUE NULLS NOT DISTINCT (node_id, "time", probe_type, target_host)'],
  alerts_pkey: ['alerts', 'p', 'PRIMARY KEY (alert_id)'],
  alerts_node_id_fkey: ['alerts', 'f', 'FOREIGN KEY (node_id) REFERENCES nodes(node_id)'],
};

export const SPEC_INDEX_DEFS: Record<string, string> = {
  idx_nodes_country: 'USING btree (country)',
  idx_nodes_region: 'USING btree (region)',
  idx_nodes_active: 'USING btree (is_active) WHERE (is_active = true)',
  idx_nodes_last_seen: 'USING btree (last_seen_at DESC)',
  idx_metrics_node_time: 'USING btree (node_id, "time" DESC)',
  idx_metrics_time: 'USING btree ("time" DESC)',
  idx_metrics_metadata: 'USING gin (metadata)',
  idx_agg_hourly_node_time: 'USING btree (node_id, "time" DESC)',
  idx_agg_daily_node_time: 'USING btree (node_id, "time" DESC)',
  idx_alerts_node: 'USING btree (node_id)',
  idx_alerts_status: "USING btree (status) WHERE ((status)::text <> 'resolved'::text)",
  idx_alerts_triggered: 'USING btree (triggered_at DESC)',
};

export const SPEC_COMMENTS: Record<string, string> = {
  nodes: 'Metadata for all probe nodes in the FiberStack network',
  'nodes.node_id': 'Unique identifier for the node (UUID)',
  'nodes.hardware_info': 'JSON object with CPU, RAM, OS details',
  'nodes.tags': 'JSON array of custom tags for filtering/grouping',
  metrics: 'Raw time-series metrics from probe nodes',
  'metrics.time': 'Timestamp when the metric was collected (UTC)',
  'metrics.latency_ms': 'Round-trip latency in milliseconds',
  'metrics.uptime_pct': 'Service uptime percentage (0-100)',
  'metrics.packet_loss': 'Packet loss percentage (0-100)',
  'metrics.metadata': 'Additional metric-specific data (JSON)',
  aggregates_hourly: 'Hourly aggregated metrics for improved query performance',
};

/** The spec's policies, as timescaledb_information.jobs reports them. */
export const SPEC_POLICIES = [
  { proc: 'policy_compression', relation: 'metrics', schedule: '12:00:00', config: { compress_after: '3 days' } },
  { proc: 'policy_refresh_continuous_aggregate', relation: 'aggregates_hourly', schedule: '01:00:00', config: { start_offset: '02:00:00', end_offset: '00:00:00' } },
  { proc: 'policy_refresh_continuous_aggregate', relation: 'aggregates_daily', schedule: '1 day', config: { start_offset: '2 days', end_offset: '00:00:00' } },
  { proc: 'policy_retention', relation: 'metrics', schedule: '1 day', config: { drop_after: '7 days' } },
  { proc: 'policy_retention', relation: 'aggregates_hourly', schedule: '1 day', config: { drop_after: '90 days' } },
  { proc: 'policy_retention', relation: 'aggregates_daily', schedule: '1 day', config: { drop_after: '365 days' } },
];

/** Every select-list expression of the spec's continuous aggregates, as the catalog prints it. */
export const SPEC_CAGG_EXPRESSIONS: Record<string, string[]> = {
  aggregates_hourly: [
    `time_bucket('01:00:00'::interval, "time") AS "time"`,
    'avg(latency_ms) AS avg_latency_ms',
    'min(latency_ms) AS min_latency_ms',
    'max(latency_ms) AS max_latency_ms',
    'percentile_cont((0.50)::double precision) WITHIN GROUP (ORDER BY ((latency_ms)::double precision)) AS p50_latency_ms',
    'percentile_cont((0.95)::double precision) WITHIN GROUP (ORDER BY ((latency_ms)::double precision)) AS p95_latency_ms',
    'percentile_cont((0.99)::double precision) WITHIN GROUP (ORDER BY ((latency_ms)::double precision)) AS p99_latency_ms',
    'avg(uptime_pct) AS avg_uptime_pct',
    'min(uptime_pct) AS min_uptime_pct',
    'avg(packet_loss) AS avg_packet_loss',
    'max(packet_loss) AS max_packet_loss',
    'count(*) AS sample_count',
    `GROUP BY (time_bucket('01:00:00'::interval, "time")), node_id`,
  ],
  aggregates_daily: [
    `time_bucket('1 day'::interval, "time") AS "time"`,
    'avg(latency_ms) AS avg_latency_ms',
    'min(latency_ms) AS min_latency_ms',
    'max(latency_ms) AS max_latency_ms',
    'avg(uptime_pct) AS avg_uptime_pct',
    'avg(packet_loss) AS avg_packet_loss',
    'count(*) AS sample_count',
    'count(*) FILTER (WHERE (uptime_pct > 95.0)) AS high_availability_count',
    '(((count(*) FILTER (WHERE (uptime_pct > 95.0)))::numeric / (count(*))::numeric) * (100)::numeric) AS availability_pct',
    `GROUP BY (time_bucket('1 day'::interval, "time")), node_id`,
  ],
};
