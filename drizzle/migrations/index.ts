import { coreSchema } from './0001_core_schema';
import { workerJobs } from './0002_worker_jobs';
import { probeKeys } from './0003_probe_keys';
import { accounts } from './0004_accounts';
import { databaseRoles } from './0005_database_roles';
import { logsEvents } from './0006_logs_events';
import { nodeStates } from './0007_node_states';
import { rollupCoveringIndexes } from './0008_rollup_covering_indexes';
import type { Migration } from './types';

/** Every migration, in order. Versions are never reused or renumbered once landed. */
export const migrations: Migration[] = [coreSchema, workerJobs, probeKeys, accounts, databaseRoles, logsEvents, nodeStates, rollupCoveringIndexes];
export type { Migration, MigrationContext } from './types';
