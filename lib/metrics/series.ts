import type { Db } from '../db/client';
import { ApiError } from '../http/problem';
import { invalidParameters } from '../http/request';
import { findNodeName } from '../nodes/queries';
import {
  getDailyAggregates,
  getHourlyAggregates,
  getRawMetrics,
  type DailyAggregateRow,
  type HourlyAggregateRow,
  type RawMetricRow,
} from './queries';
import type { Aggregation, MetricsQuery, RequestedAggregation } from './schemas';

/*
 * GET /api/metrics, the logic between the parsed query and the spec's response: defaults,
 * resolution, bucket alignment, reading the series and summarising it.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Default span when `start` is not given. */
export const DEFAULT_SPAN_MS = DAY_MS;
/** Longest span a request may cover (start to end). */
export const MAX_SPAN_MS = 400 * DAY_MS;
/** `auto`: raw samples up to this span… */
export const AUTO_RAW_MAX_MS = 6 * HOUR_MS;
/** …hourly buckets up to this one, daily buckets beyond. */
export const AUTO_HOURLY_MAX_MS = 31 * DAY_MS;

const BUCKET_MS: Record<Exclude<Aggregation, 'raw'>, number> = { hourly: HOUR_MS, daily: DAY_MS };

export interface MetricsRequest {
  nodeId: string;
  /** The timeframe answered: as asked for raw; widened to whole UTC buckets for hourly/daily. */
  start: Date;
  end: Date;
  aggregation: Aggregation;
}

/** The resolution `auto` picks for a span: raw up to 6 h, hourly up to 31 days, daily beyond. */
export function autoAggregation(spanMs: number): Aggregation {
  if (spanMs <= AUTO_RAW_MAX_MS) return 'raw';
  if (spanMs <= AUTO_HOURLY_MAX_MS) return 'hourly';
  return 'daily';
}

/**
 * Applies the clock-dependent defaults and the checks across parameters, then aligns the
 * timeframe. `end` defaults to now rounded up to the next whole minute (so repeated default
 * requests within a minute share one cache entry and still include the newest sample); `start`
 * to 24 h before `end`. Samples are taken from start (inclusive) to end (exclusive).
 */
export function resolveMetricsRequest(query: MetricsQuery, now: Date): MetricsRequest {
  const end = query.end ?? new Date(Math.ceil(now.getTime() / MINUTE_MS) * MINUTE_MS);
  const start = query.start ?? new Date(end.getTime() - DEFAULT_SPAN_MS);
  const span = end.getTime() - start.getTime();
  if (span <= 0) {
    throw invalidParameters([
      { parameter: 'start', message: `start (${start.toISOString()}) must be before end (${end.toISOString()})` },
    ]);
  }
  if (span > MAX_SPAN_MS) {
    const days = (span / DAY_MS).toFixed(1);
    const message = `the range from start to end may span at most ${MAX_SPAN_MS / DAY_MS} days; it spans ${days}`;
    throw invalidParameters([
      { parameter: 'start', message },
      { parameter: 'end', message },
    ]);
  }
  const aggregation = resolveAggregation(query.aggregation, span);
  if (aggregation === 'raw') return { nodeId: query.node_id, start, end, aggregation };
  const bucket = BUCKET_MS[aggregation];
  return {
    nodeId: query.node_id,
    start: new Date(Math.floor(start.getTime() / bucket) * bucket),
    end: new Date(Math.ceil(end.getTime() / bucket) * bucket),
    aggregation,
  };
}

function resolveAggregation(requested: RequestedAggregation, spanMs: number): Aggregation {
  return requested === 'auto' ? autoAggregation(spanMs) : requested;
}

// ---- the response ------------------------------------------------------------------------------

/** A data point: `time` and the spec's three numbers, plus the resolution's own columns. */
export type MetricsPoint = { time: string } & Record<string, number | string>;

export interface MetricsSummary {
  avg_latency?: number;
  avg_uptime?: number;
  avg_packet_loss?: number;
  sample_count: number;
}

/** The spec's "GET /api/metrics - Response". */
export interface MetricsResponse {
  node_id: string;
  node_name: string;
  timeframe: { start: string; end: string };
  aggregation: Aggregation;
  data: MetricsPoint[];
  summary: MetricsSummary;
}

/** One series value with its weight in the summary: 1 per raw sample, sample_count per bucket. */
export interface Weighted {
  latency: number | null;
  uptime: number | null;
  loss: number | null;
  weight: number;
}

/**
 * Reads the node's series at the request's resolution and summarises it. 404 when the node
 * does not exist. Columns without a value (NULL) are left out of a point rather than sent as
 * null: the spec's schema types them as numbers.
 */
export async function buildMetricsResponse(db: Db, request: MetricsRequest): Promise<MetricsResponse> {
  const { nodeId, start, end, aggregation } = request;
  // The node's name and its series in parallel (two round trips become one): for an unknown
  // node the series is simply empty, and the 404 below wins.
  const [nodeName, series] = await Promise.all([findNodeName(db, nodeId), readSeries(db, request)]);
  if (nodeName === undefined) {
    throw new ApiError(404, `No node with node_id ${nodeId}.`, {
      code: 'node-not-found',
      errors: [{ parameter: 'node_id', message: 'no such node' }],
    });
  }
  const { data, weighted } = series;
  return {
    node_id: nodeId,
    node_name: nodeName,
    timeframe: { start: start.toISOString(), end: end.toISOString() },
    aggregation,
    data,
    summary: summarize(weighted),
  };
}

async function readSeries(db: Db, { nodeId, start, end, aggregation }: MetricsRequest): Promise<{ data: MetricsPoint[]; weighted: Weighted[] }> {
  if (aggregation === 'raw') {
    const rows = await getRawMetrics(db, nodeId, start, end);
    return { data: rows.map(rawPoint), weighted: rows.map((r) => ({ latency: r.latencyMs, uptime: r.uptimePct, loss: r.packetLoss, weight: 1 })) };
  }
  if (aggregation === 'hourly') {
    const rows = await getHourlyAggregates(db, nodeId, start, end);
    return { data: rows.map(hourlyPoint), weighted: rows.map(bucketWeight) };
  }
  const rows = await getDailyAggregates(db, nodeId, start, end);
  return { data: rows.map(dailyPoint), weighted: rows.map(bucketWeight) };
}

/**
 * Means weighted by sample count: over raw samples that is the plain mean; over buckets it is
 * the mean of the samples behind them (exactly so when no sample lacks the value: the spec's
 * aggregates count all samples, not those with each value). A bucket or sample without the
 * value is left out of that mean; a mean with nothing to average is omitted.
 */
export function summarize(values: readonly Weighted[]): MetricsSummary {
  const mean = (pick: (v: Weighted) => number | null): number | undefined => {
    let sum = 0;
    let weight = 0;
    for (const v of values) {
      const x = pick(v);
      if (x === null || v.weight <= 0) continue;
      sum += x * v.weight;
      weight += v.weight;
    }
    return weight > 0 ? sum / weight : undefined;
  };
  const avgLatency = mean((v) => v.latency);
  const avgUptime = mean((v) => v.uptime);
  const avgLoss = mean((v) => v.loss);
  return {
    ...(avgLatency === undefined ? {} : { avg_latency: avgLatency }),
    ...(avgUptime === undefined ? {} : { avg_uptime: avgUptime }),
    ...(avgLoss === undefined ? {} : { avg_packet_loss: avgLoss }),
    sample_count: values.reduce((n, v) => n + v.weight, 0),
  };
}

function bucketWeight(r: HourlyAggregateRow | DailyAggregateRow): Weighted {
  return { latency: r.avgLatencyMs, uptime: r.avgUptimePct, loss: r.avgPacketLoss, weight: r.sampleCount };
}

function rawPoint(r: RawMetricRow): MetricsPoint {
  return compact({
    time: r.time.toISOString(),
    latency_ms: r.latencyMs,
    uptime_pct: r.uptimePct,
    packet_loss: r.packetLoss,
    target_host: r.targetHost,
    probe_type: r.probeType,
  });
}

function hourlyPoint(r: HourlyAggregateRow): MetricsPoint {
  return compact({
    time: r.time.toISOString(),
    latency_ms: r.avgLatencyMs,
    uptime_pct: r.avgUptimePct,
    packet_loss: r.avgPacketLoss,
    min_latency_ms: r.minLatencyMs,
    max_latency_ms: r.maxLatencyMs,
    p50_latency_ms: r.p50LatencyMs,
    p95_latency_ms: r.p95LatencyMs,
    p99_latency_ms: r.p99LatencyMs,
    min_uptime_pct: r.minUptimePct,
    max_packet_loss: r.maxPacketLoss,
    sample_count: r.sampleCount,
  });
}

function dailyPoint(r: DailyAggregateRow): MetricsPoint {
  return compact({
    time: r.time.toISOString(),
    latency_ms: r.avgLatencyMs,
    uptime_pct: r.avgUptimePct,
    packet_loss: r.avgPacketLoss,
    min_latency_ms: r.minLatencyMs,
    max_latency_ms: r.maxLatencyMs,
    sample_count: r.sampleCount,
    high_availability_count: r.highAvailabilityCount,
    availability_pct: r.availabilityPct,
  });
}

/**
 * The point without its NULL members. A plain loop rather than Object.fromEntries(entries.filter):
 * that was the costliest step of a 30-day hourly answer (19% of its CPU, and it made objects
 * JSON.stringify is slower on); points built key by key in the same order share one shape.
 */
function compact(point: { time: string } & Record<string, string | number | null>): MetricsPoint {
  const out: Record<string, string | number> = {};
  for (const key in point) {
    const value = point[key];
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out as MetricsPoint;
}
