import type { Db, Engine } from '../../lib/db/client';
import type { StorageMode } from '../../lib/db/mode';

export interface MigrationContext {
  mode: StorageMode;
  engine: Engine;
  now: Date;
}

/** A schema step with its inverse. Both run inside the migration transaction. */
export interface Migration {
  version: number;
  name: string;
  up(tx: Db, ctx: MigrationContext): Promise<void>;
  down(tx: Db, ctx: MigrationContext): Promise<void>;
}
