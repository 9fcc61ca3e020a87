import postgres from 'postgres';
import { expect } from 'vitest';
import { config } from '../config';

/** Cluster-wide statements (CREATE/DROP ROLE, GRANT …) as the test server's superuser. */
export async function onCluster(statements: string[]): Promise<void> {
  const admin = postgres(config().FIBER_TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    for (const s of statements) await admin.unsafe(s);
  } finally {
    await admin.end();
  }
}

/** Fails unless `work` is refused for lack of privilege (42501), not for any other reason. */
export async function expectDenied(work: Promise<unknown>): Promise<void> {
  const err: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err === undefined) throw new Error('expected "permission denied", but it succeeded');
  const cause = ((err as { cause?: unknown }).cause ?? err) as { code?: string; message?: string };
  expect(cause.message).toMatch(/permission denied/);
  expect(cause.code).toBe('42501');
}
