import type { Logger } from 'pino';
import { config } from '../config';
import { errorMessage } from '../db/rows';
import { createLogger, serviceName, setLogTap } from '../log';
import { getLogStore, logStoreKind, type LogStoreKind } from './store';
import { Queue, type QueueStats } from './ship-queue';
import type { EventDocument, LogDocument, LogLevel, LogStore, WriteResult } from './types';

export type { QueueStats } from './ship-queue';

/**
 * Ships log lines and events to the log store (issue 6) in batches, off the request path:
 * callers hand a document over and return; a timer (unref'd, so tests and CLIs exit) writes
 * what is buffered every `intervalMs`, or sooner once a batch is full. Measured here, a log line
 * costs pino ~8-11 µs (child + info, as the push path logs); the tap adds under 0.5 µs
 * while shipping is off and ~3 µs per shipped line when on (one JSON.parse, one ring slot),
 * against ~1.2 ms per push: the push path keeps its one info line and its pace
 * (lib/logs/trace.test.ts measures pushes with the store hanging).
 *
 * The buffers hold only documents not yet shipped, per process, bounded: while the store is
 * down they keep up to `bufferMax` documents per queue (logs, events), then drop the oldest and
 * count them. Nothing a caller does ever waits on the store. The shipper reports on itself to
 * stdout only (one warning when an outage starts, one line when it ends), never to itself: a
 * report of a failing store must not become a document for that store.
 */

export interface ShipperSettings {
  bufferMax: number;
  batchMax: number;
  intervalMs: number;
  /** The longest pause between attempts while the store fails (default 30 s). */
  maxBackoffMs?: number;
}

export interface LogShipperOptions extends ShipperSettings {
  store: () => Promise<LogStore>;
  storeKind: LogStoreKind;
  /** Where the shipper reports on itself: stdout, not the store. */
  report?: Logger;
}

export interface ShipperStats extends QueueStats {
  store: LogStoreKind;
  failing: boolean;
  lastError: string | null;
  lastShippedAt: string | null;
  lastDroppedAt: string | null;
  logs: QueueStats;
  events: QueueStats;
}

/** Rejected documents written out in full per batch; the rest are counted in one line. */
const REJECTED_SHOWN_PER_BATCH = 20;

export class LogShipper {
  private readonly logs: Queue<LogDocument>;
  private readonly events: Queue<EventDocument>;
  private readonly batchMax: number;
  private readonly maxBackoffMs: number;
  private readonly report: Logger;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<boolean> | undefined;
  private kicked = false;
  private stopped = false;
  private failing = false;
  private failingSince = 0;
  private droppedBeforeOutage = 0;
  private lastError: string | null = null;
  private backoffMs = 0;
  private nextAttemptAt = 0;
  private lastShippedAt: number | null = null;
  private lastDroppedAt: number | null = null;

  constructor(private readonly options: LogShipperOptions) {
    const bufferMax = Math.max(1, Math.floor(options.bufferMax));
    this.logs = new Queue(bufferMax);
    this.events = new Queue(bufferMax);
    this.batchMax = Math.max(1, Math.min(Math.floor(options.batchMax), bufferMax));
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.report = options.report ?? createLogger(serviceName(), undefined, { ship: false }).child({ logger: 'logs.shipper' });
  }

  shipLog(doc: LogDocument): void {
    this.enqueue(this.logs, doc);
  }

  shipEvent(doc: EventDocument): void {
    this.enqueue(this.events, doc);
  }

  /** Ships on the interval from now on. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      if (Date.now() >= this.nextAttemptAt) void this.flush();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * One round: writes what is buffered, batch by batch (events first), until the buffers are
   * empty or the store fails. Never throws; resolves false when the store failed. Concurrent
   * calls share the round in progress.
   */
  flush(): Promise<boolean> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /**
   * Stops the timer and ships what is left, for at most `timeoutMs` (whatever the backoff says:
   * this is the last chance). Documents still buffered after that are counted in one warning.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timeout = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      while (this.logs.buffered + this.events.buffered > 0 && Date.now() < deadline) {
        if (!(await Promise.race([this.flush(), expired]))) break;
      }
    } finally {
      clearTimeout(timeout);
    }
    const left = this.logs.buffered + this.events.buffered;
    if (left > 0) {
      this.report.warn({ context: { logs: this.logs.buffered, events: this.events.buffered, error: this.lastError } }, `shutting down with ${left} documents not shipped to the log store`);
    }
  }

  stats(): ShipperStats {
    const logs = this.logs.stats();
    const events = this.events.stats();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      store: this.options.storeKind,
      buffered: logs.buffered + events.buffered,
      shipped: logs.shipped + events.shipped,
      dropped: logs.dropped + events.dropped,
      rejected: logs.rejected + events.rejected,
      failing: this.failing,
      lastError: this.lastError,
      lastShippedAt: iso(this.lastShippedAt),
      lastDroppedAt: iso(this.lastDroppedAt),
      logs,
      events,
    };
  }

  private enqueue<D>(queue: Queue<D>, doc: D): void {
    if (queue.push(doc)) this.lastDroppedAt = Date.now();
    // A full batch ships now rather than at the next tick, unless the store is known to be down.
    if (queue.waiting >= this.batchMax && !this.kicked && !this.flushing && !this.stopped && Date.now() >= this.nextAttemptAt) {
      this.kicked = true;
      setImmediate(() => {
        this.kicked = false;
        if (!this.stopped && Date.now() >= this.nextAttemptAt) void this.flush();
      }).unref();
    }
  }

  private async drain(): Promise<boolean> {
    if (this.logs.waiting + this.events.waiting === 0) return true;
    let store: LogStore;
    try {
      store = await this.options.store();
    } catch (err) {
      this.failed(err);
      return false;
    }
    return (await this.drainQueue(this.events, (d) => store.writeEvents(d))) && (await this.drainQueue(this.logs, (d) => store.writeLogs(d)));
  }

  private async drainQueue<D>(queue: Queue<D>, send: (docs: D[]) => Promise<WriteResult>): Promise<boolean> {
    while (queue.waiting > 0) {
      const batch = queue.take(this.batchMax);
      let result: WriteResult;
      try {
        result = await send(batch);
      } catch (err) {
        if (queue.putBack(batch) > 0) this.lastDroppedAt = Date.now();
        this.failed(err);
        return false;
      }
      queue.settle();
      queue.counts.shipped += result.written;
      queue.counts.rejected += result.rejected.length;
      this.lastShippedAt = Date.now();
      this.reportRejected(result.rejected);
      this.recovered();
    }
    return true;
  }

  private failed(err: unknown): void {
    this.lastError = errorMessage(err);
    this.backoffMs = Math.min(this.maxBackoffMs, Math.max(this.options.intervalMs, this.backoffMs * 2));
    this.nextAttemptAt = Date.now() + this.backoffMs;
    if (this.failing) return;
    this.failing = true;
    this.failingSince = Date.now();
    this.droppedBeforeOutage = this.logs.counts.dropped + this.events.counts.dropped;
    this.report.warn(
      { context: { store: this.options.storeKind, error: this.lastError, buffered: this.logs.buffered + this.events.buffered, buffer_max: this.options.bufferMax } },
      'log store unavailable: buffering logs and events, dropping the oldest beyond the buffer; retrying with backoff',
    );
  }

  private recovered(): void {
    this.backoffMs = 0;
    this.nextAttemptAt = 0;
    if (!this.failing) return;
    this.failing = false;
    const dropped = this.logs.counts.dropped + this.events.counts.dropped - this.droppedBeforeOutage;
    this.report.info(
      { context: { store: this.options.storeKind, outage_ms: Date.now() - this.failingSince, dropped, last_error: this.lastError } },
      'log store reachable again: shipping the buffered documents',
    );
    this.lastError = null;
  }

  private reportRejected(rejected: WriteResult['rejected']): void {
    for (const { doc, reason } of rejected.slice(0, REJECTED_SHOWN_PER_BATCH)) {
      this.report.warn({ context: { reason, document: doc } }, `log store refused a document: ${reason}`);
    }
    if (rejected.length > REJECTED_SHOWN_PER_BATCH) {
      this.report.warn({ context: { more: rejected.length - REJECTED_SHOWN_PER_BATCH } }, 'log store refused more documents of the same batch');
    }
  }
}

// ---- the process's shipper -------------------------------------------------------------------

const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const SPEC_FIELDS = new Set(['@timestamp', 'service', 'level', 'message', 'logger', 'request_id', 'node_id', 'user_id', 'exception', 'context']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A log line as lib/log.ts writes it (already redacted) → the spec's document. Fields outside
 * the spec's shape (a caller's own merge keys) are kept inside `context`.
 */
export function logDocumentFromLine(line: string): LogDocument | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(raw) || typeof raw['@timestamp'] !== 'string' || typeof raw.service !== 'string' || typeof raw.level !== 'string') return undefined;
  const doc: LogDocument = {
    '@timestamp': raw['@timestamp'],
    service: raw.service,
    level: raw.level as LogLevel,
    message: typeof raw.message === 'string' ? raw.message : raw.message === undefined ? '' : JSON.stringify(raw.message),
  };
  if (raw.logger != null) doc.logger = String(raw.logger);
  if (raw.request_id != null) doc.request_id = String(raw.request_id);
  if (raw.node_id != null) doc.node_id = String(raw.node_id);
  if (raw.user_id != null) doc.user_id = String(raw.user_id);
  if (isRecord(raw.exception)) doc.exception = raw.exception as LogDocument['exception'];
  let context: Record<string, unknown> | undefined = isRecord(raw.context) ? raw.context : raw.context === undefined ? undefined : { value: raw.context };
  for (const key in raw) {
    // The line's own context wins over a stray key of the same name.
    if (!SPEC_FIELDS.has(key) && !(context && key in context)) context = { ...context, [key]: raw[key] };
  }
  if (context) doc.context = context;
  return doc;
}

const globalForShipper = globalThis as unknown as { fiberLogShipper?: LogShipper; fiberLogShipLevel?: number };

export interface StartOptions extends Partial<LogShipperOptions> {
  /** The least level shipped (default LOG_SHIP_LEVEL); `silent`: no log lines, events only. */
  level?: string;
}

/**
 * Starts this process's shipping: log lines at or above LOG_SHIP_LEVEL (independent of
 * LOG_LEVEL, which only decides what reaches stdout) and events go to the log store from now on. Called by the
 * web server's boot and the worker's main only, so the CLI, `next build` and tests that merely
 * import a logger ship nothing and open no store. Returns the running shipper if there is one.
 */
export function startLogShipping(options: StartOptions = {}): LogShipper {
  if (globalForShipper.fiberLogShipper) return globalForShipper.fiberLogShipper;
  const cfg = config();
  const shipper = new LogShipper({
    store: getLogStore,
    storeKind: logStoreKind(cfg),
    bufferMax: cfg.LOG_SHIP_BUFFER_MAX,
    batchMax: cfg.LOG_SHIP_BATCH_MAX,
    intervalMs: cfg.LOG_SHIP_INTERVAL_MS,
    ...options,
  });
  globalForShipper.fiberLogShipper = shipper;
  shipper.start();
  const minLevel = LEVEL_VALUES[options.level ?? cfg.LOG_SHIP_LEVEL];
  globalForShipper.fiberLogShipLevel = minLevel ?? Infinity;
  if (minLevel !== undefined) {
    setLogTap({
      minLevel,
      write: (line) => {
        const doc = logDocumentFromLine(line);
        if (doc) shipper.shipLog(doc);
      },
    });
  }
  return shipper;
}

/** Flushes what is buffered (for at most `timeoutMs`) and stops; from then on nothing is shipped. */
export async function stopLogShipping(timeoutMs = 5_000): Promise<void> {
  const shipper = globalForShipper.fiberLogShipper;
  if (!shipper) return;
  setLogTap(undefined);
  globalForShipper.fiberLogShipper = undefined;
  await shipper.stop(timeoutMs);
}

/** Whether this process ships (so that callers can skip building documents nobody takes). */
export function logShippingActive(): boolean {
  return globalForShipper.fiberLogShipper !== undefined;
}

/**
 * A document for the store only (not stdout), e.g. per-request trace lines; nothing when
 * shipping is off or the document is below LOG_SHIP_LEVEL.
 */
export function shipLog(doc: LogDocument): void {
  const shipper = globalForShipper.fiberLogShipper;
  if (shipper && (LEVEL_VALUES[doc.level.toLowerCase()] ?? 0) >= (globalForShipper.fiberLogShipLevel ?? Infinity)) shipper.shipLog(doc);
}

/** An event for the store; nothing when shipping is off (lib/logs/events.ts emitEvent is the way in). */
export function shipEvent(doc: EventDocument): void {
  globalForShipper.fiberLogShipper?.shipEvent(doc);
}

/** This process's shipping figures, or undefined when it does not ship (for /api/health). */
export function logShippingStats(): ShipperStats | undefined {
  return globalForShipper.fiberLogShipper?.stats();
}
