import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/client';
import { withinDatabaseDeadline } from '../db/errors';
import { ApiError } from '../http/problem';
import { findProbeKeyByPrefix, type StoredProbeKey } from './queries';
import { hashProbeKey, probeKeyPrefix, sameHash } from './tokens';

export type PushPrincipal = { kind: 'node'; prefix: string; nodeId: string } | { kind: 'enrollment' };

/**
 * Keys looked up in the last few seconds, so a busy probe fleet does not cost a database read
 * per push. Revocation therefore takes effect within CACHE_TTL_MS on every replica.
 */
const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 10_000;
const globalForKeys = globalThis as unknown as { fiberKeyCache?: Map<string, { key: StoredProbeKey | undefined; until: number }> };

/**
 * A push whose key is not cached waits at most this long for the database, then gets 503 with
 * Retry-After instead of hanging while PostgreSQL does not answer (lib/db/errors.ts).
 */
export const KEY_LOOKUP_DEADLINE_MS = 5_000;

async function lookup(db: Db, prefix: string): Promise<StoredProbeKey | undefined> {
  const cache = (globalForKeys.fiberKeyCache ??= new Map());
  const hit = cache.get(prefix);
  if (hit && hit.until > Date.now()) return hit.key;
  const key = await findProbeKeyByPrefix(db, prefix);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(prefix, { key, until: Date.now() + CACHE_TTL_MS });
  return key;
}

/** Forgets cached keys (tests, and this replica right after a revocation). */
export function clearProbeKeyCache(): void {
  globalForKeys.fiberKeyCache?.clear();
}

const unauthorized = (detail: string) =>
  new ApiError(401, detail, { code: 'unauthorized', headers: { 'WWW-Authenticate': 'Bearer realm="fiberstack-push"' } });

export async function authenticatePush(db: Db, authorization: string | null, enrollmentKey: string | undefined): Promise<PushPrincipal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw unauthorized('Send the probe key as "Authorization: Bearer <probe key>".');
  const token = match[1]!;
  if (enrollmentKey && constantTimeEquals(token, enrollmentKey)) return { kind: 'enrollment' };
  const prefix = probeKeyPrefix(token);
  if (!prefix) throw unauthorized('The probe key is not valid.');
  const key = await withinDatabaseDeadline(lookup(db, prefix), 'the probe key lookup', KEY_LOOKUP_DEADLINE_MS);
  if (!key || !sameHash(hashProbeKey(token), key.keyHash)) throw unauthorized('The probe key is not valid.');
  if (key.revokedAt) throw unauthorized(`The probe key ${prefix} has been revoked; ask an admin for a new one.`);
  return { kind: 'node', prefix, nodeId: key.nodeId };
}

/** Equal-length digests compared with timingSafeEqual, so neither length nor content leaks through timing. */
function constantTimeEquals(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
