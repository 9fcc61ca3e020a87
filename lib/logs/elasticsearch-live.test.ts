import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchClient, createElasticsearchStore } from './elasticsearch-store';
import { indexNames } from './elasticsearch-templates';
import { describeLogStoreContract } from './store-contract';
import type { LogDocument, LogStore } from './types';

/*
 * The Elasticsearch store against a real cluster, only when ELASTICSEARCH_URL is set: the shared
 * behavioural contract plus what only a cluster can show (templates applied, no-op set-up,
 * refusals by the mapping). Each run uses its own aliases (`fstest-<random>-logs`, whose
 * patterns match nothing else, the spec's `fiber-*` included) and deletes what it created.
 */

// lib/config.ts does not declare the ELASTICSEARCH_* variables yet; once it does, read them
// through parseConfig(process.env) like every other module.
const ES = {
  url: process.env.ELASTICSEARCH_URL,
  apiKey: process.env.ELASTICSEARCH_API_KEY || undefined,
  username: process.env.ELASTICSEARCH_USERNAME || undefined,
  password: process.env.ELASTICSEARCH_PASSWORD || undefined,
};

interface LiveStore {
  store: LogStore;
  client: Client;
  logsAlias: string;
  eventsAlias: string;
  refresh(): Promise<void>;
  cleanup(): Promise<void>;
}

async function openLiveStore(): Promise<LiveStore> {
  const client = createElasticsearchClient({ ...ES, url: ES.url! });
  const run = `fstest-${randomBytes(5).toString('hex')}`;
  const logsAlias = `${run}-logs`;
  const eventsAlias = `${run}-events`;
  const store = createElasticsearchStore(client, { logsAlias, eventsAlias });
  await store.setup();
  return {
    store,
    client,
    logsAlias,
    eventsAlias,
    refresh: async () => {
      await client.indices.refresh({ index: [logsAlias, eventsAlias] });
    },
    async cleanup() {
      for (const names of [indexNames(logsAlias), indexNames(eventsAlias)]) {
        // By name: clusters refuse wildcard deletes by default (action.destructive_requires_name).
        const indices = Object.keys(await client.indices.get({ index: names.pattern, expand_wildcards: 'all' }));
        if (indices.length > 0) await client.indices.delete({ index: indices });
        await client.indices.deleteIndexTemplate({ name: names.template }, { ignore: [404] });
        await client.ilm.deleteLifecycle({ name: names.policy }, { ignore: [404] });
      }
      await store.close();
    },
  };
}

describe.runIf(Boolean(ES.url))('Elasticsearch store on a live cluster', () => {
  describeLogStoreContract('Elasticsearch (live)', openLiveStore);

  describe('set-up and writes', () => {
    let live: LiveStore;
    beforeAll(async () => {
      live = await openLiveStore();
    });
    afterAll(async () => {
      await live?.cleanup();
    });

    it('creates the first index from the template, holding the write alias, with the spec settings', async () => {
      const { client, logsAlias } = live;
      const first = `${logsAlias}-000001`;
      const alias = await client.indices.getAlias({ name: logsAlias });
      expect(alias[first]?.aliases[logsAlias]).toMatchObject({ is_write_index: true });
      const settings = (await client.indices.getSettings({ index: first, flat_settings: true }))[first]!.settings as Record<string, unknown>;
      expect(settings).toMatchObject({
        'index.number_of_shards': '1',
        'index.number_of_replicas': '1',
        'index.lifecycle.name': `${logsAlias}-policy`,
        'index.lifecycle.rollover_alias': logsAlias,
      });
    });

    it('a second set-up changes nothing', async () => {
      const { client, store, logsAlias } = live;
      const policy = `${logsAlias}-policy`;
      const before = await client.ilm.getLifecycle({ name: policy });
      const template = await client.indices.getIndexTemplate({ name: logsAlias });
      await store.setup();
      expect((await client.ilm.getLifecycle({ name: policy }))[policy]!.version).toBe(before[policy]!.version);
      expect(await client.indices.getIndexTemplate({ name: logsAlias })).toEqual(template);
      expect(Object.keys(await client.indices.get({ index: `${logsAlias}-*` }))).toEqual([`${logsAlias}-000001`]);
    });

    it('rejects a document the mapping refuses, with the reason, and stores the rest', async () => {
      const { store, refresh } = live;
      const at = new Date();
      const doc = (latency: unknown, message: string): LogDocument => ({
        '@timestamp': at.toISOString(),
        service: 'fiber-api',
        level: 'INFO',
        message,
        request_id: 'req-live-1',
        context: { latency_ms: latency },
      });
      expect(await store.writeLogs([doc(45.23, 'Metrics received from probe')])).toEqual({ written: 1, rejected: [] });
      const bad = doc('fast', 'unparsable latency');
      const result = await store.writeLogs([doc(12.5, 'Metrics received again'), bad]);
      expect(result.written).toBe(1);
      expect(result.rejected).toEqual([{ doc: bad, reason: expect.stringMatching(/parsing_exception: .*context\.latency_ms/) }]);

      await refresh();
      const page = await store.searchLogs({
        from: new Date(at.getTime() - 60_000),
        to: new Date(at.getTime() + 60_000),
        requestId: 'req-live-1',
        text: 'metrics rec',
        limit: 10,
      });
      expect(page.total).toBe(2);
      expect(page.hits.map((h) => h.doc.message)).toEqual(expect.arrayContaining(['Metrics received from probe', 'Metrics received again']));
      expect(page.hits[0]!.highlight?.filter((_, i) => i % 2 === 1)).toEqual(['Metrics', 'received']);
      expect(page.histogram.reduce((n, b) => n + b.count, 0)).toBe(2);
    });
  });
});
