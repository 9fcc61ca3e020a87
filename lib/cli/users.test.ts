import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '@/lib/db/rows';
import { createTestDatabase, type TestDatabase } from '@/lib/testing/databases';
import { migrate } from '@/drizzle/migrate';

/**
 * `npm run fiber -- users create` as a shell user runs it: a real process on a PostgreSQL 15
 * database, the password on standard input. The stored password is a hash, never the input.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

describe('fiber users create', () => {
  let t: TestDatabase;
  const run = (args: string[], input: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/fiber.ts', ...args], {
      cwd: ROOT,
      input,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: t.url!, LOG_LEVEL: 'warn', FIBER_DEMO: 'false' },
      timeout: 60_000,
    });

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    await migrate(t.database, { timescale: 'auto' });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('creates an admin from a password on stdin; only a hash is stored', async () => {
    const res = run(['users', 'create', '--email', 'Efua@NOC.example', '--role', 'admin', '--password-stdin'], 'a long enough passphrase\n');
    expect(res.stderr + res.stdout).toContain('Created admin efua@noc.example');
    expect(res.status).toBe(0);
    const rows = await queryRows<{ role: string; name: string; password: string }>(
      t.database.db,
      sql`SELECT u.role, u.name, a.password FROM users u JOIN accounts a ON a.user_id = u.id WHERE u.email = 'efua@noc.example'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: 'admin', name: 'Efua' });
    expect(rows[0]!.password).not.toContain('passphrase');
    expect(rows[0]!.password.length).toBeGreaterThan(40);
  });

  it('names the bad field and stores nothing: short password, bad role, bad email, duplicate', async () => {
    const cases: [string[], string, RegExp][] = [
      [['--email', 'kwame@noc.example', '--role', 'admin'], 'short', /--password.*At least 12/],
      [['--email', 'kwame@noc.example', '--role', 'root'], 'a long enough passphrase', /--role: Choose admin or viewer/],
      [['--email', 'not-an-email', '--role', 'viewer'], 'a long enough passphrase', /--email: Enter a valid email/],
      [['--email', 'efua@noc.example', '--role', 'viewer'], 'a long enough passphrase', /already exists/],
    ];
    for (const [args, input, message] of cases) {
      const res = run(['users', 'create', ...args, '--password-stdin'], input);
      expect(res.status, res.stdout).toBe(1);
      expect(res.stderr).toMatch(message);
    }
    const rows = await queryRows<{ n: string }>(t.database.db, sql`SELECT count(*) AS n FROM users`);
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('without --password-stdin and without a terminal, it says how to pass the password', () => {
    const res = run(['users', 'create', '--email', 'ama@noc.example', '--role', 'viewer'], 'ignored');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/--password-stdin/);
  });
});
