import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StreamConsumer, type ConsumerSettings, type ConsumerStats } from '../../worker/consumer';
import type { Database } from '../db/client';
import type { StorageMode } from '../db/mode';
import { ETL_STREAM } from '../queue/stream';

export interface DrainOptions {
  /** The consumer's name in the group. */
  consumer: string;
  settings: ConsumerSettings;
  logger: Logger;
  timeoutMs?: number;
  /** Keep going until this holds too (e.g. every entry counted as processed), not only until the stream is empty. */
  until?: (stats: ConsumerStats) => boolean;
}

/**
 * Runs the real worker (a StreamConsumer on its own Redis connection) until the stream is
 * empty — every entry stored or dead-lettered, and acknowledged — then stops it and returns
 * its figures. Throws, saying how many entries were left, if that takes longer than the timeout.
 */
export async function drainStream(redis: Redis, database: Database, mode: StorageMode, options: DrainOptions): Promise<ConsumerStats> {
  const connection = redis.duplicate();
  const consumer = new StreamConsumer(database, mode, connection, options.consumer, options.settings, options.logger);
  consumer.start();
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    // `until` first: it sees the figures on every poll, the in-flight ones included.
    while ((options.until && !options.until(consumer.stats)) || (await redis.xlen(ETL_STREAM)) > 0) {
      if (Date.now() > deadline) throw new Error(`stream not drained: ${await redis.xlen(ETL_STREAM)} entries left`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await consumer.stop();
    connection.disconnect();
  }
  return consumer.stats;
}
