import { z } from 'zod';

/**
 * The spec's "POST /api/push - Request Payload", plus `target_host` and `probe_type` from the
 * metrics table. One schema for the single and the batch form, the endpoint and the worker.
 * Where the JSON schema is looser than the table, the table's rule wins, so that nothing
 * accepted here can fail on insert: values are stored as DECIMAL(…,2), so the limits apply to
 * the value rounded to 2 decimals (latency 9999.996 would be stored as 10000.00 and break
 * check_latency).
 */
const round2 = (v: number) => Math.round(v * 100) / 100;

const decimal = (name: string, max: number, inclusive: boolean, why: string) =>
  z
    .number({ error: `${name} must be a number` })
    .min(0, `${name} must be at least 0`)
    .refine((v) => (inclusive ? round2(v) <= max : round2(v) < max), `${name} must be ${inclusive ? 'at most' : 'less than'} ${max} (${why})`);

/**
 * PostgreSQL text cannot hold NUL, and jsonb refuses unpaired UTF-16 surrogates: a sample
 * carrying either would be accepted and then fail its insert forever. Returns the problem.
 */
export const MAX_METADATA_DEPTH = 32;

export function unstorableText(value: unknown, depth = 0): string | undefined {
  // Bounded, so that absurdly deep JSON is a 422 here, not a stack overflow further on.
  if (depth > MAX_METADATA_DEPTH) return `is nested deeper than ${MAX_METADATA_DEPTH} levels`;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'contains a NUL character, which cannot be stored';
    if (/\p{Surrogate}/u.test(value)) return 'contains an unpaired UTF-16 surrogate, which cannot be stored';
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const problem = unstorableText(key, depth + 1) ?? unstorableText(item, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

const storable = <T extends z.ZodType>(schema: T) =>
  schema.superRefine((value, ctx) => {
    const problem = unstorableText(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const pushSampleSchema = z.object({
  node_id: z.guid({ error: 'node_id must be a UUID' }),
  country: z.string({ error: 'country must be a string' }).regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code in capitals, e.g. GH'),
  region: storable(
    z
      .string({ error: 'region must be a string' })
      .trim()
      .min(1, 'region must not be empty')
      .max(100, 'region must be at most 100 characters (nodes.region)'),
  ),
  timestamp: z.iso.datetime({ offset: true, error: 'timestamp must be an ISO 8601 date-time with a time zone, e.g. 2025-11-24T16:35:00Z' }),
  latency_ms: decimal('latency_ms', 10000, false, 'the metrics table refuses 10000 and more').optional(),
  uptime_pct: decimal('uptime_pct', 100, true, 'a percentage').optional(),
  packet_loss: decimal('packet_loss', 100, true, 'a percentage').optional(),
  metadata: storable(z.record(z.string(), z.unknown(), { error: 'metadata must be a JSON object' })).optional(),
  target_host: storable(z.string({ error: 'target_host must be a string' }).max(255, 'target_host must be at most 255 characters')).optional(),
  probe_type: storable(z.string({ error: 'probe_type must be a string' }).max(50, 'probe_type must be at most 50 characters')).optional(),
});

export type PushSample = z.infer<typeof pushSampleSchema>;

export const MAX_BATCH = 1000;

export const pushBatchSchema = z.object({
  samples: z
    .array(pushSampleSchema, { error: 'samples must be an array of samples' })
    .min(1, 'samples must contain at least one sample')
    .max(MAX_BATCH, `samples may contain at most ${MAX_BATCH} samples per request`),
});

/** `{"samples": [...]}` is the batch form; any other object is one sample. */
export function isBatchBody(body: unknown): body is { samples: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'samples' in body;
}
