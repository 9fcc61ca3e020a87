import type { Db } from '../db/client';
import { ApiError } from '../http/problem';
import { issueProbeKey } from '../keys/issue';
import { nodeKeyEverUsed, revokeNodeKeys } from '../keys/queries';
import { log } from '../log';
import { nodeInput } from '../nodes/input';
import { findNodeTags, insertMissingNodes } from '../nodes/queries';
import type { PushSample } from './schemas';

export const ENROLLED_TAG = 'enrolled';

/**
 * Fleet enrolment (FIBER_ENROLLMENT_KEY): a push signed with the enrolment key for an unknown
 * node registers it (named probe-<country>-<node_id>) and answers with a key of its own. A node enrolled this way whose keys
 * have never been used may enrol again (its first answer was lost on the way back); any other
 * existing node is refused, so the enrolment key cannot take over a working probe.
 */
export async function enrollNode(db: Db, samples: PushSample[]): Promise<{ key: string; prefix: string }> {
  const nodeId = samples[0]!.node_id.toLowerCase();
  if (samples.some((s) => s.node_id.toLowerCase() !== nodeId)) {
    throw new ApiError(422, 'An enrolment push must carry samples of one node only.', {
      code: 'validation-failed',
      errors: samples.flatMap((s, i) => (s.node_id.toLowerCase() === nodeId ? [] : [{ path: `/samples/${i}/node_id`, message: 'differs from the first sample' }])),
    });
  }
  const existing = await findNodeTags(db, nodeId);
  if (existing) {
    if (!existing.tags.includes(ENROLLED_TAG) || (await nodeKeyEverUsed(db, nodeId))) {
      throw new ApiError(403, `Node ${nodeId} is already registered; push with its own probe key.`, { code: 'already-enrolled' });
    }
    await revokeNodeKeys(db, nodeId);
  } else {
    const first = samples[0]!;
    // The whole id in the name: ids minted close together (UUIDv7) share their first digits.
    const nodeName = `probe-${first.country.toLowerCase()}-${nodeId}`;
    const created = await insertMissingNodes(db, [
      nodeInput({ nodeId, nodeName, country: first.country, region: first.region, tags: [ENROLLED_TAG] }),
    ]);
    if (created === 0) {
      throw new ApiError(409, `A node named ${nodeName} already exists with another node_id; ask an admin to resolve it.`, { code: 'name-conflict' });
    }
  }
  const { key, stored } = await issueProbeKey(db, nodeId, 'enrollment');
  log().child({ logger: 'ingest.enroll' }).info({ node_id: nodeId, context: { key_prefix: stored.prefix, reenrolled: Boolean(existing) } }, 'probe enrolled');
  return { key, prefix: stored.prefix };
}
