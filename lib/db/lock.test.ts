import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../testing/processes';
import { migrations } from '../../drizzle/migrations';
import { sql } from 'drizzle-orm';
import { openDatabase } from './client';
import { appliedMigrationVersions } from './queries';
import { queryRows } from './rows';
import { DataDirLockedError } from './lock';

describe('embedded data directory lock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fiber-lock-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a second process gets a clear error while the first holds the directory, and gets in once it is released', async () => {
    const holder = await openDatabase({ dataDir: path.join(dir, 'pg') });
    const refused = await runScript('drizzle/cli.ts', ['migrate'], { FIBER_DATA_DIR: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`The embedded database in ${path.join(dir, 'pg')} is in use by another FiberStack process`);
    expect(refused.stderr).toContain('FIBER_DATA_DIR');
    // The holder is unharmed by the attempt.
    expect(await queryRows(holder.db, sql`SELECT 1 AS ok`)).toEqual([{ ok: 1 }]);
    await holder.close();

    const admitted = await runScript('drizzle/cli.ts', ['migrate'], { FIBER_DATA_DIR: dir, FIBER_DEMO: '0' });
    expect(admitted.stderr).toBe('');
    expect(admitted.stdout).toContain(`Applied ${migrations.map((m) => m.version).join(', ')} (timescaledb mode).`);
    expect(admitted.code).toBe(0);
  });

  it('a second open in the same process is refused the same way', async () => {
    const first = await openDatabase({ dataDir: path.join(dir, 'pg') });
    try {
      await expect(openDatabase({ dataDir: path.join(dir, 'pg') })).rejects.toBeInstanceOf(DataDirLockedError);
    } finally {
      await first.close();
    }
    // Released on close: the directory opens again and kept its schema.
    const again = await openDatabase({ dataDir: path.join(dir, 'pg') });
    try {
      expect(await appliedMigrationVersions(again.db)).toEqual(migrations.map((m) => m.version));
    } finally {
      await again.close();
    }
  });
});
