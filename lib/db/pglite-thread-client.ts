import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The embedded PGlite, run on its own worker thread (lib/db/pglite-thread.mjs), seen from the
 * main thread through the part of PGlite's client that drizzle's pglite driver uses: `query`,
 * and `transaction`, whose callback's client drizzle only queries (its rollback throws). PGlite
 * executes SQL on the thread that owns it, so in-process it shared one core with Next.js, the
 * push listener and the queue consumer; on its own thread the embedded server uses both cores
 * (README, "Performance").
 */

interface QueryOptions {
  rowMode?: 'array' | 'object';
  parsers?: Record<number, (value: string, typeId: number) => unknown>;
}

export interface ThreadResults {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

export interface ThreadTransaction {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<ThreadResults>;
}

type Message =
  | { op: 'open'; dataDir?: string }
  | { op: 'query'; sql: string; params?: unknown[]; options?: { rowMode?: string; rawTypes: number[] }; txId?: number }
  | { op: 'begin' | 'commit' | 'rollback'; txId: number }
  | { op: 'close' };

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string; stack?: string; props: Record<string, unknown> };
}

/** Where the thread's script is: beside this file in the source tree (the server runs from it). */
const THREAD_SCRIPT = path.join(process.cwd(), 'lib', 'db', 'pglite-thread.mjs');

/**
 * drizzle passes parsers that keep some types as text (timestamps, numeric arrays…). Functions
 * cannot cross threads, so the thread applies "keep as text" for the same type ids; a parser
 * that does anything else would silently change results, so it is refused instead.
 */
function threadOptions(options: QueryOptions | undefined): { rowMode?: string; rawTypes: number[] } | undefined {
  if (!options) return undefined;
  const rawTypes = Object.entries(options.parsers ?? {}).map(([oid, parser]) => {
    if (parser('2026-01-01 00:00:00+00', Number(oid)) !== '2026-01-01 00:00:00+00') {
      throw new Error(`The embedded database thread supports only text-preserving parsers (type ${oid}).`);
    }
    return Number(oid);
  });
  return { rowMode: options.rowMode, rawTypes };
}

function toError(error: NonNullable<Reply['error']>): Error {
  const err = Object.assign(new Error(error.message), error.props);
  err.name = error.name;
  if (error.stack) err.stack = error.stack;
  return err;
}

export class PGliteThread {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private nextTxId = 0;
  private stopped: Error | undefined;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    onUnexpectedStop: (err: Error) => void,
  ) {
    worker.on('message', (reply: Reply) => {
      const call = this.pending.get(reply.id);
      if (!call) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) call.resolve(reply.result);
      else call.reject(toError(reply.error!));
    });
    const fail = (err: Error) => {
      if (this.stopped) return;
      this.stopped = err;
      for (const call of this.pending.values()) call.reject(err);
      this.pending.clear();
      // Every later query fails with this error; whoever runs the process should hear it once.
      if (!this.closing) onUnexpectedStop(err);
    };
    worker.on('error', (err) => fail(new Error(`The embedded database thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new Error(`The embedded database thread has stopped (exit code ${code}).`)));
    // Held open only while a call is waiting for its answer: an idle database never keeps a
    // finished CLI command (or test) alive, and a pending one is never cut short.
    worker.unref();
  }

  /**
   * Starts the thread and opens the database (dataDir undefined: in memory). `onUnexpectedStop`
   * hears of a thread that died (a WebAssembly abort, say) rather than being closed.
   */
  static async open(dataDir: string | undefined, onUnexpectedStop: (err: Error) => void = () => {}): Promise<PGliteThread> {
    const thread = new PGliteThread(new Worker(THREAD_SCRIPT, { name: 'pglite' }), onUnexpectedStop);
    try {
      await thread.call({ op: 'open', dataDir });
    } catch (err) {
      thread.closing = true;
      await thread.worker.terminate();
      throw err;
    }
    return thread;
  }

  private call<T>(message: Message): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }

  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<ThreadResults> {
    return this.call({ op: 'query', sql, params, options: threadOptions(options) });
  }

  /** PGlite's transaction(): BEGIN, the callback, COMMIT, or ROLLBACK when it throws. */
  async transaction<T>(callback: (tx: ThreadTransaction) => Promise<T>): Promise<T> {
    const txId = ++this.nextTxId;
    await this.call({ op: 'begin', txId });
    let closed = false;
    const tx: ThreadTransaction = {
      query: async (sql, params, options) => {
        if (closed) throw new Error('Transaction is closed');
        return this.call({ op: 'query', sql, params, options: threadOptions(options), txId });
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (err) {
      closed = true;
      await this.call({ op: 'rollback', txId }).catch(() => undefined);
      throw err;
    }
    closed = true;
    await this.call({ op: 'commit', txId });
    return result;
  }

  /** Closes the database (PGlite flushes its files) and ends the thread. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.closing = true;
    try {
      await this.call({ op: 'close' });
    } finally {
      this.stopped = new Error('The embedded database is closed.');
      await this.worker.terminate();
    }
  }
}
