import { z } from 'zod';
import { NODE_STATUSES, type NodeStatus } from './status';

/** `a, b,,c` → ['a', 'b', 'c']. */
const commaList = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** Query of `GET /api/nodes`: every filter optional, all of them must hold. */
export const nodesQuerySchema = z.object({
  /** One or more ISO 3166-1 alpha-2 codes, comma-separated, any case (`gh,ng`): nodes in any of them. */
  country: z
    .string()
    .transform(commaList)
    .pipe(
      z
        .array(z.string().regex(/^[A-Za-z]{2}$/, 'country must be ISO 3166-1 alpha-2 codes, comma-separated (e.g. GH,NG)'))
        .min(1, 'country must name at least one code'),
    )
    .transform((codes) => codes.map((c) => c.toUpperCase()))
    .optional(),
  /** Exactly as stored (e.g. `Ghana`). */
  region: z.string().trim().min(1, 'region must not be empty').max(100, 'region must be at most 100 characters').optional(),
  /** Comma-separated: nodes carrying every one of these tags. */
  tags: z
    .string()
    .transform(commaList)
    .pipe(z.array(z.string().max(100, 'each tag must be at most 100 characters')).min(1, 'tags must name at least one tag'))
    .optional(),
  /** Comma-separated: nodes in any of these statuses. */
  status: z
    .string()
    .transform(commaList)
    .pipe(
      z
        .array(z.enum(NODE_STATUSES, { error: `status must be one or more of ${NODE_STATUSES.join(', ')}, comma-separated` }))
        .min(1, 'status must name at least one status'),
    )
    .transform((list) => [...new Set<NodeStatus>(list)])
    .optional(),
});

export type NodesQuery = z.infer<typeof nodesQuerySchema>;

/** The `{id}` of `GET /api/nodes/{id}`. */
export const nodeIdSchema = z
  .string()
  .trim()
  .pipe(z.guid({ error: 'id must be a UUID' }))
  .transform((id) => id.toLowerCase());
