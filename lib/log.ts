import pino, { type Logger } from 'pino';
import { config } from './config';

/**
 * Structured JSON logs shaped like the spec's fiber-logs documents (`@timestamp`, `service`,
 * `level`, `message`, `logger`, `exception{type,message,stacktrace}`), so a log shipper can
 * forward them unchanged. Pass errors as `{ exception: err }`.
 */
export function createLogger(service: string, level: string = config().LOG_LEVEL): Logger {
  return pino({
    level,
    base: { service },
    messageKey: 'message',
    errorKey: 'exception',
    timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    serializers: { exception: serializeException },
    redact: {
      paths: ['password', '*.password', 'authorization', '*.authorization', 'cookie', '*.cookie', 'databaseUrl'],
      censor: '[redacted]',
    },
  });
}

function serializeException(err: unknown) {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  return { type: err.name, message: err.message, stacktrace: err.stack };
}

const globalForLog = globalThis as unknown as { fiberLoggers?: Map<string, Logger>; fiberService?: string };

/** Entry points name their service once (`fiber-api` for the web server, `fiber-worker`, `fiber-cli`). */
export function setServiceName(service: string): void {
  globalForLog.fiberService = service;
}

/**
 * The process's logger for a service (default: the process's own); modules take a child with
 * their own `logger` name. The web server's in-process worker logs as `fiber-worker`.
 */
export function log(service?: string): Logger {
  const name = service ?? globalForLog.fiberService ?? 'fiber-api';
  globalForLog.fiberLoggers ??= new Map();
  let logger = globalForLog.fiberLoggers.get(name);
  if (!logger) {
    logger = createLogger(name);
    globalForLog.fiberLoggers.set(name, logger);
  }
  return logger;
}
