import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type estypes } from '@elastic/elasticsearch';
import { eventSearchBody, logSearchBody, parseSearchResponse } from './elasticsearch-query';
import {
  DEFAULT_EVENTS_ALIAS,
  DEFAULT_LOGS_ALIAS,
  DOC_ID_FIELD,
  eventsPolicy,
  eventsTemplate,
  indexNames,
  logsPolicy,
  logsTemplate,
  type IndexNames,
  type PolicyRequest,
  type TemplateRequest,
} from './elasticsearch-templates';
import type { EventDocument, EventQuery, LogDocument, LogQuery, LogStore, WriteResult } from './types';

/**
 * The log store on Elasticsearch (issue 6): the spec's index templates and ILM policies
 * installed at set-up, writes through the rollover aliases with `_bulk`, searches through the
 * same aliases. Templates, policies and query bodies live in elasticsearch-templates.ts and
 * elasticsearch-query.ts.
 */

export interface ElasticsearchStoreOptions {
  /** Default `fiber-logs`; the template, its pattern, the policy and the first index are named after it. */
  logsAlias?: string;
  /** Default `fiber-events`. */
  eventsAlias?: string;
  /** Rounds of re-sending the items a bulk request refused with 429 (default 3). */
  maxRetries?: number;
  /** The first round's delay; it doubles each round (default 200 ms). */
  retryDelayMs?: number;
}

export interface ElasticsearchClientConfig {
  url: string;
  apiKey?: string;
  username?: string;
  password?: string;
}

export function createElasticsearchClient(cfg: ElasticsearchClientConfig): Client {
  const auth = cfg.apiKey
    ? { apiKey: cfg.apiKey }
    : cfg.username !== undefined
      ? { username: cfg.username, password: cfg.password ?? '' }
      : undefined;
  return new Client({ node: cfg.url, ...(auth ? { auth } : {}), requestTimeout: 5_000, maxRetries: 2 });
}

/** The parts of an Elasticsearch error this module reads (by shape: the client ships both CJS and ESM error classes). */
interface ErrorShape {
  statusCode?: number;
  body?: { error?: { type?: string; reason?: string } };
}

function errorStatus(err: unknown): number | undefined {
  return (err as ErrorShape | null)?.statusCode;
}

function errorType(err: unknown): string | undefined {
  return (err as ErrorShape | null)?.body?.error?.type;
}

/** A time-ordered id (UUIDv7 layout): cheaper for Lucene than random ones, and unique without coordination. */
export function newDocId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string | null } | null;
}

export function createElasticsearchStore(client: Client, options: ElasticsearchStoreOptions = {}): LogStore {
  const logs = indexNames(options.logsAlias ?? DEFAULT_LOGS_ALIAS);
  const events = indexNames(options.eventsAlias ?? DEFAULT_EVENTS_ALIAS);
  const maxRetries = options.maxRetries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;

  async function getOrMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      if (errorStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /** PUT only what is missing or differs from what this code would install (by the hash in `_meta`). */
  async function installPolicy(policy: PolicyRequest): Promise<void> {
    const existing = await getOrMissing(() => client.ilm.getLifecycle({ name: policy.name }));
    if (existing?.[policy.name]?.policy?._meta?.hash === policy.policy._meta.hash) return;
    await client.ilm.putLifecycle(policy);
  }

  async function installTemplate(template: TemplateRequest): Promise<void> {
    const existing = await getOrMissing(() => client.indices.getIndexTemplate({ name: template.name }));
    const current = existing?.index_templates.find((t) => t.name === template.name);
    if (current?.index_template._meta?.hash === template._meta.hash) return;
    await client.indices.putIndexTemplate(template);
  }

  /** The first rollover index, holding the write alias; nothing when the alias is there already. */
  async function bootstrapAlias(names: IndexNames): Promise<void> {
    if (await client.indices.existsAlias({ name: names.alias })) return;
    try {
      await client.indices.create({ index: names.firstIndex, aliases: { [names.alias]: { is_write_index: true } } });
    } catch (err) {
      // Another process got there first.
      if (errorType(err) !== 'resource_already_exists_exception') throw err;
    }
  }

  /**
   * A document keeps its id across write calls: the shipper hands the same objects back after a
   * failed call, and a bulk request that timed out may have been stored all the same; sent again
   * under the same `_id`, each document overwrites itself instead of appearing twice.
   */
  const ids = new WeakMap<object, string>();
  function idOf(doc: object): string {
    let id = ids.get(doc);
    if (!id) ids.set(doc, (id = newDocId()));
    return id;
  }

  async function bulkOnce(alias: string, batch: { id: string; doc: object }[]): Promise<BulkItemResult[]> {
    const res = await client.bulk({
      // An alias that is not there must not silently become a plain index of that name.
      require_alias: true,
      // Only what is read below: the answer to a large batch is otherwise as large as the batch.
      filter_path: ['items.*.status', 'items.*.error'],
      operations: batch.flatMap(({ id, doc }) => [{ index: { _index: alias, _id: id } }, { ...doc, [DOC_ID_FIELD]: id }]),
    });
    const items = (res.items ?? []).map((item) => Object.values(item)[0] as BulkItemResult);
    if (items.length !== batch.length) throw new Error(`bulk answered ${items.length} items for ${batch.length} documents`);
    return items;
  }

  /**
   * Items refused with 429 are re-sent (alone, with backoff), others are rejected with their
   * reason. Ids are fixed per document before the first attempt, so a re-sent item can never
   * duplicate one that was stored. A failed first request throws (nothing is known stored, and
   * the documents keep their ids, so the caller's re-send overwrites whatever was); a
   * failed retry round counts as a round for the items it carried, so the caller never re-sends
   * documents that were stored.
   */
  async function write<T extends LogDocument | EventDocument>(alias: string, docs: T[]): Promise<WriteResult> {
    const result: WriteResult = { written: 0, rejected: [] };
    let pending = docs.map((doc) => ({ id: idOf(doc), doc, reason: '' }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) await sleep(retryDelayMs * 2 ** (round - 1));
      const retry: typeof pending = [];
      try {
        const items = await bulkOnce(alias, pending);
        items.forEach((item, i) => {
          const entry = pending[i]!;
          const reason = item.error ? `${item.error.type}: ${item.error.reason}` : `status ${item.status}`;
          if (item.status >= 200 && item.status < 300) result.written++;
          else if (item.status === 429) retry.push({ ...entry, reason });
          else result.rejected.push({ doc: entry.doc, reason });
        });
      } catch (err) {
        if (round === 0) throw err;
        retry.push(...pending.map((entry) => ({ ...entry, reason: `bulk request failed: ${(err as Error).message}` })));
      }
      if (retry.length > 0 && round >= maxRetries) {
        result.rejected.push(...retry.map(({ doc, reason }) => ({ doc, reason: `${reason} (after ${maxRetries} retries)` })));
        break;
      }
      pending = retry;
    }
    return result;
  }

  async function search<T extends LogDocument | EventDocument>(body: estypes.SearchRequest, q: LogQuery | EventQuery) {
    return parseSearchResponse<T>(await client.search<T>(body), q);
  }

  return {
    kind: 'elasticsearch',
    async setup() {
      await installPolicy(logsPolicy(logs));
      await installPolicy(eventsPolicy(events));
      await installTemplate(logsTemplate(logs));
      await installTemplate(eventsTemplate(events));
      await bootstrapAlias(logs);
      await bootstrapAlias(events);
    },
    writeLogs: (docs) => write(logs.alias, docs),
    writeEvents: (docs) => write(events.alias, docs),
    searchLogs: async (q) => search<LogDocument>(logSearchBody(logs.alias, q), q),
    searchEvents: async (q) => search<EventDocument>(eventSearchBody(events.alias, q), q),
    // The store owns its client (createElasticsearchClient makes one per store).
    close: () => client.close(),
  };
}
