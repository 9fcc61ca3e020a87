import { RAW_RETENTION_DAYS } from '../maintenance/rollups';
import { ApiError, jsonPointer, type FieldError } from '../http/problem';
import { isBatchBody, pushBatchSchema, pushSampleSchema, type PushSample } from './schemas';

export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_AGE_MS = RAW_RETENTION_DAYS * 86_400_000;
/**
 * The worker stores samples up to this age: what ingest accepted gets a grace period to come
 * through the queue (plain mode keeps a partition a day beyond retention; TimescaleDB takes any time).
 */
export const STORE_MAX_AGE_MS = MAX_AGE_MS + 12 * 3_600_000;

/**
 * Validates a push body against the shared schema and the clock, collecting every violation
 * (not just the first) as JSON Pointers into the body. Throws a 422 ApiError, or returns the
 * samples in the order they came.
 */
export function validatePushBody(body: unknown, now: Date): PushSample[] {
  const batch = isBatchBody(body);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(422, 'The body must be a JSON object: one sample, or {"samples": [...]}.', {
      code: 'validation-failed',
      errors: [{ path: '/', message: 'expected a JSON object' }],
    });
  }
  const parsed = batch ? pushBatchSchema.safeParse(body) : pushSampleSchema.safeParse(body);
  const errors: FieldError[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ path: jsonPointer(i.path), message: i.message }));
  const samples: PushSample[] = parsed.success ? (batch ? (parsed.data as { samples: PushSample[] }).samples : [parsed.data as PushSample]) : [];

  // The clock checks run on every sample with a readable timestamp, valid or not, so that one
  // response names every problem of the batch.
  const raw: unknown[] = batch ? (Array.isArray(body.samples) ? body.samples : []) : [body];
  for (const [i, item] of raw.entries()) {
    const ts = (item as { timestamp?: unknown } | null)?.timestamp;
    const at = typeof ts === 'string' ? Date.parse(ts) : NaN;
    if (Number.isNaN(at)) continue;
    const path = batch ? `/samples/${i}/timestamp` : '/timestamp';
    if (at > now.getTime() + MAX_FUTURE_MS) errors.push({ path, message: 'timestamp is more than 5 minutes in the future (check the probe clock)' });
    if (at < now.getTime() - MAX_AGE_MS) errors.push({ path, message: `timestamp is older than the ${RAW_RETENTION_DAYS}-day raw retention` });
  }
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new ApiError(422, `${errors.length} invalid field${errors.length === 1 ? '' : 's'}; first: ${first.path}: ${first.message}`, {
      code: 'validation-failed',
      errors,
    });
  }
  return samples;
}
