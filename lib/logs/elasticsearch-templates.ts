import { createHash } from 'node:crypto';
import type { estypes } from '@elastic/elasticsearch';
import { EVENT_RETENTION_DAYS, LOG_RETENTION_DAYS } from './types';

/**
 * What the Elasticsearch store installs: the spec's index templates ("Elasticsearch Schemas" in
 * data-model.md, copied verbatim in lib/logs/spec/*.json and checked against them by the tests)
 * and the ILM policies behind them. With the default aliases the names are the spec's
 * (`fiber-logs`, `fiber-logs-*`, `fiber-logs-policy`); other aliases (tests) derive theirs the same way.
 *
 * Additions to the spec, nothing changed:
 * - `doc_id` (keyword) in both mappings: the document's own `_id`, written into each document as
 *   the sort tiebreaker for `search_after`, since sorting on `_id` is refused by default.
 * - the events template gets the ILM settings the logs one has (its policy and rollover alias),
 *   so events roll over and expire the same way.
 * - `priority` (so a catch-all template of priority 0 cannot collide with ours) and `_meta`
 *   (who manages it, and a hash of the body so set-up rewrites it only when it changed).
 */

export const DEFAULT_LOGS_ALIAS = 'fiber-logs';
export const DEFAULT_EVENTS_ALIAS = 'fiber-events';
/** The tiebreaker field, see above. */
export const DOC_ID_FIELD = 'doc_id';
export const MANAGED_BY = 'fiberstack-lite';
const TEMPLATE_PRIORITY = 200;

export interface IndexNames {
  /** The rollover alias: written through, searched through. */
  alias: string;
  /** The composable index template's name. */
  template: string;
  pattern: string;
  policy: string;
  /** The index set-up creates when the alias does not exist yet. */
  firstIndex: string;
}

export function indexNames(alias: string): IndexNames {
  return { alias, template: alias, pattern: `${alias}-*`, policy: `${alias}-policy`, firstIndex: `${alias}-000001` };
}

export interface Managed {
  _meta: { managed_by: string; hash: string };
}

/** The body with `_meta` added, whose hash covers everything else. */
function managed<T extends object>(body: T): T & Managed {
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  return { ...body, _meta: { managed_by: MANAGED_BY, hash } };
}

/**
 * Logs: a new index a day (or at 50 GB), each deleted 30 days after it rolled over, so a log is
 * kept 30 to 31 days. Events are few: an index a week, deleted 90 days after rolling over (90 to 97 days).
 */
export type PolicyRequest = estypes.IlmPutLifecycleRequest & { policy: Managed };
export type TemplateRequest = estypes.IndicesPutIndexTemplateRequest & Managed;

export function logsPolicy(names: IndexNames): PolicyRequest {
  return rolloverPolicy(names, '1d', LOG_RETENTION_DAYS);
}

export function eventsPolicy(names: IndexNames): PolicyRequest {
  return rolloverPolicy(names, '7d', EVENT_RETENTION_DAYS);
}

/** Hot with rollover (at `maxAge` or 50 GB per primary shard), deleted `retentionDays` after rollover. */
function rolloverPolicy(names: IndexNames, maxAge: string, retentionDays: number): PolicyRequest {
  return {
    name: names.policy,
    policy: managed({
      phases: {
        hot: { min_age: '0ms', actions: { rollover: { max_age: maxAge, max_primary_shard_size: '50gb' } } },
        delete: { min_age: `${retentionDays}d`, actions: { delete: {} } },
      },
    }),
  };
}

export function logsTemplate(names: IndexNames): TemplateRequest {
  return {
    name: names.template,
    ...managed({
      index_patterns: [names.pattern],
      template: {
        settings: {
          number_of_shards: 1,
          number_of_replicas: 1,
          'index.lifecycle.name': names.policy,
          'index.lifecycle.rollover_alias': names.alias,
        },
        mappings: {
          properties: {
            '@timestamp': { type: 'date' },
            service: { type: 'keyword' },
            level: { type: 'keyword' },
            message: { type: 'text' },
            logger: { type: 'keyword' },
            request_id: { type: 'keyword' },
            node_id: { type: 'keyword' },
            user_id: { type: 'keyword' },
            exception: {
              properties: {
                type: { type: 'keyword' },
                message: { type: 'text' },
                stacktrace: { type: 'text' },
              },
            },
            context: { type: 'object' },
            [DOC_ID_FIELD]: { type: 'keyword' },
          },
        },
      },
      priority: TEMPLATE_PRIORITY,
    }),
  };
}

export function eventsTemplate(names: IndexNames): TemplateRequest {
  return {
    name: names.template,
    ...managed({
      index_patterns: [names.pattern],
      template: {
        settings: {
          'index.lifecycle.name': names.policy,
          'index.lifecycle.rollover_alias': names.alias,
        },
        mappings: {
          properties: {
            '@timestamp': { type: 'date' },
            event_type: { type: 'keyword' },
            node_id: { type: 'keyword' },
            severity: { type: 'keyword' },
            message: { type: 'text' },
            metadata: { type: 'object' },
            [DOC_ID_FIELD]: { type: 'keyword' },
          },
        },
      },
      priority: TEMPLATE_PRIORITY,
    }),
  };
}
