import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDatabase, type TestDatabase } from '@/lib/testing/databases';
import { pgErrorOf } from './admin-errors';
import { getNodeForAdmin, insertNode } from './admin-queries';
import { EMPTY_NODE_FORM, NODE_LIMITS, formFieldName, nodeFormInput, nodeFormInputFromNode, validateNodeForm, type NodeFormInput } from './admin-schema';
import { COUNTRIES, COUNTRIES_BY_NAME } from './countries';

/**
 * The node form's schema against the `nodes` DDL on PostgreSQL 15: every limit exactly at its
 * boundary and one past it, and for each case the same values inserted raw, so the schema is
 * shown to accept what the database stores and refuse what its constraints refuse.
 */
const valid: NodeFormInput = {
  ...EMPTY_NODE_FORM,
  nodeName: 'probe-gh-accra-01',
  displayName: 'Accra Data Center 1',
  country: 'GH',
  region: 'Ghana',
  city: 'Accra',
  latitude: '5.6037',
  longitude: '-0.1870',
  tags: ['tier1', 'datacenter'],
  cpu: '2 cores',
  ram: '4GB',
  os: 'Ubuntu 22.04',
};
const form = (over: Partial<NodeFormInput>): NodeFormInput => ({ ...valid, ...over });
const x = (n: number, c = 'a') => c.repeat(n);
const EMOJI = '📡';

function schemaVerdict(input: NodeFormInput): 'ok' | string {
  const r = validateNodeForm(input);
  if (r.ok) return 'ok';
  const fields = Object.keys(r.errors);
  return fields.length === 1 ? fields[0]! : fields.join(',');
}

class Rollback extends Error {}

describe('nodeFormSchema', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createMigratedDatabase('postgres');
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  /** The input as it stands (no trimming, no rounding) inserted into `nodes`, rolled back: 'ok' or the SQLSTATE. */
  async function databaseVerdict(input: NodeFormInput): Promise<string> {
    try {
      await t.database.db.transaction(async (tx) => {
        await tx.execute(sql`
          INSERT INTO nodes (node_name, display_name, country, region, city, latitude, longitude, is_active, hardware_info, tags)
          VALUES (${input.nodeName}, ${input.displayName || null}, ${input.country}, ${input.region}, ${input.city || null},
                  ${input.latitude || null}::numeric, ${input.longitude || null}::numeric, ${input.isActive},
                  ${input.hardwareJson || null}::jsonb, ${JSON.stringify(input.tags)}::jsonb)`);
        throw new Rollback();
      });
    } catch (err) {
      if (err instanceof Rollback) return 'ok';
      const pg = pgErrorOf(err);
      if (!pg) throw err;
      return pg.code;
    }
    throw new Error('unreachable');
  }

  // [case, input, schema verdict (ok or the field named), database verdict (ok or SQLSTATE)]
  const cases: [string, Partial<NodeFormInput>, string, string][] = [
    ['node_name at 255', { nodeName: x(255) }, 'ok', 'ok'],
    ['node_name at 256', { nodeName: x(256) }, 'nodeName', '22001'],
    ['node_name of 255 emoji (characters, not UTF-16 units)', { nodeName: x(255, EMOJI) }, 'ok', 'ok'],
    ['node_name of 256 emoji', { nodeName: x(256, EMOJI) }, 'nodeName', '22001'],
    ['node_name with NUL', { nodeName: 'probe\u0000x' }, 'nodeName', '22021'],
    ['node_name with markup', { nodeName: '<img src=x onerror=alert(1)>' }, 'ok', 'ok'],
    ['display_name at 255', { displayName: x(255) }, 'ok', 'ok'],
    ['display_name at 256', { displayName: x(256) }, 'displayName', '22001'],
    ['region at 100', { region: x(100) }, 'ok', 'ok'],
    ['region at 101', { region: x(101) }, 'region', '22001'],
    ['city at 100', { city: x(100, 'é') }, 'ok', 'ok'],
    ['city at 101', { city: x(101, 'é') }, 'city', '22001'],
    ['country lower case', { country: 'gh' }, 'country', '23514'],
    ['country with a digit', { country: 'G1' }, 'country', '23514'],
    ['country of three letters', { country: 'GHA' }, 'country', '22001'],
    ['country of one letter (CHAR(2) pads it)', { country: 'G' }, 'country', '23514'],
    ['latitude 90', { latitude: '90' }, 'ok', 'ok'],
    ['latitude -90', { latitude: '-90.000000' }, 'ok', 'ok'],
    ['latitude 90.000001', { latitude: '90.000001' }, 'latitude', '23514'],
    ['latitude -90.000001', { latitude: '-90.000001' }, 'latitude', '23514'],
    ['latitude 90.0000004 (rounds to 90)', { latitude: '90.0000004' }, 'ok', 'ok'],
    ['latitude 90.0000005 (rounds to 90.000001)', { latitude: '90.0000005' }, 'latitude', '23514'],
    ['longitude 180', { longitude: '180' }, 'ok', 'ok'],
    ['longitude -180', { longitude: '-180' }, 'ok', 'ok'],
    ['longitude 180.000001', { longitude: '180.000001' }, 'longitude', '23514'],
    ['longitude -180.0000005', { longitude: '-180.0000005' }, 'longitude', '23514'],
    ['longitude 1000 (past numeric(9,6) itself)', { longitude: '1000' }, 'longitude', '22003'],
    ['no coordinates', { latitude: '', longitude: '' }, 'ok', 'ok'],
    ['hardware JSON with a NUL escape', { hardwareJson: '{"disk":"a\\u0000b"}' }, 'hardwareJson', '22P05'],
    ['hardware JSON that does not parse', { hardwareJson: '{disk: 32}' }, 'hardwareJson', '22P02'],
  ];

  it.each(cases)('%s', async (_name, over, schema, database) => {
    const input = form(over);
    expect(schemaVerdict(input)).toBe(schema);
    expect(await databaseVerdict(input)).toBe(database);
  });

  it('is stricter than the database only where the database would store nonsense', async () => {
    // [input, field]: the database takes these, the schema does not.
    const stricter: [Partial<NodeFormInput>, string][] = [
      [{ nodeName: '   ' }, 'nodeName'],
      [{ region: '' }, 'region'],
      [{ country: 'XX' }, 'country'],
      [{ latitude: '5.6', longitude: '' }, 'longitude'],
      [{ latitude: '', longitude: '-0.18' }, 'latitude'],
      [{ hardwareJson: '[1, 2]' }, 'hardwareJson'],
      [{ hardwareJson: '{"cpu": "4 cores"}' }, 'hardwareJson'],
      [{ tags: ['a,b'] }, 'tags'],
    ];
    for (const [over, field] of stricter) {
      expect(schemaVerdict(form(over)), JSON.stringify(over)).toBe(field);
      if (!over.tags && !over.hardwareJson) expect(await databaseVerdict(form(over)), JSON.stringify(over)).toBe('ok');
    }
  });

  it('holds tags and hardware fields to their limits, naming the field', () => {
    const tag = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
    expect(schemaVerdict(form({ tags: tag(NODE_LIMITS.tags) }))).toBe('ok');
    expect(schemaVerdict(form({ tags: tag(NODE_LIMITS.tags + 1) }))).toBe('tags');
    expect(schemaVerdict(form({ tags: [x(NODE_LIMITS.tag, EMOJI)] }))).toBe('ok');
    expect(schemaVerdict(form({ tags: [x(NODE_LIMITS.tag + 1)] }))).toBe('tags');
    expect(schemaVerdict(form({ tags: [''] }))).toBe('tags');
    expect(schemaVerdict(form({ tags: ['a', 'a'] }))).toBe('tags');
    for (const field of ['cpu', 'ram', 'os'] as const) {
      expect(schemaVerdict(form({ [field]: x(NODE_LIMITS.hardwareText) }))).toBe('ok');
      expect(schemaVerdict(form({ [field]: x(NODE_LIMITS.hardwareText + 1) }))).toBe(field);
    }
    const json = (n: number) => `{"x":"${x(n - 8)}"}`;
    expect(json(NODE_LIMITS.hardwareJson)).toHaveLength(NODE_LIMITS.hardwareJson);
    expect(schemaVerdict(form({ hardwareJson: json(NODE_LIMITS.hardwareJson) }))).toBe('ok');
    expect(schemaVerdict(form({ hardwareJson: json(NODE_LIMITS.hardwareJson + 1) }))).toBe('hardwareJson');
    expect(schemaVerdict(form({ latitude: '1e2' }))).toBe('latitude');
    expect(schemaVerdict(form({ latitude: '5,6' }))).toBe('latitude');
    // A bad latitude is reported as such, not as a missing half of the pair.
    expect(schemaVerdict(form({ latitude: 'abc', longitude: '' }))).toBe('latitude');
  });

  it('rounds coordinates as numeric(9,6) does, half away from zero', async () => {
    const r = validateNodeForm(form({ latitude: '5.1234565', longitude: '-0.0000005' }));
    expect(r.ok && [r.values.latitude, r.values.longitude]).toEqual([5.123457, -0.000001]);
    const rows = await t.database.db.execute(sql`SELECT '5.1234565'::numeric(9,6)::text AS a, '-0.0000005'::numeric(9,6)::text AS b`);
    const row = (Array.isArray(rows) ? rows[0] : (rows as unknown as { rows: unknown[] }).rows[0]) as { a: string; b: string };
    expect([Number(row.a), Number(row.b)]).toEqual([5.123457, -0.000001]);
  });

  it('merges CPU, RAM, OS and the JSON into one hardware_info; empty fields store NULL', () => {
    const r = validateNodeForm(form({ hardwareJson: ' {"disk": "32GB", "nics": 2} ' }));
    expect(r.ok && r.values.hardwareInfo).toEqual({ disk: '32GB', nics: 2, cpu: '2 cores', ram: '4GB', os: 'Ubuntu 22.04' });
    const empty = validateNodeForm(form({ cpu: '', ram: '', os: '', tags: [], displayName: '  ', city: '' }));
    expect(empty.ok && [empty.values.hardwareInfo, empty.values.tags, empty.values.displayName, empty.values.city]).toEqual([null, null, null, null]);
  });

  it('stores a sample of valid rows and reads each back to the same form', async () => {
    const samples: NodeFormInput[] = [
      valid,
      form({ nodeName: 'probe-ng-lagos-01', country: 'NG', region: 'Nigeria', latitude: '6.5244', longitude: '3.3792', tags: [], isActive: false }),
      form({ nodeName: 'probe-ke-nairobi-01', displayName: '', country: 'KE', region: 'Kenya', city: '', latitude: '', longitude: '', cpu: '', ram: '', os: '' }),
      form({ nodeName: `extremes-${EMOJI}`, latitude: '-90', longitude: '180', hardwareJson: '{"gpu": null, "disks": ["a", "b"], "nested": {"x": 1}}' }),
      form({ nodeName: '<img src=x onerror=alert(1)>', displayName: '"quoted" & <b>bold</b>', tags: ['<script>', 'ünïcode'] }),
    ];
    for (const input of samples) {
      const r = validateNodeForm(input);
      if (!r.ok) throw new Error(`refused ${input.nodeName}: ${JSON.stringify(r.errors)}`);
      const stored = await insertNode(t.database.db, r.values);
      const back = nodeFormInputFromNode((await getNodeForAdmin(t.database.db, stored.nodeId))!);
      const again = validateNodeForm(back);
      expect(again.ok && again.values, input.nodeName).toEqual(r.values);
    }
  });

  it('reads a FormData as the browser submits it, with snake_case input names (never nodeName, which clobbers form.nodeName)', () => {
    const fd = new FormData();
    for (const [k, v] of Object.entries({ node_name: 'n', country: 'GH', region: 'Ghana', latitude: '1', longitude: '2', is_active: 'on', hardware_json: '{}' })) fd.set(k, v);
    fd.append('tags', 'a');
    fd.append('tags', 'b');
    expect(nodeFormInput(fd)).toMatchObject({ nodeName: 'n', isActive: true, tags: ['a', 'b'], city: '', hardwareJson: '{}' });
    expect(formFieldName('nodeName')).toBe('node_name');
    fd.delete('is_active');
    expect(nodeFormInput(fd).isActive).toBe(false);
  });
});

describe('countries', () => {
  it('lists every ISO 3166-1 alpha-2 code once, each known to ICU', () => {
    const codes = COUNTRIES.map(([code]) => code);
    expect(codes).toHaveLength(249);
    expect(new Set(codes).size).toBe(249);
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    expect(codes.filter((c) => names.of(c) === c)).toEqual([]);
    expect(COUNTRIES_BY_NAME.map((c) => c.code)).toEqual(expect.arrayContaining(['GH', 'NG', 'KE', 'ZA', 'EG', 'SS', 'US']));
  });
});
