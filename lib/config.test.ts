import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

describe('configuration', () => {
  it('defaults to the embedded mode with demo data and an in-process worker', () => {
    const cfg = parseConfig({});
    expect(cfg).toMatchObject({
      embedded: true,
      autoMigrate: true,
      inProcessWorker: true,
      FIBER_DEMO: true,
      FIBER_DATA_DIR: './data',
      FIBER_TIMESCALE: 'auto',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      WORKER_TICK_SECONDS: 15,
    });
    expect(cfg.DATABASE_URL).toBeUndefined();
  });

  it('with DATABASE_URL, migrations and the worker are explicit unless switched on', () => {
    const cfg = parseConfig({ DATABASE_URL: 'postgres://u:p@db:5432/fiberstack' });
    expect(cfg).toMatchObject({ embedded: false, autoMigrate: false, inProcessWorker: false });
    expect(parseConfig({ DATABASE_URL: 'postgresql://db/x', FIBER_AUTO_MIGRATE: 'yes', FIBER_INPROCESS_WORKER: 'on' })).toMatchObject({
      autoMigrate: true,
      inProcessWorker: true,
    });
  });

  it('the worker batch size defaults by mode (4,000 embedded, 1,000 on PostgreSQL); a set value wins in both', () => {
    expect(parseConfig({}).WORKER_BATCH_SIZE).toBe(4000);
    expect(parseConfig({ DATABASE_URL: 'postgres://db/x' }).WORKER_BATCH_SIZE).toBe(1000);
    expect(parseConfig({ WORKER_BATCH_SIZE: '500' }).WORKER_BATCH_SIZE).toBe(500);
    expect(parseConfig({ DATABASE_URL: 'postgres://db/x', WORKER_BATCH_SIZE: '2500' }).WORKER_BATCH_SIZE).toBe(2500);
    expect(() => parseConfig({ WORKER_BATCH_SIZE: '20000' })).toThrow(/WORKER_BATCH_SIZE/);
  });

  it('per-purpose database URLs default to DATABASE_URL, each overridable on its own', () => {
    const base = 'postgres://owner:pw@db:5432/fiberstack';
    expect(parseConfig({ DATABASE_URL: base }).databaseUrls).toEqual({ reader: base, worker: base, admin: base });
    const reader = 'postgres://fiber_web:pw@db:5432/fiberstack';
    const worker = 'postgresql://fiber_etl:pw@db-primary:5432/fiberstack';
    expect(parseConfig({ DATABASE_URL: base, DATABASE_READER_URL: reader, DATABASE_WORKER_URL: worker }).databaseUrls).toEqual({
      reader,
      worker,
      admin: base,
    });
    expect(parseConfig({ DATABASE_URL: base, DATABASE_ADMIN_URL: reader, DATABASE_READER_URL: '' }).databaseUrls).toEqual({
      reader: base,
      worker: base,
      admin: reader,
    });
    expect(parseConfig({}).databaseUrls).toEqual({ reader: undefined, worker: undefined, admin: undefined });
  });

  it('a per-purpose database URL without DATABASE_URL stops start-up, naming each, never echoing a password', () => {
    const env = { DATABASE_READER_URL: 'postgres://fiber_web:hunter2@db/x', DATABASE_ADMIN_URL: 'postgres://a:hunter2@db/x' };
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(/DATABASE_READER_URL: needs DATABASE_URL[^]*DATABASE_ADMIN_URL: needs DATABASE_URL/);
    expect(() => parseConfig(env)).not.toThrow(/hunter2|DATABASE_WORKER_URL/);
    expect(() => parseConfig({ DATABASE_WORKER_URL: 'postgres://db/x' })).toThrow(/DATABASE_WORKER_URL: needs DATABASE_URL/);
  });

  it('the embedded database always runs its worker in-process (PGlite lives in one process)', () => {
    expect(parseConfig({ FIBER_INPROCESS_WORKER: '0' }).inProcessWorker).toBe(true);
  });

  it('takes an optional basemap tile URL template', () => {
    expect(parseConfig({}).NEXT_PUBLIC_MAP_TILE_URL).toBeUndefined();
    const url = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
    expect(parseConfig({ NEXT_PUBLIC_MAP_TILE_URL: url }).NEXT_PUBLIC_MAP_TILE_URL).toBe(url);
  });

  it('log shipping defaults to the PostgreSQL store, 10,000 buffered documents, 1 s, batches of 1,000, info and above', () => {
    const cfg = parseConfig({});
    expect(cfg).toMatchObject({ LOG_SHIP_BUFFER_MAX: 10_000, LOG_SHIP_INTERVAL_MS: 1000, LOG_SHIP_BATCH_MAX: 1000, LOG_SHIP_LEVEL: 'info' });
    expect(cfg.ELASTICSEARCH_URL).toBeUndefined();
    const es = parseConfig({
      ELASTICSEARCH_URL: 'https://es.example.net:9200',
      ELASTICSEARCH_USERNAME: 'fiber',
      ELASTICSEARCH_PASSWORD: 'pw',
      LOG_SHIP_BUFFER_MAX: '50000',
      LOG_SHIP_LEVEL: 'warn',
    });
    expect(es).toMatchObject({ ELASTICSEARCH_URL: 'https://es.example.net:9200', ELASTICSEARCH_USERNAME: 'fiber', LOG_SHIP_BUFFER_MAX: 50_000, LOG_SHIP_LEVEL: 'warn' });
  });

  it('never echoes the credentials in ELASTICSEARCH_URL', () => {
    const run = (env: Record<string, string>) => {
      try {
        parseConfig({ FIBER_TIMESCALE: 'x', ...env });
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(run({ ELASTICSEARCH_URL: 'ftp://elastic:hunter2@es:9200' })).toMatch(/ELASTICSEARCH_URL: expected an http:\/\/ or https:\/\/ URL \(got "ftp:\/\/\*\*\*@es:9200"\)/);
    expect(run({ ELASTICSEARCH_URL: 'ftp://elastic:hunter2@es:9200' })).not.toContain('hunter2');
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', FIBER_DEMO: '' })).toMatchObject({ embedded: true, FIBER_DEMO: true });
  });

  it.each([
    ['FIBER_TIMESCALE', 'maybe', /FIBER_TIMESCALE: .*"auto"\|"require"\|"off"/],
    ['FIBER_DEMO', 'sometimes', /FIBER_DEMO: expected one of 1, 0, true, false/],
    ['PORT', '70000', /PORT: /],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
    ['DATABASE_READER_URL', 'mysql://x', /DATABASE_READER_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
    ['DATABASE_WORKER_URL', 'db:5432', /DATABASE_WORKER_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
    ['DATABASE_ADMIN_URL', 'http://db', /DATABASE_ADMIN_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: /],
    ['WORKER_TICK_SECONDS', '0', /WORKER_TICK_SECONDS: /],
    ['ELASTICSEARCH_URL', 'es:9200', /ELASTICSEARCH_URL: expected an http:\/\/ or https:\/\/ URL/],
    ['LOG_SHIP_BUFFER_MAX', '10', /LOG_SHIP_BUFFER_MAX: /],
    ['LOG_SHIP_INTERVAL_MS', 'soon', /LOG_SHIP_INTERVAL_MS: /],
    ['LOG_SHIP_BATCH_MAX', '0', /LOG_SHIP_BATCH_MAX: /],
    ['LOG_SHIP_LEVEL', 'everything', /LOG_SHIP_LEVEL: /],
    ['NEXT_PUBLIC_MAP_TILE_URL', 'tiles.example/{z}/{x}/{y}.png', /NEXT_PUBLIC_MAP_TILE_URL: expected an http/],
    ['NEXT_PUBLIC_MAP_TILE_URL', 'https://tiles.example/{z}/{x}.png', /NEXT_PUBLIC_MAP_TILE_URL: expected \{z\}, \{x\} and \{y\}/],
  ])('a wrong %s stops start-up with a message naming it', (name, value, message) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(message);
  });

  it('names every wrong variable at once, and never echoes a password', () => {
    let error: unknown;
    try {
      parseConfig({ FIBER_TIMESCALE: 'x', DATABASE_URL: 'mysql://admin:hunter2@db/x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('FIBER_TIMESCALE');
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain('hunter2');
  });
});
