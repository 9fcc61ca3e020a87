import { z } from 'zod';

/**
 * The one reader of process.env. Every variable the product understands is declared here, with
 * its default; `.env.example` and the README's configuration table list the same set.
 */

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'expected one of 1, 0, true, false, yes, no, on, off',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const port = z.coerce.number().int().min(1).max(65535);

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  DATABASE_URL: postgresUrl.optional(),
  /**
   * Per-purpose connections, each defaulting to DATABASE_URL, so each process can log in as a
   * role holding only what it needs (drizzle/migrations/0005_database_roles.ts): the web's reads
   * as dashboard_reader, the worker's ingest as etl_writer, and migrations, maintenance jobs,
   * sign-in and admin changes as the owner of the tables.
   */
  DATABASE_READER_URL: postgresUrl.optional(),
  DATABASE_WORKER_URL: postgresUrl.optional(),
  DATABASE_ADMIN_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  FIBER_DATA_DIR: z.string().min(1).default('./data'),
  FIBER_TIMESCALE: z.enum(['auto', 'require', 'off']).default('auto'),
  FIBER_AUTO_MIGRATE: bool.optional(),
  FIBER_DEMO: bool.default(true),
  FIBER_INPROCESS_WORKER: bool.optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /** Fleet enrolment: pushes signed with this key register unknown nodes. Unset: enrolment off. */
  FIBER_ENROLLMENT_KEY: z.string().min(32, 'must be at least 32 characters (use a random secret)').optional(),
  /**
   * Signs session cookies. Unset: one is generated at first start and kept in the database
   * (app_secrets), so sessions survive restarts and replicas share it. Set it to rotate.
   */
  FIBER_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (use a random secret)').optional(),
  /**
   * The dashboard's public origin (e.g. https://noc.example.net). Sign-in and admin forms accept
   * requests from this origin and from the host the request was addressed to; cookies are
   * Secure when it is https. Unset: http://localhost:PORT plus the request's own host.
   */
  FIBER_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  /** Behind a reverse proxy: take the client address (login rate limit, audit) from X-Forwarded-For. */
  FIBER_TRUST_PROXY: bool.default(false),
  /** Sign-in attempts per client address per minute before 429. */
  AUTH_SIGNIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(5),
  /**
   * How long an API request (withAuth routes, better-auth's endpoints) may take before it is
   * answered 503 (a store that does not answer: lib/http/deadline.ts). Generous: a normal answer
   * takes milliseconds.
   */
  API_REQUEST_DEADLINE_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  PUSH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  PUSH_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  QUEUE_MAX_BACKLOG: z.coerce.number().int().min(1).default(1_000_000),
  /** Default by mode: see DEFAULT_WORKER_BATCH_SIZE. */
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).optional(),
  WORKER_BLOCK_MS: z.coerce.number().int().min(10).max(60_000).default(2000),
  WORKER_CLAIM_IDLE_MS: z.coerce.number().int().min(1000).default(60_000),
  WORKER_MAX_DELIVERIES: z.coerce.number().int().min(1).max(100).default(5),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(2),
  /**
   * Optional basemap for the overview map, a tile URL template ({z}/{x}/{y}); unset, the map draws
   * the offline country borders only. Read here on the server and passed to the map as a prop, so
   * it takes effect at start-up, not at build time.
   */
  NEXT_PUBLIC_MAP_TILE_URL: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'expected an http:// or https:// URL template')
    .refine((v) => ['{z}', '{x}', '{y}'].every((p) => v.includes(p)), 'expected {z}, {x} and {y} in the URL template')
    .optional(),
  /** The credit the tile provider requires (e.g. "© OpenStreetMap contributors"); Leaflet renders it as HTML, so it is the operator's to trust. */
  NEXT_PUBLIC_MAP_TILE_ATTRIBUTION: z.string().max(300).optional(),
  /** Tests only (NODE_ENV=test): where the worker kills itself, see worker/faults.ts. */
  FIBER_FAULT_INJECTION: z.enum(['after-commit', 'after-ack', 'before-commit']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The log store (issue 6): Elasticsearch at this URL; unset, the logs and events tables in PostgreSQL. */
  ELASTICSEARCH_URL: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  /** Elasticsearch credentials: an API key, or a user name and password (the key wins when both are set). */
  ELASTICSEARCH_API_KEY: z.string().optional(),
  ELASTICSEARCH_USERNAME: z.string().optional(),
  ELASTICSEARCH_PASSWORD: z.string().optional(),
  /** Documents (logs and events, each) held while the log store is unavailable; beyond, the oldest are dropped and counted. */
  LOG_SHIP_BUFFER_MAX: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  /** How often buffered documents are shipped to the log store. */
  LOG_SHIP_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Documents per write to the log store; a full batch is shipped without waiting for the interval. */
  LOG_SHIP_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** The least level shipped to the log store (stdout keeps LOG_LEVEL); `silent` ships no log lines (events still go). */
  LOG_SHIP_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  WORKER_HEALTH_PORT: port.optional(),
  /** Names this worker in heartbeats and job claims (and, later, as its stream consumer); default host-pid. */
  WORKER_ID: z.string().regex(/^[\w.:-]{1,100}$/, 'expected 1-100 letters, digits, _ . : -').optional(),
  /** Tests only: a PostgreSQL 15 server where each test file creates (and drops) its own database. */
  FIBER_TEST_POSTGRES_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .default('postgres://postgres@127.0.0.1:5432/postgres'),
  // Set by Next.js itself; read here so that no other module touches process.env.
  NEXT_PHASE: z.string().optional(),
  NEXT_RUNTIME: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

export type DatabasePurpose = 'reader' | 'worker' | 'admin';

const PURPOSE_URL_VARIABLES = {
  reader: 'DATABASE_READER_URL',
  worker: 'DATABASE_WORKER_URL',
  admin: 'DATABASE_ADMIN_URL',
} as const satisfies Record<DatabasePurpose, keyof Env>;

/**
 * Entries per read and per insert. The embedded database answers on another thread of this
 * process, and each statement of a batch's transaction is a round trip to it; 4,000-entry
 * batches drained ~30% faster than 1,000 there (README, "Performance"). On PostgreSQL, larger
 * batches did not improve the ratio to a raw insert and cost worker memory.
 */
export const DEFAULT_WORKER_BATCH_SIZE = { embedded: 4000, postgres: 1000 } as const;

export interface Config extends Env {
  WORKER_BATCH_SIZE: number;
  /** No DATABASE_URL: PGlite + TimescaleDB in FIBER_DATA_DIR. */
  embedded: boolean;
  /** Where each purpose connects: its own URL, else DATABASE_URL; all undefined when embedded. */
  databaseUrls: Record<DatabasePurpose, string | undefined>;
  autoMigrate: boolean;
  inProcessWorker: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable (`FOO=` in a .env file) means "not set", not "set to the empty string".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      const got = env[name];
      return `  ${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redact(name, got))})`}`;
    });
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const parsed = result.data;
  const embedded = parsed.DATABASE_URL === undefined;
  // The embedded database lives inside this process: there is no server to log in to as
  // another role, so a per-purpose URL without DATABASE_URL is a mistake, not a no-op.
  const stray = Object.values(PURPOSE_URL_VARIABLES).filter((name) => embedded && parsed[name] !== undefined);
  if (stray.length > 0) {
    const problems = stray.map((name) => `  ${name}: needs DATABASE_URL (the embedded database has no server to log in to); set DATABASE_URL too, or remove ${name}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const databaseUrls = Object.fromEntries(
    Object.entries(PURPOSE_URL_VARIABLES).map(([purpose, name]) => [purpose, parsed[name] ?? parsed.DATABASE_URL]),
  ) as Config['databaseUrls'];
  return {
    ...parsed,
    embedded,
    databaseUrls,
    autoMigrate: parsed.FIBER_AUTO_MIGRATE ?? embedded,
    WORKER_BATCH_SIZE: parsed.WORKER_BATCH_SIZE ?? DEFAULT_WORKER_BATCH_SIZE[embedded ? 'embedded' : 'postgres'],
    // PGlite lives in one process, so the embedded default must run the worker inside the web server.
    inProcessWorker: embedded ? true : (parsed.FIBER_INPROCESS_WORKER ?? false),
  };
}

function redact(name: string, value: string): string {
  if (/(KEY|SECRET|PASSWORD)$/.test(name)) return '***';
  return /URL$/.test(name) ? value.replace(/\/\/[^@/]*@/, '//***@') : value;
}

let cached: Config | undefined;

export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
