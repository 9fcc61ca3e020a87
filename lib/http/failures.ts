import type { Logger } from 'pino';
import { errorMessage } from '../db/rows';
import { isDatabaseUnavailable } from '../db/errors';
import { ApiError } from './problem';

/**
 * Logs a request's failure before problemBody answers it: an ApiError is the answer itself
 * (nothing to log here); the database being away is an outage (a warning with its reason, the
 * answer is 503), not a bug; anything else is a bug, logged with its stack.
 */
export function logRequestFailure(logger: Logger, err: unknown, message: string, context: Record<string, unknown> = {}): void {
  if (err instanceof ApiError) return;
  if (isDatabaseUnavailable(err)) logger.warn({ context: { ...context, error: errorMessage(err) } }, 'database unavailable; answered 503');
  else logger.error({ exception: err, ...(Object.keys(context).length ? { context } : {}) }, message);
}
