import { connection } from 'next/server';
import { NodeTable } from '@/components/node-table';
import { getDatabase } from '@/lib/db/client';
import { readRecordedMode } from '@/lib/db/mode';
import { listNodesWithLatestSample } from '@/lib/nodes/queries';

export default async function HomePage() {
  // Rendered per request: the rows change every minute and must never be frozen at build time.
  await connection();
  const { db, engine } = await getDatabase();
  const [nodes, mode] = await Promise.all([listNodesWithLatestSample(db), readRecordedMode(db)]);
  const now = new Date();

  return (
    <>
      <h1>Probe nodes</h1>
      <p className="subtitle">
        {nodes.length} {nodes.length === 1 ? 'node' : 'nodes'} · storage:{' '}
        {mode === 'timescaledb' ? 'TimescaleDB' : 'plain PostgreSQL'} ({engine === 'pglite' ? 'embedded' : 'server'}) · as of{' '}
        <time dateTime={now.toISOString()}>{now.toISOString().replace('T', ' ').slice(0, 19)} UTC</time>
      </p>
      {nodes.length === 0 ? (
        <div className="empty" role="status">
          No probe nodes yet. Run <code>npm run db:seed</code> for the demo network, or register a probe.
        </div>
      ) : (
        <NodeTable nodes={nodes} now={now} />
      )}
    </>
  );
}
