import { z } from 'zod';

/** The resolutions a series can have (the spec's `aggregation` enum). */
export const AGGREGATIONS = ['raw', 'hourly', 'daily'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** What a caller may ask for: a resolution, or `auto` to let the span decide. */
export const REQUESTED_AGGREGATIONS = [...AGGREGATIONS, 'auto'] as const;
export type RequestedAggregation = (typeof REQUESTED_AGGREGATIONS)[number];

const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

/**
 * An instant: an ISO 8601 date-time with a zone (`Z` or `±hh:mm`), or a bare date meaning UTC
 * midnight. A local time without a zone is refused: it would mean different instants to
 * different callers. A `+` left unencoded in a URL arrives as a space; it is read as `+`.
 */
export function parseInstant(text: string): Date | undefined {
  const value = text.trim().replace(/ (\d{2}:\d{2})$/, '+$1');
  if (isoDateTime.safeParse(value).success) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? new Date(ms) : undefined;
  }
  if (isoDate.safeParse(value).success) return new Date(`${value}T00:00:00Z`);
  return undefined;
}

/** An optional instant parameter (`start`, `end`) as the metrics and the log search read it. */
export const instant = (name: string) =>
  z
    .string()
    .transform((text, ctx) => {
      const at = parseInstant(text);
      if (!at) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be an ISO 8601 date-time with a time zone (e.g. 2025-11-24T16:35:00Z) or a date (2025-11-24, UTC midnight)`,
        });
        return z.NEVER;
      }
      return at;
    })
    .optional();

/**
 * Query of `GET /api/metrics`, before defaults that depend on the clock (see
 * `resolveMetricsRequest`). Values are strings as they come from the URL.
 */
export const metricsQuerySchema = z.object({
  node_id: z
    .string({ error: 'node_id is required' })
    .trim()
    .pipe(z.guid({ error: 'node_id must be a UUID' }))
    .transform((id) => id.toLowerCase()),
  start: instant('start'),
  end: instant('end'),
  aggregation: z
    .enum(REQUESTED_AGGREGATIONS, { error: `aggregation must be one of ${REQUESTED_AGGREGATIONS.join(', ')}` })
    .default('auto'),
});

export type MetricsQuery = z.infer<typeof metricsQuerySchema>;
