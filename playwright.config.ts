import { defineConfig, devices } from '@playwright/test';
import { ADMIN_STATE, ENROLLMENT_KEY } from './e2e/constants';

/**
 * Browser tests against the real product: the `npm start` server (lib/runtime/server.ts) on the embedded default (PGlite +
 * TimescaleDB) in a throw-away data directory, which it migrates and seeds with the demo
 * network on first start. `npm run test:e2e` builds first. Debian's Chromium, never a
 * downloaded browser.
 */
const PORT = 3100;
const DATA_DIR = 'data/e2e';

const browser = {
  ...devices['Desktop Chrome'],
  viewport: { width: 1366, height: 768 },
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  },
};

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    // First: create the first admin through the setup page; the other specs reuse its session.
    { name: 'setup', testMatch: /auth\.setup\.ts/, use: { ...browser } },
    { name: 'ui', dependencies: ['setup'], use: { ...browser, storageState: ADMIN_STATE } },
  ],
  webServer: {
    command: `rm -rf ${DATA_DIR} && NODE_ENV=production exec node --import tsx lib/runtime/server.ts`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    // Redis database 14 (lib/testing/redis.ts): the e2e server's queue is its own.
    // Several specs sign in from 127.0.0.1 within a minute; the limit itself is tested in lib/auth/auth.test.ts.
    env: { AUTH_SIGNIN_ATTEMPTS_PER_MINUTE: '60', FIBER_ENROLLMENT_KEY: ENROLLMENT_KEY, PORT: String(PORT), REDIS_URL: 'redis://127.0.0.1:6379/14', FIBER_DATA_DIR: DATA_DIR, FIBER_DEMO: '1', NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'warn' },
  },
});
