import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { config, parseConfig } from '@/lib/config';
import { closeDatabase } from '@/lib/db/client';
import { insertApiToken } from '@/lib/auth/queries';
import { generateToken } from '@/lib/keys/tokens';
import { insertMissingNodes } from '@/lib/nodes/queries';
import { getRedis } from '@/lib/redis';
import { createTestDatabase, testDatabaseName, testNode, type TestDatabase } from '@/lib/testing/databases';
import { TEST_REDIS_DB } from '@/lib/testing/redis';
import { settlesWithin } from '@/lib/testing/processes';
import { startTcpProxy } from '@/lib/testing/tcp-proxy';
import { migrate } from '@/drizzle/migrate';
import { getAuth } from '@/lib/auth/auth';
import { POST as authPost } from './auth/[...all]/route';
import { GET as getNodes } from './nodes/route';

/**
 * The route modules wired as in production, with the web process's database reached through a
 * TCP proxy that can freeze the link: a PostgreSQL that stops answering without an error (a
 * frozen host, a link silently dropping packets). Set before anything reads the configuration.
 */
const base = parseConfig(process.env);
const DB_NAME = testDatabaseName();
const direct = new URL(base.FIBER_TEST_POSTGRES_URL);
direct.pathname = `/${DB_NAME}`;
const link = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
const redisUrl = new URL(base.REDIS_URL);
// Only the metrics cache would use it, and /api/nodes has none: db 7 is shared with routes.test.ts.
redisUrl.pathname = `/${TEST_REDIS_DB.metricsRoutes}`;
const DEADLINE_MS = 1_500;
vi.stubEnv('DATABASE_URL', link.urlThrough(direct.toString()));
vi.stubEnv('REDIS_URL', redisUrl.toString());
vi.stubEnv('API_REQUEST_DEADLINE_MS', String(DEADLINE_MS));

const token = generateToken('fsr');
const authed = (url: string) => new Request(url, { headers: { authorization: `Bearer ${token.key}` } });

/** Within the deadline plus 10 s, or the test fails: the point is that nothing waits for the link. */
const answeredInTime = (request: Promise<Response>) => settlesWithin(request, DEADLINE_MS + 10_000, 'an answer at the deadline');

const signIn = () =>
  authPost(
    new Request('http://localhost:3000/api/auth/sign-in/email', {
      method: 'POST',
      headers: { host: 'localhost:3000', origin: 'http://localhost:3000', 'content-type': 'application/json', 'x-fiber-client-ip': '10.4.4.4' },
      body: JSON.stringify({ email: 'nobody@noc.example', password: 'not the password' }),
    }),
  );

describe('an API request while PostgreSQL stops answering', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    expect(config().API_REQUEST_DEADLINE_MS).toBe(DEADLINE_MS);
    t = await createTestDatabase('postgres', DB_NAME);
    await migrate(t.database, { timescale: 'auto' });
    await insertMissingNodes(t.database.db, [testNode()]);
    await insertApiToken(t.database.db, { prefix: token.prefix, hash: token.hash, label: 'deadline test', createdBy: null });
    await getAuth(); // built (its secret read) while the database answers
  });
  afterAll(async () => {
    link.thaw();
    getRedis(config().REDIS_URL).disconnect();
    await closeDatabase();
    await link.close();
    await t?.cleanup();
    vi.unstubAllEnvs();
  });

  it('is answered 503 problem+json with Retry-After at its deadline, not left waiting, and works again once the database answers', async () => {
    expect((await getNodes(authed('http://localhost/api/nodes'))).status).toBe(200);

    link.freeze();
    const late = await answeredInTime(getNodes(authed('http://localhost/api/nodes')));
    expect(late.status).toBe(503);
    expect(late.headers.get('content-type')).toBe('application/problem+json');
    expect(late.headers.get('retry-after')).toBe('5');
    expect(await late.json()).toMatchObject({ type: 'urn:fiberstack:problem:store-timeout', status: 503, detail: expect.stringMatching(/not answering/) });

    link.thaw();
    const again = await getNodes(authed('http://localhost/api/nodes'));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { nodes: unknown[] }).nodes).toHaveLength(1);
  });

  it('a sign-in is answered 503 at the deadline too, then 401 for wrong credentials once the database answers', async () => {
    link.freeze();
    const late = await answeredInTime(signIn());
    expect(late.status).toBe(503);
    expect(await late.json()).toMatchObject({ type: 'urn:fiberstack:problem:store-timeout', status: 503 });
    link.thaw();
    expect((await signIn()).status).toBe(401);
  });
});
