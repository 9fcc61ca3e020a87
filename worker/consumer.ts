import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../lib/config';
import type { Database } from '../lib/db/client';
import type { StorageMode } from '../lib/db/mode';
import { pingDatabase } from '../lib/db/queries';
import { errorMessage } from '../lib/db/rows';
import { pushSampleSchema, type PushSample } from '../lib/ingest/schemas';
import { STORE_MAX_AGE_MS } from '../lib/ingest/validate';
import { refreshRollup } from '../lib/maintenance/queries';
import { ROLLUPS, floorTo } from '../lib/maintenance/rollups';
import { insertMetricBatch, type MetricSample } from '../lib/metrics/queries';
import { existingNodeIds, markNodesSeen } from '../lib/nodes/queries';
import {
  ackAndDelete,
  autoClaim,
  deadLetter,
  deliveryCounts,
  ensureConsumerGroup,
  ETL_GROUP,
  ETL_STREAM,
  leaveGroupIfIdle,
  readGroup,
  type StreamEntry,
} from '../lib/queue/stream';
import { deadLetterEvent, emitEvent } from '../lib/logs/events';
import { logShippingActive, shipLog } from '../lib/logs/shipper';
import { faultPoint } from './faults';

export interface ConsumerSettings {
  batchSize: number;
  blockMs: number;
  claimIdleMs: number;
  maxDeliveries: number;
  /**
   * Batches in flight at once (default 1). Each batch is its own transaction: with two, one
   * batch's insert overlaps the next one's read, validation and commit, and PostgreSQL uses a
   * second core. Ordering does not matter: the insert is idempotent and each batch acknowledges
   * only its own entries.
   */
  concurrency?: number;
}

export interface ConsumerStats {
  processed: number;
  inserted: number;
  duplicates: number;
  deadLettered: number;
  batches: number;
  lastBatchMs: number;
  /** Most batches that were ever in flight at once (WORKER_CONCURRENCY at work). */
  peakInFlight: number;
  /** When the oldest batch still in flight started (ISO 8601); null when none is. A liveness check (worker/health.ts) reads it. */
  oldestBatchStartedAt: string | null;
  lastError: string | null;
  /** When Redis or the database last failed this consumer (ISO 8601); null when never. */
  lastFailureAt: string | null;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Drains fiber:etl:queue into metrics as one consumer of the etl-workers group. At least once,
 * made exactly-once in effect by the idempotent insert: entries are acknowledged and deleted
 * only after the batch's transaction committed, so a crash anywhere re-delivers and the unique
 * key absorbs the repeat. Order of work per batch: validate → insert + last_seen (one
 * transaction) → dead letters → XACK + XDEL → refresh rollups for late samples.
 */
export class StreamConsumer {
  readonly stats: ConsumerStats = { processed: 0, inserted: 0, duplicates: 0, deadLettered: 0, batches: 0, lastBatchMs: 0, peakInFlight: 0, oldestBatchStartedAt: null, lastError: null, lastFailureAt: null };
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readingPending = true;
  private claimCursor = '0-0';
  private lastClaimAt = 0;
  private backoffMs = 0;

  constructor(
    private readonly database: Database,
    private readonly mode: StorageMode,
    private readonly redis: Redis,
    private readonly consumer: string,
    private readonly settings: ConsumerSettings,
    private readonly logger: Logger,
    /**
     * For the late-data rollup refresh, which needs the tables' owner; `database` (the ingest
     * path) may log in as etl_writer, which may only insert samples and mark nodes seen.
     */
    private readonly maintenance: Database = database,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Lets the batch in hand finish (insert, ack), then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await leaveGroupIfIdle(this.redis, this.consumer).catch(() => {});
  }

  private async run(): Promise<void> {
    // Checked again after every failure: Redis may come back without its data (restarted
    // without persistence, flushed, failed over to a replica that lacked the group), and a
    // worker reading a group that is gone would never store another sample.
    let groupChecked = false;
    let groupSeen = false;
    /** Each batch in flight, with when it started (the liveness check's oldestBatchStartedAt). */
    const inFlight = new Map<Promise<void>, number>();
    let failure: { err: unknown } | undefined;
    const launch = (entries: StreamEntry[], redelivered: boolean) => {
      const batch = this.process(entries, redelivered).then(
        () => {
          this.backoffMs = 0;
        },
        (err: unknown) => {
          failure ??= { err };
        },
      );
      inFlight.set(batch, Date.now());
      this.stats.peakInFlight = Math.max(this.stats.peakInFlight, inFlight.size);
      this.stats.oldestBatchStartedAt ??= new Date().toISOString();
      void batch.finally(() => {
        inFlight.delete(batch);
        this.stats.oldestBatchStartedAt = inFlight.size > 0 ? new Date(Math.min(...inFlight.values())).toISOString() : null;
      });
    };
    const limit = Math.max(1, this.settings.concurrency ?? 1);
    while (!this.stopping) {
      if (!groupChecked) {
        try {
          const created = await ensureConsumerGroup(this.redis);
          if (created && groupSeen) {
            this.logger.warn({ context: { stream: ETL_STREAM, group: ETL_GROUP } }, 'the consumer group was gone (Redis lost its data?); created it again from the start of the stream');
          }
          groupSeen = true;
          groupChecked = true;
        } catch (err) {
          await this.fail('cannot create the consumer group (redis unavailable?)', err);
          continue;
        }
      }
      try {
        while (inFlight.size >= limit && !failure) await Promise.race(inFlight.keys());
        if (failure) {
          await Promise.allSettled(inFlight.keys());
          const { err } = failure;
          failure = undefined;
          throw err;
        }
        // Our own pending entries include those of batches still in flight: re-read them only
        // once every batch has settled, or they would be processed twice.
        if (this.readingPending && inFlight.size > 0) {
          await Promise.allSettled(inFlight.keys());
          continue;
        }
        // Block on an empty stream only when idle: a blocking read holds the connection, and
        // the batches in flight need it for their acknowledgements.
        const next = await this.nextBatch(inFlight.size === 0);
        if (next) launch(next.entries, next.redelivered);
        else if (inFlight.size > 0) await Promise.race(inFlight.keys());
      } catch (err) {
        // Database or Redis unavailable: nothing was acknowledged, so everything read is still
        // pending for us; start again from our own pending entries once the pause is over.
        this.readingPending = true;
        groupChecked = false;
        await this.fail('batch failed; will retry without acknowledging', err);
      }
    }
    await Promise.allSettled(inFlight.keys());
  }

  /** The next batch: our own pending entries first, then entries abandoned by dead consumers, then new ones. */
  private async nextBatch(block: boolean): Promise<{ entries: StreamEntry[]; redelivered: boolean } | undefined> {
    if (this.readingPending) {
      // Re-reading a pending entry counts as a delivery. Read only once the database answers, so
      // that an outage does not push healthy entries over maxDeliveries into the dead letters.
      await pingDatabase(this.database.db);
      const entries = await readGroup(this.redis, this.consumer, '0', this.settings.batchSize, 0);
      if (entries.length > 0) return { entries, redelivered: true };
      this.readingPending = false;
    }
    if (Date.now() - this.lastClaimAt > this.settings.claimIdleMs / 2) {
      const { cursor, entries } = await autoClaim(this.redis, this.consumer, this.settings.claimIdleMs, this.settings.batchSize, this.claimCursor);
      this.claimCursor = cursor;
      if (cursor === '0-0') this.lastClaimAt = Date.now();
      if (entries.length > 0) {
        this.logger.warn({ context: { claimed: entries.length } }, 'claimed entries abandoned by another consumer');
        return { entries, redelivered: true };
      }
    }
    const entries = await readGroup(this.redis, this.consumer, '>', this.settings.batchSize, block ? this.settings.blockMs : undefined);
    return entries.length > 0 ? { entries, redelivered: false } : undefined;
  }

  private async process(entries: StreamEntry[], redelivered: boolean): Promise<void> {
    const started = performance.now();
    const delivered = redelivered ? await deliveryCounts(this.redis, entries.map((e) => e.id), this.consumer) : new Map<string, number>();
    const dead: { entry: StreamEntry; reason: string }[] = [];
    const good: { entry: StreamEntry; sample: PushSample }[] = [];
    const oldest = Date.now() - STORE_MAX_AGE_MS;
    for (const entry of entries) {
      const times = delivered.get(entry.id) ?? 1;
      if (times > this.settings.maxDeliveries) {
        dead.push({ entry, reason: `delivered ${times} times without being stored` });
        continue;
      }
      const sample = parseEntry(entry);
      if (typeof sample === 'string') dead.push({ entry, reason: sample });
      else if (Date.parse(sample.timestamp) < oldest) dead.push({ entry, reason: 'older than the raw retention' });
      else good.push({ entry, sample });
    }

    const known = await existingNodeIds(this.database.db, [...new Set(good.map((g) => g.sample.node_id.toLowerCase()))]);
    const storable = good.filter((g) => {
      if (known.has(g.sample.node_id.toLowerCase())) return true;
      dead.push({ entry: g.entry, reason: `unknown node ${g.sample.node_id}` });
      return false;
    });

    const rows = storable.map(({ sample }) => toMetricSample(sample));
    const inserted = await this.database.db.transaction(async (tx) => {
      const n = await insertMetricBatch(tx, rows);
      await markNodesSeen(tx, latestPerNode(storable));
      faultPoint('before-commit');
      return n;
    });
    faultPoint('after-commit');
    await deadLetter(this.redis, dead);
    await ackAndDelete(this.redis, entries.map((e) => e.id));
    faultPoint('after-ack');

    const ms = performance.now() - started;
    Object.assign(this.stats, {
      processed: this.stats.processed + entries.length,
      inserted: this.stats.inserted + inserted,
      duplicates: this.stats.duplicates + (rows.length - inserted),
      deadLettered: this.stats.deadLettered + dead.length,
      batches: this.stats.batches + 1,
      lastBatchMs: Math.round(ms),
      lastError: null,
    });
    for (const d of dead) this.logger.warn({ context: { entry_id: d.entry.id, reason: d.reason, request_id: d.entry.fields.request_id } }, 'entry dead-lettered');
    if (logShippingActive()) traceBatch(storable, dead);
    this.logger.debug({ context: { entries: entries.length, inserted, dead: dead.length, batch_ms: Math.round(ms) } }, 'batch stored');
    await this.refreshLateBuckets(rows);
  }

  /**
   * The refresh policies only look back 2 hours (hourly) and 2 days (daily). Samples older than
   * that — a probe catching up after an outage — get their buckets refreshed here, so its
   * charts are complete. A failure is logged, not retried: the data is safe in metrics.
   */
  private async refreshLateBuckets(rows: MetricSample[]): Promise<void> {
    const now = Date.now();
    for (const rollup of ['hourly', 'daily'] as const) {
      const r = ROLLUPS[rollup];
      const late = rows.filter((s) => s.time.getTime() < now - r.refreshWindowMs);
      if (late.length === 0) continue;
      const times = late.map((s) => s.time.getTime());
      const from = floorTo(Math.min(...times), r.bucketMs);
      const to = floorTo(Math.max(...times), r.bucketMs) + r.bucketMs;
      // The late samples' nodes only: the other nodes' buckets of the window did not change.
      const nodeIds = [...new Set(late.map((s) => s.nodeId))];
      try {
        await refreshRollup(this.maintenance.db, this.mode, rollup, new Date(from), new Date(to), nodeIds);
      } catch (err) {
        this.logger.warn({ context: { rollup, from: new Date(from), to: new Date(to), error: errorMessage(err) } }, 'late-data refresh failed');
      }
    }
  }

  private async fail(message: string, err: unknown): Promise<void> {
    this.stats.lastError = errorMessage(err);
    this.stats.lastFailureAt = new Date().toISOString();
    this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, this.backoffMs * 2));
    this.logger.warn({ context: { error: this.stats.lastError, retry_in_ms: this.backoffMs } }, message);
    const until = Date.now() + this.backoffMs;
    while (!this.stopping && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
  }
}

function parseEntry(entry: StreamEntry): PushSample | string {
  let json: unknown;
  try {
    json = JSON.parse(entry.fields.payload ?? '');
  } catch {
    return 'payload is not JSON';
  }
  const parsed = pushSampleSchema.safeParse(json);
  if (!parsed.success) return `payload fails the push schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  return parsed.data;
}

function toMetricSample(s: PushSample): MetricSample {
  return {
    time: new Date(s.timestamp),
    nodeId: s.node_id.toLowerCase(),
    latencyMs: s.latency_ms ?? null,
    uptimePct: s.uptime_pct ?? null,
    packetLoss: s.packet_loss ?? null,
    targetHost: s.target_host ?? null,
    probeType: s.probe_type ?? null,
    metadata: s.metadata ?? null,
  };
}

function latestPerNode(items: { entry: StreamEntry; sample: PushSample }[]) {
  const latest = new Map<string, { nodeId: string; at: Date; probeVersion: string | null }>();
  const now = Date.now();
  for (const { entry, sample } of items) {
    const nodeId = sample.node_id.toLowerCase();
    // A probe clock up to 5 minutes fast is accepted; last_seen_at never lies in the future.
    const at = new Date(Math.min(Date.parse(sample.timestamp), now));
    const fromMetadata = sample.metadata?.probe_version;
    const probeVersion = (typeof fromMetadata === 'string' && fromMetadata.length <= 50 ? fromMetadata : null) ?? (entry.fields.probe_version || null);
    const current = latest.get(nodeId);
    if (!current || at > current.at) latest.set(nodeId, { nodeId, at, probeVersion: probeVersion ?? current?.probeVersion ?? null });
  }
  return [...latest.values()];
}

/**
 * For the log store only (issue 6): one `samples stored` document per request of the batch, so
 * that a push can be followed from the API into storage by its request id (stdout keeps its one
 * line per batch), and an `ingest_dead_letter` event per dead-lettered entry.
 */
function traceBatch(stored: { entry: StreamEntry; sample: PushSample }[], dead: { entry: StreamEntry; reason: string }[]): void {
  const at = new Date().toISOString();
  const requests = new Map<string, { nodeIds: Set<string>; entryIds: string[] }>();
  for (const { entry, sample } of stored) {
    const requestId = entry.fields.request_id;
    if (!requestId) continue;
    let r = requests.get(requestId);
    if (!r) requests.set(requestId, (r = { nodeIds: new Set(), entryIds: [] }));
    r.nodeIds.add(sample.node_id.toLowerCase());
    r.entryIds.push(entry.id);
  }
  for (const [requestId, r] of requests) {
    const nodeIds = [...r.nodeIds];
    shipLog({
      '@timestamp': at,
      service: 'fiber-worker',
      level: 'INFO',
      message: 'samples stored',
      logger: 'worker.etl',
      request_id: requestId,
      ...(nodeIds.length === 1 ? { node_id: nodeIds[0] } : {}),
      context: { samples: r.entryIds.length, entry_ids: r.entryIds.slice(0, 50), ...(nodeIds.length > 1 ? { node_ids: nodeIds } : {}) },
    });
  }
  for (const { entry, reason } of dead) {
    emitEvent(deadLetterEvent({ entryId: entry.id, reason, requestId: entry.fields.request_id || undefined, nodeId: nodeIdOf(entry) }));
  }
}

/** The node a dead-lettered entry was for, when its payload still says so. */
function nodeIdOf(entry: StreamEntry): string | undefined {
  try {
    const nodeId = (JSON.parse(entry.fields.payload ?? '') as { node_id?: unknown })?.node_id;
    return typeof nodeId === 'string' && /^[0-9a-f-]{36}$/i.test(nodeId) ? nodeId.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

export function consumerSettingsFrom(cfg: Config): ConsumerSettings {
  return {
    batchSize: cfg.WORKER_BATCH_SIZE,
    blockMs: cfg.WORKER_BLOCK_MS,
    claimIdleMs: cfg.WORKER_CLAIM_IDLE_MS,
    maxDeliveries: cfg.WORKER_MAX_DELIVERIES,
    concurrency: cfg.WORKER_CONCURRENCY,
  };
}
