import { parseArgs } from 'node:util';
import { config } from '../config';
import { closeDatabase, getDatabase } from '../db/client';
import { errorMessage } from '../db/rows';
import { issueProbeKey } from '../keys/issue';
import { listProbeKeys, revokeProbeKey } from '../keys/queries';
import { setServiceName } from '../log';
import { findNodeTags } from '../nodes/queries';
import { createUserFromCli } from './users';

/**
 * npm run fiber -- keys create --node <node_id> [--label <text>]   prints the new key once
 * npm run fiber -- keys list --node <node_id>
 * npm run fiber -- keys revoke --prefix <fsp_xxxxxxxx>
 * npm run fiber -- users create --email <email> --role admin|viewer [--name <name>] [--password-stdin]
 *
 * With the embedded database, stop the server first: PGlite admits one process at a time.
 */
setServiceName('fiber-cli');

const USAGE = [
  'usage: npm run fiber -- keys create --node <node_id> [--label <text>]',
  '       npm run fiber -- keys list --node <node_id>',
  '       npm run fiber -- keys revoke --prefix <prefix>',
  '       npm run fiber -- users create --email <email> --role admin|viewer [--name <name>] [--password-stdin]',
].join('\n');

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      node: { type: 'string' },
      label: { type: 'string' },
      prefix: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const [group, action] = positionals;
  const known = (group === 'keys' && ['create', 'list', 'revoke'].includes(action ?? '')) || (group === 'users' && action === 'create');
  if (!known) throw new Error(USAGE);
  config();
  const { db } = await getDatabase();
  try {
    if (group === 'users') {
      console.log(await createUserFromCli(db, values));
      return;
    }
    if (action === 'revoke') {
      if (!values.prefix) throw new Error('--prefix is required (the fsp_xxxxxxxx part of the key)');
      console.log((await revokeProbeKey(db, values.prefix)) ? `Revoked ${values.prefix}.` : `No active key ${values.prefix}.`);
      return;
    }
    const nodeId = values.node ?? '';
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(nodeId)) throw new Error('--node must be a node_id (UUID)');
    if (!(await findNodeTags(db, nodeId))) throw new Error(`No node ${nodeId}.`);
    if (action === 'list') {
      for (const k of await listProbeKeys(db, nodeId)) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
        console.log(`${k.prefix}  ${state}  created ${k.createdAt.toISOString()}  last used ${k.lastUsedAt?.toISOString() ?? 'never'}  ${k.label ?? ''}`);
      }
      return;
    }
    const { key, stored } = await issueProbeKey(db, nodeId, values.label ?? null);
    console.log(`Probe key for node ${nodeId} (shown only now; store it on the probe):\n\n${key}\n\nPrefix: ${stored.prefix}`);
  } finally {
    await closeDatabase();
  }
}

main().catch((err) => {
  console.error(`Error: ${errorMessage(err)}`);
  process.exit(1);
});
