import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageMode } from '../db/mode';
import { queryRows, toNumber } from '../db/rows';
import { clearProbeKeyCache } from '../keys/authenticate';
import { issueProbeKey } from '../keys/issue';
import { generateProbeKey } from '../keys/tokens';
import { log } from '../log';
import { insertMissingNodes } from '../nodes/queries';
import { DEAD_LETTER_STREAM, ETL_STREAM } from '../queue/stream';
import { drainStream } from '../testing/consumer';
import { createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { TEST_REDIS_DB, freshTestRedis } from '../testing/redis';
import { handlePush, type PushSettings } from './push';
import { unstorableText } from './schemas';

/**
 * Property-based contract of POST /api/push: thousands of generated invalid requests are each
 * refused with the right 4xx (never 2xx, never 5xx), name exactly the fields at fault, and leave
 * nothing in fiber:etl:queue; generated valid requests are always 202, and what is accepted is
 * stored by the real worker with the values sent. The expected outcome of every generated case
 * is derived from the generator (the defect it planted), not from the code under test.
 */

const MIN = 60_000;
const DAY = 86_400_000;
const MAX_BODY = 256 * 1024;
const SETTINGS: PushSettings = { maxBodyBytes: MAX_BODY, rateLimitPerMinute: 1_000_000_000, maxBacklog: 1_000_000_000 };
const REQUIRED = ['node_id', 'country', 'region', 'timestamp'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Sample = Record<string, unknown>;
type Auth = { kind: 'own' } | { kind: 'header'; value: string | null };

interface Case {
  label: string;
  body: string;
  auth: Auth;
  contentType: string;
  /** Status expected for this defect (413 wins whenever the body is over the limit, see `expected`). */
  status: number;
  /** For 422 and 403: exactly the JSON pointers the answer must name. */
  paths?: string[];
}


// ---- generators ----------------------------------------------------------------------------

/** Strings PostgreSQL can store: no U+0000, no unpaired surrogate (the schema refuses them; see push.test.ts). */
const storable = (s: string) => unstorableText(s) === undefined;
/** The same for a JSON value: JSON.stringify writes U+0000 as the escape `\u0000`, which jsonb refuses. */
const storableJson = (v: unknown) => unstorableText(v) === undefined;

/** Printable ASCII, or any Unicode code points (astral ones count 2 towards zod's .length). */
const anyText = (maxLength: number, minLength = 0) =>
  fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength: Math.max(minLength, Math.floor(maxLength / 2)) }));

/** An ISO 8601 date-time with a zone, in the forms the schema accepts. */
function isoAt(ms: number, form: number, offsetMin: number): string {
  const utc = new Date(ms).toISOString();
  if (form === 0) return utc;
  if (form === 1) return utc.replace(/\.\d{3}Z$/, 'Z');
  const local = new Date(ms + offsetMin * MIN).toISOString().slice(0, 23);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const timestampWithin = (fromMs: number, toMs: number) =>
  fc
    .tuple(fc.integer({ min: fromMs, max: toMs }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: -12 * 60, max: 14 * 60 }))
    .map(([ms, form, offset]) => isoAt(ms, form, offset));

const jsonMetadata = (unit: 'grapheme-ascii' | 'binary') =>
  fc.dictionary(
    fc.string({ unit, maxLength: 12 }).filter((k) => k !== '__proto__'),
    fc.jsonValue({ maxDepth: 3, stringUnit: unit }),
    { maxKeys: 6, noNullPrototype: true },
  );

/**
 * A sample within every limit (with a margin on the clock, since generation and the request are
 * a few seconds apart): the own node id in either case, optional fields present or not, unknown
 * extra fields (they are dropped).
 */
function validSample(nodeId: string, opts: { nul: boolean } = { nul: false }): fc.Arbitrary<Sample> {
  const now = Date.now();
  const text = (max: number, min = 0) => (opts.nul ? anyText(max, min) : anyText(max, min).filter(storable));
  return fc
    .record(
      {
        node_id: fc.constantFrom(nodeId, nodeId.toUpperCase()),
        country: fc.stringMatching(/^[A-Z]{2}$/),
        region: text(100, 1).filter((s) => s.trim().length >= 1 && s.trim().length <= 100),
        timestamp: timestampWithin(now - 7 * DAY + 30 * MIN, now + 3 * MIN),
        latency_ms: fc.oneof(fc.double({ min: 0, max: 9999.99, noNaN: true }), fc.integer({ min: 0, max: 9999 })),
        uptime_pct: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(0, 100, 99.95)),
        packet_loss: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(0, 100, 0.12)),
        metadata: opts.nul ? jsonMetadata('binary') : fc.oneof(jsonMetadata('grapheme-ascii'), jsonMetadata('binary').filter(storableJson)),
        target_host: text(255).filter((s) => s.length <= 255),
        probe_type: text(50).filter((s) => s.length <= 50),
        x_extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['node_id', 'country', 'region', 'timestamp'] },
    )
    .map((s) => s as Sample);
}

const notString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const notNumber = fc.oneof(
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '45.23', '', '0x10', ' 1', 'null'),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 2 }),
  fc.record({ value: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
);
const negative = fc.oneof(
  fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.constantFrom(-0.001, -0.004, -1e-300),
);
const overLatency = fc.oneof(
  fc.double({ min: 9999.995, max: 1e300, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(10000, 9999.995, 9999.996, 10000.01, 1e15),
);
const overPercent = fc.oneof(
  fc.double({ min: 100.005, max: 1e300, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(100.01, 100.005, 101, 1e6),
);
const hugeString = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.constantFrom('x', 'é', '😀', ' y')).map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

function badValues(): Record<string, fc.Arbitrary<unknown>> {
  const now = Date.now();
  const uuidVariant = fc.uuid().chain((u) =>
    fc.constantFrom(u.slice(1), `${u}a`, u.replace(/-/g, ''), `g${u.slice(1)}`, `{${u}}`, ` ${u}`, `${u}\n`, u.replaceAll('-', '_')),
  );
  return {
    node_id: fc.oneof(uuidVariant, fc.string({ maxLength: 40 }).filter((s) => !GUID.test(s)), notString),
    country: fc.oneof(
      fc.stringMatching(/^[a-z]{2}$/),
      fc.stringMatching(/^[A-Z][a-z]$/),
      fc.stringMatching(/^[A-Z]{3,6}$/),
      fc.stringMatching(/^[A-Z]$/),
      fc.constantFrom('', 'G1', 'GH\n', ' GH', 'ÉT'),
      fc.string({ maxLength: 6 }).filter((s) => !/^[A-Z]{2}$/.test(s)),
      notString,
    ),
    region: fc.oneof(
      fc.constant(''),
      fc.stringMatching(/^[ \t\n\r]{1,20}$/),
      fc.string({ minLength: 101, maxLength: 400 }).filter((s) => s.trim().length > 100),
      hugeString(10_000, 60_000),
      notString,
    ),
    timestamp: fc.oneof(
      timestampWithin(now + 6 * MIN, now + 3650 * DAY),
      timestampWithin(now - 50 * 365 * DAY, now - 7 * DAY - 2 * MIN),
      timestampWithin(now - DAY, now).map((s) => s.slice(0, 19)), // no zone
      timestampWithin(now - DAY, now).map((s) => s.slice(0, 10)), // date only
      timestampWithin(now - DAY, now).map((s) => s.replace('T', ' ')),
      fc.constantFrom('2025-13-01T00:00:00Z', '2025-00-10T00:00:00Z', '2025-04-31T00:00:00Z', '2025-02-29T00:00:00Z', '2025-11-24T24:00:00Z', '2025-11-24T16:60:00Z', 'now', 'Invalid Date'),
      fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d\d-\d\dT/.test(s)),
      fc.integer({ min: 0, max: 4_000_000_000_000 }),
      notString,
    ),
    latency_ms: fc.oneof(negative, overLatency, notNumber),
    uptime_pct: fc.oneof(negative, overPercent, notNumber),
    packet_loss: fc.oneof(negative, overPercent, notNumber),
    metadata: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.string({ maxLength: 20 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
    target_host: fc.oneof(fc.string({ minLength: 256, maxLength: 600 }), hugeString(1_000, 300_000), notString),
    probe_type: fc.oneof(fc.string({ minLength: 51, maxLength: 300 }), notString),
  };
}

type Corruption = { field: string; value: unknown } | { field: string; missing: true };

function corruptions(): fc.Arbitrary<Corruption[]> {
  const bad = badValues();
  const one: fc.Arbitrary<Corruption> = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...Object.keys(bad)).chain((field) => bad[field]!.map((value) => ({ field, value }))) },
    { weight: 1, arbitrary: fc.constantFrom(...REQUIRED).map((field) => ({ field, missing: true as const })) },
  );
  return fc.uniqueArray(one, { minLength: 1, maxLength: 4, selector: (c) => c.field });
}

function corrupt(sample: Sample, cs: Corruption[]): Sample {
  const copy = { ...sample };
  for (const c of cs) {
    if ('missing' in c) delete copy[c.field];
    else copy[c.field] = c.value;
  }
  return copy;
}

function invalidCases(nodeId: string): fc.Arbitrary<Case> {
  const valid = validSample(nodeId);
  const own: Auth = { kind: 'own' };
  const json = 'application/json';
  const make = (label: string, body: unknown, status: number, paths?: string[]): Case => ({
    label,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    auth: own,
    contentType: json,
    status,
    paths,
  });
  const otherNode = fc.uuid().filter((u) => u.toLowerCase() !== nodeId.toLowerCase());

  return fc.oneof(
    // One sample with 1-4 bad or missing fields.
    { weight: 10, arbitrary: fc.tuple(valid, corruptions()).map(([s, cs]) => make('single', corrupt(s, cs), 422, cs.map((c) => `/${c.field}`))) },
    // A batch mixing good and bad samples: every bad field of every sample is named.
    {
      weight: 10,
      arbitrary: fc
        .array(fc.tuple(valid, fc.option(corruptions(), { freq: 2 })), { minLength: 1, maxLength: 25 })
        .chain((items) => (items.some(([, cs]) => cs) ? fc.constant(items) : fc.tuple(valid, corruptions()).map((bad) => [...items, bad] as typeof items)))
        .map((items) =>
          make(
            'batch',
            { samples: items.map(([s, cs]) => (cs ? corrupt(s, cs) : s)) },
            422,
            items.flatMap(([, cs], i) => (cs ?? []).map((c) => `/samples/${i}/${c.field}`)),
          ),
        ),
    },
    // Batch items that are not objects, and extra nesting.
    {
      weight: 3,
      arbitrary: fc
        .array(fc.oneof(valid.map((s) => ({ item: s as unknown, bad: false })), notString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => ({ item: v, bad: true }))), { minLength: 1, maxLength: 10 })
        .filter((items) => items.some((x) => x.bad))
        .map((items) => make('batch-items', { samples: items.map((x) => x.item) }, 422, items.flatMap((x, i) => (x.bad ? [`/samples/${i}`] : [])))),
    },
    {
      weight: 3,
      arbitrary: valid.chain((s) =>
        fc.constantFrom(
          make('nested-sample', { sample: s }, 422, REQUIRED.map((f) => `/${f}`)),
          make('nested-samples', { samples: [{ samples: [s] }] }, 422, REQUIRED.map((f) => `/samples/0/${f}`)),
          make('nested-array', { samples: [[s]] }, 422, ['/samples/0']),
          make('node-id-object', { ...s, node_id: { id: nodeId } }, 422, ['/node_id']),
          make('top-array', [s], 422, ['/']),
          make('top-array-of-batch', [{ samples: [s] }], 422, ['/']),
        ),
      ),
    },
    // The body is JSON but not an object, or "samples" is not a usable array.
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.boolean(), fc.constant(null)).map((v) => make('top-primitive', JSON.stringify(v), 422, ['/'])) },
    { weight: 2, arbitrary: fc.oneof(notString.filter((v) => !Array.isArray(v)), fc.constant([])).map((v) => make('samples-not-array', { samples: v }, 422, ['/samples'])) },
    {
      weight: 1,
      arbitrary: valid.map((s) => {
        const small = { node_id: s.node_id, country: s.country, region: 'r', timestamp: s.timestamp };
        return make('samples-1001', { samples: Array.from({ length: 1001 }, () => small) }, 422, ['/samples']);
      }),
    },
    // A number literal beyond a double (parses as Infinity).
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.constantFrom('latency_ms', 'uptime_pct', 'packet_loss'), fc.constantFrom('1e999', '-1e999', '1E400')).map(([s, field, literal]) => {
        const rest = { ...s };
        delete rest[field];
        const text = JSON.stringify({ [field]: 0, ...rest }).replace(`{"${field}":0`, `{"${field}":${literal}`);
        return make('infinite-literal', text, 422, [`/${field}`]);
      }),
    },
    // Not JSON at all: truncated, garbage appended, NaN literal, single quotes.
    {
      weight: 3,
      arbitrary: fc.tuple(valid, fc.nat(), fc.constantFrom('truncate', 'append', 'nan', 'quotes', 'empty', 'bom')).map(([s, n, how]) => {
        const text = JSON.stringify(s);
        const body =
          how === 'truncate'
            ? text.slice(0, n % text.length)
            : how === 'append'
              ? `${text}${'x}],'.charAt(n % 4)}`
              : how === 'nan'
                ? text.replace(/^\{/, '{"latency_ms":NaN,')
                : how === 'quotes'
                  ? text.replaceAll('"', "'")
                  : how === 'empty'
                    ? ''
                    : `\uFEFF${text}`;
        return make(`unparsable-${how}`, body, 400);
      }),
    },
    // A valid sample for another node: 403 naming where.
    {
      weight: 2,
      arbitrary: fc.tuple(validSample(nodeId), otherNode, fc.boolean()).map(([s, other, batch]) =>
        batch
          ? make('wrong-node-batch', { samples: [s, { ...s, node_id: other }] }, 403, ['/samples/1/node_id'])
          : make('wrong-node', { ...s, node_id: other }, 403, ['/node_id']),
      ),
    },
    // No usable key.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          valid,
          fc.oneof(
            fc.constant(null),
            fc.constant(`Bearer ${generateProbeKey().key}`),
            fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
            fc.string({ maxLength: 60 }),
            fc.constantFrom('Bearer', 'Basic dXNlcjpwYXNz', 'Bearer fsp_abc', 'bearer  '),
          ),
        )
        .map(([s, value]) => ({ ...make('bad-auth', s, 401), auth: { kind: 'header' as const, value } })),
    },
    // Not declared as JSON.
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', '', 'application/jsonx', 'json', 'text/json', 'application/x-www-form-urlencoded'))
        .map(([s, contentType]) => ({ ...make('media-type', s, 415), contentType })),
    },
    // Over the size limit, with a valid or invalid body inside.
    {
      weight: 1,
      arbitrary: fc.tuple(valid, hugeString(MAX_BODY, 2 * MAX_BODY)).map(([s, pad]) => make('oversize', { ...s, metadata: { pad } }, 413)),
    },
  );
}

/** The status the server must answer: an over-size body is refused before it is parsed. */
function expected(c: Case): number {
  if (c.status === 401 || c.status === 415) return c.status;
  return Buffer.byteLength(c.body) > MAX_BODY ? 413 : c.status;
}

/** DECIMAL(…,2) rounding of the value as sent (its shortest decimal form, half away from zero). */
function decimal2(v: number): number {
  const s = String(v);
  if (/e-/.test(s)) return 0;
  const [int, frac = ''] = s.split('.');
  const padded = `${frac}000`;
  let cents = BigInt(int!) * 100n + BigInt(padded.slice(0, 2));
  if (Number(padded[2]) >= 5) cents += 1n;
  return Number(cents) / 100;
}

describe('POST /api/push properties', () => {
  let redis: Redis;
  let t: TestDatabase & { mode: StorageMode };
  let nodeId: string;
  let key: string;

  async function send(c: Pick<Case, 'body' | 'auth' | 'contentType'>) {
    const headers: Record<string, string> = { 'content-type': c.contentType, 'user-agent': 'fiberstack-probe/9.9.9' };
    const authorization = c.auth.kind === 'own' ? `Bearer ${key}` : c.auth.value;
    if (authorization !== null) headers.authorization = authorization;
    const req = new Request('http://test/api/push', { method: 'POST', headers, body: c.body });
    const res = await handlePush(req, { db: t.database.db, redis, settings: SETTINGS });
    return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
  }

  const metricCount = async () => toNumber((await queryRows<{ n: unknown }>(t.database.db, sql`SELECT count(*) AS n FROM metrics`))[0]?.n) ?? 0;

  beforeAll(async () => {
    redis = await freshTestRedis(TEST_REDIS_DB.pushProperty);
    t = await createMigratedDatabase('pglite');
    const n = testNode();
    await insertMissingNodes(t.database.db, [n]);
    nodeId = n.nodeId;
    key = (await issueProbeKey(t.database.db, nodeId, 'property')).key;
    clearProbeKeyCache();
  }, 600_000);

  afterAll(async () => {
    await t?.cleanup();
    await redis?.flushdb();
    redis?.disconnect();
  });

  it('refuses every generated invalid request with its 4xx, naming exactly the fields at fault, and stores nothing', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(invalidCases(nodeId), async (c) => {
        const want = expected(c);
        const r = await send(c);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(r.status, `${c.label}: ${r.text.slice(0, 500)}`).toBe(want);
        expect(r.contentType).toBe('application/problem+json');
        const problem = JSON.parse(r.text) as { status: number; title: string; detail: string; errors?: { path: string; message: string }[] };
        expect(problem.status).toBe(want);
        expect(problem.title.length).toBeGreaterThan(0);
        expect(problem.detail.length).toBeGreaterThan(0);
        if (want === 422 || want === 403) {
          expect(Array.isArray(problem.errors) && problem.errors.length > 0).toBe(true);
          for (const e of problem.errors!) {
            expect(e.path).toMatch(/^\//);
            expect(e.message.length).toBeGreaterThan(0);
          }
          expect([...new Set(problem.errors!.map((e) => e.path))].sort(), c.label).toEqual([...new Set(c.paths)].sort());
        }
        expect(await redis.xlen(ETL_STREAM)).toBe(0);
      }),
      { numRuns: 3000 },
    );
    // Every class of refusal was exercised.
    expect([...statuses.keys()].sort()).toEqual([400, 401, 403, 413, 415, 422]);
    expect(statuses.get(422)).toBeGreaterThan(1200);
    expect(await redis.xlen(ETL_STREAM)).toBe(0);
    expect(await metricCount()).toBe(0);
  });

  it('accepts every generated valid request (single or batch) with 202 and one stream entry per sample', async () => {
    await redis.del(ETL_STREAM);
    let total = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          validSample(nodeId).map((s) => ({ body: s as unknown, n: 1 })),
          fc.array(validSample(nodeId), { minLength: 1, maxLength: 30 }).map((samples) => ({ body: { samples } as unknown, n: samples.length })),
        ),
        async ({ body, n }) => {
          const r = await send({ body: JSON.stringify(body), auth: { kind: 'own' }, contentType: 'application/json' });
          expect(r.status, r.text.slice(0, 500)).toBe(202);
          const answer = JSON.parse(r.text) as { accepted: number; ids: string[] };
          expect(answer.accepted).toBe(n);
          expect(new Set(answer.ids).size).toBe(n);
          total += n;
          expect(await redis.xlen(ETL_STREAM)).toBe(total);
        },
      ),
      { numRuns: 600 },
    );
    await redis.del(ETL_STREAM);
  });

  it('stores what it accepted: generated valid samples reach metrics with the values sent, none dead-lettered', async () => {
    await redis.del(ETL_STREAM);
    const before = await metricCount();
    const accepted: Sample[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(validSample(nodeId, { nul: false }), { minLength: 1, maxLength: 8 }), async (samples) => {
        const r = await send({ body: JSON.stringify({ samples }), auth: { kind: 'own' }, contentType: 'application/json' });
        expect(r.status, r.text.slice(0, 500)).toBe(202);
        accepted.push(...samples);
      }),
      { numRuns: 200 },
    );

    await drainStream(redis, t.database, t.mode, {
      consumer: 'property-test',
      settings: { batchSize: 500, blockMs: 50, claimIdleMs: 60_000, maxDeliveries: 5 },
      logger: log('fiber-worker'),
    });
    expect(await redis.xlen(DEAD_LETTER_STREAM)).toBe(0);

    // uq_metrics_sample keeps one row per (node, time, probe_type, target_host): the first one sent.
    const identity = (time: number, probeType: unknown, targetHost: unknown) => JSON.stringify([time, probeType ?? null, targetHost ?? null]);
    const firstOf = new Map<string, Sample>();
    for (const s of accepted) {
      const id = identity(Date.parse(String(s.timestamp)), s.probe_type, s.target_host);
      if (!firstOf.has(id)) firstOf.set(id, s);
    }
    expect(await metricCount()).toBe(before + firstOf.size);

    const rows = await queryRows<Record<string, unknown>>(
      t.database.db,
      sql`SELECT (extract(epoch FROM time) * 1000)::float8 AS time_ms, latency_ms, uptime_pct, packet_loss, target_host, probe_type, metadata
          FROM metrics WHERE node_id = ${nodeId}::uuid`,
    );
    let compared = 0;
    for (const row of rows) {
      const sent = firstOf.get(identity(toNumber(row.time_ms)!, row.probe_type, row.target_host));
      if (!sent) continue;
      compared++;
      const num = (v: unknown) => (typeof v === 'number' ? decimal2(v) : null);
      expect({
        latency_ms: toNumber(row.latency_ms),
        uptime_pct: toNumber(row.uptime_pct),
        packet_loss: toNumber(row.packet_loss),
        metadata: typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata,
      }).toEqual({
        latency_ms: num(sent.latency_ms),
        uptime_pct: num(sent.uptime_pct),
        packet_loss: num(sent.packet_loss),
        metadata: sent.metadata === undefined ? null : JSON.parse(JSON.stringify(sent.metadata)),
      });
    }
    expect(compared).toBe(firstOf.size);
    // Sanity: the generator really produced distinct samples, and a node other than ours was never touched.
    expect(firstOf.size).toBeGreaterThan(500);
    const stray = await queryRows<{ n: unknown }>(t.database.db, sql`SELECT count(*) AS n FROM metrics WHERE node_id <> ${nodeId}::uuid`);
    expect(toNumber(stray[0]?.n)).toBe(0);
  });
});
