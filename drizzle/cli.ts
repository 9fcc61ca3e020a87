import { parseArgs } from 'node:util';
import { config } from '../lib/config';
import { closeDatabase, getDatabase } from '../lib/db/client';
import { readRecordedMode } from '../lib/db/mode';
import { errorMessage } from '../lib/db/rows';
import { setServiceName } from '../lib/log';
import { migrate, rollback } from './migrate';
import { seedDemo } from './seed';

/**
 * npm run db:migrate                 apply pending migrations
 * npm run db:rollback [-- --to N]    revert the newest migration, or down to version N (0 = all)
 * npm run db:seed [-- --days N]      add the demo network (idempotent)
 */
setServiceName('fiber-cli');

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: { to: { type: 'string' }, days: { type: 'string' } },
    allowPositionals: false,
  });
  const cfg = config();
  const database = await getDatabase();
  try {
    switch (command) {
      case 'migrate': {
        const { mode, applied } = await migrate(database, { timescale: cfg.FIBER_TIMESCALE });
        console.log(applied.length ? `Applied ${applied.join(', ')} (${mode} mode).` : `Schema up to date (${mode} mode).`);
        break;
      }
      case 'rollback': {
        const to = values.to === undefined ? undefined : Number(values.to);
        if (to !== undefined && (!Number.isInteger(to) || to < 0)) throw new Error('--to must be a migration version (0 or more)');
        const { reverted } = await rollback(database, { to });
        console.log(reverted.length ? `Reverted ${reverted.join(', ')}.` : 'Nothing to roll back.');
        break;
      }
      case 'seed': {
        const days = values.days === undefined ? 7 : Number(values.days);
        if (!Number.isInteger(days) || days < 1 || days > 7) throw new Error('--days must be 1 to 7 (raw retention is 7 days)');
        const mode = await readRecordedMode(database.db);
        if (!mode) throw new Error('The schema does not exist yet: run `npm run db:migrate` first.');
        const r = await seedDemo(database, mode, { days });
        console.log(`Seeded ${r.nodesCreated} new nodes and ${r.samplesInserted} samples in ${(r.ms / 1000).toFixed(1)} s.`);
        break;
      }
      default:
        throw new Error(`Unknown command "${command ?? ''}": use migrate, rollback [--to N] or seed [--days N].`);
    }
  } finally {
    await closeDatabase();
  }
}

main().catch((err) => {
  console.error(`Error: ${errorMessage(err)}`);
  process.exit(1);
});
