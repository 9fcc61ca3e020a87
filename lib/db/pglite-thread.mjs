// The embedded database's own thread (lib/db/pglite-thread-client.ts starts it). PGlite is
// PostgreSQL compiled to WebAssembly: every query runs on the thread that owns it. Here that is
// this worker thread, so the server's main thread (HTTP, Next.js, the queue consumer) and the
// database use the machine's two cores instead of sharing one (README, "Performance").
//
// Plain JavaScript on purpose: a worker thread starts without the TypeScript loader the rest of
// the code runs under (tsx, vitest), and this file needs nothing but PGlite.
//
// Messages (each answered once by `{ id, ok, result | error }`):
//   { op: 'open', dataDir }                      dataDir undefined = in memory
//   { op: 'query', sql, params, options, txId? }  options: { rowMode, rawTypes }
//   { op: 'begin', txId } / { op: 'commit', txId } / { op: 'rollback', txId }
//   { op: 'close' }
// Transactions use PGlite's own `transaction()`: while one is open, PGlite holds every other
// query back, exactly as it does in-process.
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('pglite-thread.mjs runs as a worker thread only');
const port = parentPort;

/** @type {import('@electric-sql/pglite').PGlite | undefined} */
let pg;
/** @type {Map<number, { tx: import('@electric-sql/pglite').Transaction, commit: () => void, rollback: (reason: unknown) => void }>} */
const transactions = new Map();
const ROLLBACK = Symbol('rollback');

const identity = (value) => value;

/** drizzle asks for some types as text (its parsers return the input); functions cannot cross threads. */
function queryOptions(options) {
  if (!options) return undefined;
  const parsers = Object.fromEntries((options.rawTypes ?? []).map((oid) => [oid, identity]));
  return { rowMode: options.rowMode, parsers };
}

/** A database error with everything a caller reads (code, constraint, detail…), minus what cannot be cloned. */
function serialisableError(err) {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), props: {} };
  const props = {};
  for (const [key, value] of Object.entries(err)) {
    if (key === 'queryOptions') continue;
    try {
      props[key] = structuredClone(value);
    } catch {
      // A function or similar: not needed by any caller.
    }
  }
  return { name: err.name, message: err.message, stack: err.stack, props };
}

function clientFor(txId) {
  if (txId === undefined || txId === null) return pg;
  const open = transactions.get(txId);
  if (!open) throw new Error(`transaction ${txId} is not open`);
  return open.tx;
}

async function open(dataDir) {
  const [{ PGlite }, { timescaledb }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/timescaledb')]);
  pg = await PGlite.create(dataDir ? { dataDir, extensions: { timescaledb } } : { extensions: { timescaledb } });
  // On a reopened data directory TimescaleDB's library is not loaded until something loads it,
  // and loaded lazily it refuses every licensed function (continuous aggregate refresh,
  // run_job, compression). Loading it up front, as shared_preload_libraries would, avoids that.
  await pg.exec(`LOAD 'timescaledb'`);
}

/** Opens a transaction and answers once BEGIN has run; it ends on commit or rollback. */
function begin(txId, answer) {
  let started = false;
  pg.transaction(
    (tx) =>
      new Promise((commit, rollback) => {
        transactions.set(txId, { tx, commit, rollback });
        started = true;
        answer.ok(undefined);
      }),
  )
    .then(() => transactions.get(txId)?.settled?.ok(undefined))
    .catch((err) => {
      const open = transactions.get(txId);
      if (!started) answer.fail(err);
      else if (err === ROLLBACK) open?.settled?.ok(undefined);
      else open?.settled?.fail(err);
    })
    .finally(() => transactions.delete(txId));
}

/** Ends a transaction; the answer goes out when PGlite has run COMMIT or ROLLBACK. */
function end(txId, how, answer) {
  const open = transactions.get(txId);
  if (!open) return answer.fail(new Error(`transaction ${txId} is not open`));
  open.settled = answer;
  if (how === 'commit') open.commit();
  else open.rollback(ROLLBACK);
}

async function handle(message, answer) {
  switch (message.op) {
    case 'open':
      return answer.ok(await open(message.dataDir));
    case 'query':
      return answer.ok(await clientFor(message.txId).query(message.sql, message.params, queryOptions(message.options)));
    case 'begin':
      return begin(message.txId, answer);
    case 'commit':
    case 'rollback':
      return end(message.txId, message.op, answer);
    case 'close':
      if (pg && !pg.closed) await pg.close();
      return answer.ok(undefined);
    default:
      throw new Error(`unknown operation ${String(message.op)}`);
  }
}

port.on('message', (message) => {
  const answer = {
    ok: (result) => port.postMessage({ id: message.id, ok: true, result }),
    fail: (err) => port.postMessage({ id: message.id, ok: false, error: serialisableError(err) }),
  };
  // Not awaited: a query waiting for an open transaction must not hold back that transaction's
  // own statements. PGlite orders them.
  handle(message, answer).catch((err) => answer.fail(err));
});
