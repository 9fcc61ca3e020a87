import type { Redis } from 'ioredis';
import type { PushSample } from '../ingest/schemas';
import { whenReady } from '../redis';

/** The spec's ingest stream and consumer group, and our dead-letter stream beside them. */
export const ETL_STREAM = 'fiber:etl:queue';
export const ETL_GROUP = 'etl-workers';
export const DEAD_LETTER_STREAM = 'fiber:etl:dead';

/** Each worker's liveness: a JSON snapshot of its state, refreshed every few seconds. */
export const HEARTBEAT_TTL_SECONDS = 30;
export const heartbeatKey = (workerId: string) => `fiber:worker:heartbeat:${workerId}`;

/**
 * Some web process takes pushes: every one refreshes this key every PUSH_PATH_BEAT_MS. Without
 * it probes cannot deliver anything, so their silence proves nothing (lib/logs/lifecycle.ts).
 */
export const PUSH_PATH_KEY = 'fiber:web:push-path';
export const PUSH_PATH_TTL_SECONDS = 30;
export const PUSH_PATH_BEAT_MS = 10_000;

export async function markPushPathAlive(redis: Redis, server: string): Promise<void> {
  await redis.set(PUSH_PATH_KEY, JSON.stringify({ server, at: new Date().toISOString() }), 'EX', PUSH_PATH_TTL_SECONDS);
}

export async function pushPathAlive(redis: Redis): Promise<boolean> {
  return (await redis.exists(PUSH_PATH_KEY)) === 1;
}

export interface Envelope {
  requestId: string;
  /** Public prefix of the probe key that pushed (never the key). */
  keyPrefix: string;
  probeVersion: string | null;
  receivedAt: string;
}

/**
 * One `XADD fiber:etl:queue * payload <json> …` per sample, issued by a server-side script so
 * that a batch costs one command and one round trip rather than one command per sample, and is
 * enqueued whole or not at all. Only the stream is touched (one key: fine on Redis Cluster).
 */
const ENQUEUE_SCRIPT = `
local ids = {}
for i = 5, #ARGV do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'payload', ARGV[i], 'request_id', ARGV[1], 'key', ARGV[2], 'probe_version', ARGV[3], 'received_at', ARGV[4])
end
return ids`;

type ScriptedRedis = Redis & { fiberEnqueue(stream: string, ...args: string[]): Promise<string[]> };

function scripted(redis: Redis): ScriptedRedis {
  // ioredis runs it with EVALSHA and falls back to EVAL once per connection (NOSCRIPT).
  if (!('fiberEnqueue' in redis)) redis.defineCommand('fiberEnqueue', { numberOfKeys: 1, lua: ENQUEUE_SCRIPT });
  return redis as ScriptedRedis;
}

/** Returns the entry ids in sample order; throws if Redis refuses the batch (then none is enqueued). */
export async function enqueueSamples(redis: Redis, samples: PushSample[], envelope: Envelope): Promise<string[]> {
  const payloads = samples.map((sample) => JSON.stringify(sample));
  const ids = await scripted(redis).fiberEnqueue(ETL_STREAM, envelope.requestId, envelope.keyPrefix, envelope.probeVersion ?? '', envelope.receivedAt, ...payloads);
  return ids.map(String);
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

type RawEntry = [id: string, fields: string[]];

function toEntries(raw: RawEntry[] | null | undefined): StreamEntry[] {
  return (raw ?? [])
    .filter((e): e is RawEntry => Array.isArray(e) && Array.isArray(e[1]))
    .map(([id, list]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]!] = list[i + 1]!;
      return { id, fields };
    });
}

/**
 * Creates the consumer group (from the stream's start, so nothing pushed before it is skipped);
 * an existing group is fine. True when it had to be created.
 */
export async function ensureConsumerGroup(redis: Redis): Promise<boolean> {
  await whenReady(redis, 5_000);
  try {
    await redis.xgroup('CREATE', ETL_STREAM, ETL_GROUP, '0', 'MKSTREAM');
    return true;
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    return false;
  }
}

/** `from = '0'`: this consumer's own pending entries; `'>'`: new ones, waiting up to `blockMs` if given. */
export async function readGroup(redis: Redis, consumer: string, from: '0' | '>', count: number, blockMs?: number): Promise<StreamEntry[]> {
  const reply =
    from === '>' && blockMs !== undefined
      ? await redis.xreadgroup('GROUP', ETL_GROUP, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', ETL_STREAM, '>')
      : await redis.xreadgroup('GROUP', ETL_GROUP, consumer, 'COUNT', count, 'STREAMS', ETL_STREAM, from);
  const streams = reply as [string, RawEntry[]][] | null;
  return toEntries(streams?.[0]?.[1]);
}

/** Takes over entries another consumer left pending for longer than `minIdleMs` (it died or hangs). */
export async function autoClaim(redis: Redis, consumer: string, minIdleMs: number, count: number, cursor: string) {
  const reply = (await redis.xautoclaim(ETL_STREAM, ETL_GROUP, consumer, minIdleMs, cursor, 'COUNT', count)) as [string, RawEntry[]];
  return { cursor: reply[0], entries: toEntries(reply[1]) };
}

/**
 * How many times each of these entries, pending for `consumer`, has been delivered. Filtered by
 * consumer: other consumers' pending entries between the first and the last id would otherwise
 * use up COUNT and leave some of ours uncounted.
 */
export async function deliveryCounts(redis: Redis, ids: string[], consumer: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (ids.length === 0) return counts;
  const sorted = [...ids].sort(compareIds);
  const rows = (await redis.xpending(ETL_STREAM, ETL_GROUP, sorted[0]!, sorted.at(-1)!, ids.length * 2, consumer)) as [string, string, number, number][];
  for (const [id, , , delivered] of rows) counts.set(id, Number(delivered));
  return counts;
}

export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

/** Writes refused entries, with the reason, to the dead-letter stream. Called before the ack: a crash duplicates, never loses. */
export async function deadLetter(redis: Redis, items: { entry: StreamEntry; reason: string }[]): Promise<void> {
  if (items.length === 0) return;
  const pipeline = redis.pipeline();
  for (const { entry, reason } of items) {
    pipeline.xadd(DEAD_LETTER_STREAM, '*', 'entry_id', entry.id, 'reason', reason, ...Object.entries(entry.fields).flat());
  }
  for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
}

/** Acknowledges and deletes in one transaction, so the stream holds only what is still to do. */
export async function ackAndDelete(redis: Redis, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const results = await redis.multi().xack(ETL_STREAM, ETL_GROUP, ...ids).xdel(ETL_STREAM, ...ids).exec();
  for (const [err] of results ?? []) if (err) throw err;
}

export interface QueueStats {
  length: number;
  pending: number;
  /** Age of the oldest entry still in the stream (ms), 0 when empty. */
  lagMs: number;
  deadLetters: number;
}

export async function queueStats(redis: Redis): Promise<QueueStats> {
  const results = await redis
    .multi()
    .xlen(ETL_STREAM)
    .xrange(ETL_STREAM, '-', '+', 'COUNT', 1)
    .xlen(DEAD_LETTER_STREAM)
    .exec();
  for (const [err] of results ?? []) if (err) throw err;
  const [length, first, dead] = (results ?? []).map(([, v]) => v) as [number, RawEntry[], number];
  let pending = 0;
  try {
    const summary = (await redis.xpending(ETL_STREAM, ETL_GROUP)) as [number, ...unknown[]];
    pending = Number(summary[0]);
  } catch {
    // No group yet: nothing is pending.
  }
  const oldest = first[0]?.[0];
  return { length: Number(length), pending, lagMs: oldest ? Math.max(0, Date.now() - Number(oldest.split('-')[0])) : 0, deadLetters: Number(dead) };
}

/** On a clean shutdown, a consumer with nothing pending leaves the group (names are host-pid, so they would pile up). */
export async function leaveGroupIfIdle(redis: Redis, consumer: string): Promise<boolean> {
  const pending = (await redis.xpending(ETL_STREAM, ETL_GROUP, '-', '+', 1, consumer)) as unknown[];
  if (pending.length > 0) return false;
  await redis.xgroup('DELCONSUMER', ETL_STREAM, ETL_GROUP, consumer);
  return true;
}
