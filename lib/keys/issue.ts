import type { Db } from '../db/client';
import { insertProbeKey, type StoredProbeKey } from './queries';
import { generateProbeKey } from './tokens';

/** Creates a key for a node; the returned `key` is the only time the secret exists in the clear. */
export async function issueProbeKey(db: Db, nodeId: string, label: string | null): Promise<{ key: string; stored: StoredProbeKey }> {
  const generated = generateProbeKey();
  const stored = await insertProbeKey(db, { nodeId, prefix: generated.prefix, hash: generated.hash, label });
  return { key: generated.key, stored };
}
