import pino, { type DestinationStream, type Logger } from 'pino';
import { config } from './config';

/**
 * Secrets never reach a log line, on stdout or in the log store (which is fed from the same
 * line). A field named `key` or `token` is taken for a credential: a probe key's public prefix
 * is logged as `key_prefix`, which stays. (`*.authorization` and `*.cookie` cover
 * `headers.authorization` and `headers.cookie`; each path costs every line: this list ~2 µs.)
 */
const REDACT_PATHS = [
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'cookie',
  '*.cookie',
  '*.headers.cookie',
  'key',
  '*.key',
  'token',
  '*.token',
  'apiKey',
  'databaseUrl',
];

/**
 * Structured JSON logs shaped like the spec's fiber-logs documents (`@timestamp`, `service`,
 * `level`, `message`, `logger`, `exception{type,message,stacktrace}`), so a log shipper can
 * forward them unchanged. Pass errors as `{ exception: err }`. Each line goes to stdout and,
 * once a process started log shipping (lib/logs/shipper.ts), to its tap too; `ship: false`
 * is stdout only (the shipper's reports on itself, which must not feed back into it).
 */
export function createLogger(service: string, level: string = config().LOG_LEVEL, options: { ship?: boolean } = {}): Logger {
  const stdoutLevel = pino.levels.values[level] ?? Infinity;
  // Lines for the log store may go lower than stdout (LOG_LEVEL=warn keeps the console quiet
  // while the search still has the info lines), so the logger emits down to the lower of the two.
  const shipLevel = options.ship === false ? undefined : shipLevelOrUndefined();
  const emitLevel = shipLevel !== undefined && (pino.levels.values[shipLevel] ?? Infinity) < stdoutLevel ? shipLevel : level;
  return pino(
    {
      level: emitLevel,
      base: { service },
      messageKey: 'message',
      errorKey: 'exception',
      timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      serializers: { exception: serializeException },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    options.ship === false ? stdout() : teeToTap(stdout(), stdoutLevel),
  );
}

/** LOG_SHIP_LEVEL, unless the configuration is invalid (the start-up logger must still report that). */
function shipLevelOrUndefined(): string | undefined {
  try {
    const shipLevel = config().LOG_SHIP_LEVEL;
    return shipLevel === 'silent' ? undefined : shipLevel;
  } catch {
    return undefined;
  }
}

/** Receives every log line (redacted JSON, with its newline) at or above `minLevel` (pino's numbers: info 30). */
export interface LogTap {
  minLevel: number;
  write(line: string): void;
}

/**
 * The tap lives on globalThis: Next evaluates this module more than once per process, and the
 * loggers (also on globalThis) must all find the one the process started.
 */
export function setLogTap(tap: LogTap | undefined): void {
  globalForLog.fiberLogTap = tap;
}

/**
 * pino's own default destination, synchronous as before (a FATAL line written just before
 * process.exit must not be lost): fd 1, unless something (a test runner) replaced process.stdout.write.
 */
function stdout(): DestinationStream {
  const replaced = process.stdout.write !== process.stdout.constructor.prototype.write;
  return replaced ? process.stdout : pino.destination({ dest: process.stdout.fd || 1, sync: true });
}

/**
 * stdout (at LOG_LEVEL) first, then the tap. pino fills in `lastLevel` before each write of a
 * stream that asks for metadata, so a line below a level costs one comparison.
 */
function teeToTap(out: DestinationStream, stdoutLevel: number): DestinationStream {
  const tee = {
    [Symbol.for('pino.metadata')]: true,
    lastLevel: 0,
    write(line: string) {
      if (tee.lastLevel >= stdoutLevel) out.write(line);
      const tap = globalForLog.fiberLogTap;
      if (tap && tee.lastLevel >= tap.minLevel) tap.write(line);
    },
    flush(cb?: (err?: Error) => void) {
      const flushable = out as DestinationStream & { flush?: (cb: (err?: Error) => void) => void };
      if (typeof flushable.flush === 'function') flushable.flush(cb ?? (() => {}));
      else cb?.();
    },
  };
  return tee;
}

function serializeException(err: unknown) {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  return { type: err.name, message: err.message, stacktrace: err.stack };
}

const globalForLog = globalThis as unknown as { fiberLoggers?: Map<string, Logger>; fiberService?: string; fiberLogTap?: LogTap };

/** Entry points name their service once (`fiber-api` for the web server, `fiber-worker`, `fiber-cli`). */
export function setServiceName(service: string): void {
  globalForLog.fiberService = service;
}

/** The process's own service name (`fiber-api` unless its entry point named another). */
export function serviceName(): string {
  return globalForLog.fiberService ?? 'fiber-api';
}

/**
 * The process's logger for a service (default: the process's own); modules take a child with
 * their own `logger` name. The web server's in-process worker logs as `fiber-worker`.
 */
export function log(service?: string): Logger {
  const name = service ?? serviceName();
  globalForLog.fiberLoggers ??= new Map();
  let logger = globalForLog.fiberLoggers.get(name);
  if (!logger) {
    logger = createLogger(name);
    globalForLog.fiberLoggers.set(name, logger);
  }
  return logger;
}
