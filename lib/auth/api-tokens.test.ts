import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { insertAuditEntry, listAuditEntries } from '@/lib/audit/queries';
import { config, parseConfig } from '@/lib/config';
import { closeDatabase, getDatabase, type Db } from '@/lib/db/client';
import { queryRows } from '@/lib/db/rows';
import { hashToken } from '@/lib/keys/tokens';
import { createTestDatabase, testDatabaseName, type TestDatabase } from '@/lib/testing/databases';
import { TEST_REDIS_DB } from '@/lib/testing/redis';
import { migrate } from '@/drizzle/migrate';
import { createApiTokenAs, listApiTokenRows, revokeApiTokenAs, type TokenDeps } from './api-tokens';
import { getAuth } from './auth';
import { authenticateRequest, type SessionUser } from './session';
import { createUserAccount } from './users';

/**
 * Read-only API tokens on PostgreSQL 15 (Redis db 2): shown once, stored as a SHA-256 hash,
 * good for viewer endpoints only, dead after revocation, audited by prefix and label.
 */
const base = parseConfig(process.env);
const DB_NAME = testDatabaseName();
const databaseUrl = new URL(base.FIBER_TEST_POSTGRES_URL);
databaseUrl.pathname = `/${DB_NAME}`;
const redisUrl = new URL(base.REDIS_URL);
redisUrl.pathname = `/${TEST_REDIS_DB.admin}`;
vi.stubEnv('DATABASE_URL', databaseUrl.toString());
// No sign-in here, so nothing of this file lands in Redis; the admin db keeps any stray key
// away from the other files, and admin-users.test.ts (which empties it) is unaffected by us.
vi.stubEnv('REDIS_URL', redisUrl.toString());

const bearer = (token: string) => new Request('http://localhost:3000/api/metrics?node_id=x', { headers: { authorization: `Bearer ${token}` } });

describe('read-only API tokens', () => {
  let t: TestDatabase;
  let db: Db;
  let deps: TokenDeps;

  beforeAll(async () => {
    expect(config().DATABASE_URL).toBe(databaseUrl.toString());
    t = await createTestDatabase('postgres', DB_NAME);
    await migrate(t.database, { timescale: 'auto' });
    db = (await getDatabase()).db;
    const created = await createUserAccount(await getAuth(), { name: 'Ama Admin', email: 'ama@noc.example', role: 'admin', password: 'correct horse battery' });
    const actor: SessionUser = { id: created.id, email: created.email, name: 'Ama Admin', role: 'admin' };
    deps = { db, actor, audit: (e) => insertAuditEntry(db, { ...e, actorId: actor.id, actorEmail: actor.email, requestId: 'req-token-test' }) };
  });

  afterAll(async () => {
    await closeDatabase();
    await t?.cleanup();
  });

  it('creates a token shown once: it authenticates viewer GETs, is refused for admin, and only its hash is stored', async () => {
    const res = await createApiTokenAs(deps, { label: '  Grafana on noc-mon-1 ' });
    if (!res.ok || !res.token) throw new Error(`not created: ${JSON.stringify(res)}`);
    expect(res.token).toMatch(/^fsr_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(res.token.startsWith(`${res.prefix}_`)).toBe(true);

    expect(await authenticateRequest(bearer(res.token), 'viewer')).toMatchObject({ kind: 'token', prefix: res.prefix });
    await expect(authenticateRequest(bearer(res.token), 'admin')).rejects.toMatchObject({ status: 403 });

    const stored = await queryRows<Record<string, unknown>>(db, sql`SELECT * FROM api_tokens WHERE prefix = ${res.prefix}`);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).toBe(hashToken(res.token));
    expect(stored[0]!.label).toBe('Grafana on noc-mon-1');
    expect(JSON.stringify(stored)).not.toContain(res.token.slice(res.prefix.length + 1));

    const rows = await listApiTokenRows(db, (id) => (id === deps.actor.id ? deps.actor.email : undefined));
    const row = rows.find((r) => r.prefix === res.prefix)!;
    expect(row).toMatchObject({ label: 'Grafana on noc-mon-1', creatorEmail: 'ama@noc.example', revokedAt: null });
    expect(row.lastUsedAt).toBeInstanceOf(Date);
    expect(row).not.toHaveProperty('tokenHash');
  });

  it('refuses a token after revocation, and a tampered token at once', async () => {
    const res = await createApiTokenAs(deps, { label: 'nightly export script' });
    if (!res.ok || !res.token) throw new Error('not created');
    const tampered = `${res.token.slice(0, -1)}${res.token.endsWith('A') ? 'B' : 'A'}`;
    await expect(authenticateRequest(bearer(tampered), 'viewer')).rejects.toMatchObject({ status: 401 });

    expect(await revokeApiTokenAs(deps, { prefix: res.prefix })).toMatchObject({ ok: true, prefix: res.prefix });
    await expect(authenticateRequest(bearer(res.token), 'viewer')).rejects.toMatchObject({ status: 401 });
    expect(await revokeApiTokenAs(deps, { prefix: res.prefix })).toMatchObject({ ok: false, errors: { form: expect.stringMatching(/revoked already/) } });
    expect(await revokeApiTokenAs(deps, { prefix: 'fsr_nothere1' })).toMatchObject({ ok: false });
  });

  it('validates the label, storing nothing', async () => {
    const before = (await queryRows(db, sql`SELECT 1 FROM api_tokens`)).length;
    for (const label of ['', '   ', 'x'.repeat(101)]) {
      const res = await createApiTokenAs(deps, { label });
      expect(res).toMatchObject({ ok: false, errors: { label: expect.any(String) } });
    }
    expect(await createApiTokenAs(deps, {})).toMatchObject({ ok: false, errors: { label: expect.any(String) } });
    expect((await queryRows(db, sql`SELECT 1 FROM api_tokens`)).length).toBe(before);
  });

  it('audits create and revoke by prefix and label, never the token or its hash', async () => {
    const res = await createApiTokenAs(deps, { label: 'audit me' });
    if (!res.ok || !res.token) throw new Error('not created');
    await revokeApiTokenAs(deps, { prefix: res.prefix });
    const entries = await listAuditEntries(db, { targetType: 'api_token', targetId: res.prefix, limit: 10 });
    expect(entries.map((e) => e.action)).toEqual(['api_token.revoke', 'api_token.create']);
    expect(entries[0]).toMatchObject({
      actorEmail: 'ama@noc.example',
      requestId: 'req-token-test',
      before: { prefix: res.prefix, label: 'audit me', status: 'active' },
      after: { prefix: res.prefix, label: 'audit me', status: 'revoked' },
    });
    const json = JSON.stringify(entries);
    expect(json).not.toContain(res.token);
    expect(json).not.toContain(hashToken(res.token));
    expect(json).not.toMatch(/"[^"]*(hash|secret|token)"\s*:/i);
  });
});
