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

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
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
  PUSH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  PUSH_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  QUEUE_MAX_BACKLOG: z.coerce.number().int().min(1).default(1_000_000),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
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

export interface Config extends Env {
  /** No DATABASE_URL: PGlite + TimescaleDB in FIBER_DATA_DIR. */
  embedded: boolean;
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
  return {
    ...parsed,
    embedded,
    autoMigrate: parsed.FIBER_AUTO_MIGRATE ?? embedded,
    // PGlite lives in one process, so the embedded default must run the worker inside the web server.
    inProcessWorker: embedded ? true : (parsed.FIBER_INPROCESS_WORKER ?? false),
  };
}

function redact(name: string, value: string): string {
  if (/KEY$/.test(name)) return '***';
  return /URL$/.test(name) ? value.replace(/\/\/[^@/]*@/, '//***@') : value;
}

let cached: Config | undefined;

export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
