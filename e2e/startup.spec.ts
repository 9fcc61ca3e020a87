import { spawn } from 'node:child_process';
import { expect, test } from '@playwright/test';

test('a wrong configuration value stops start-up with a message naming the variable', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/runtime/server.ts'], {
    env: { ...process.env, NODE_ENV: 'production', PORT: '3111', FIBER_DATA_DIR: 'data/e2e-bad-config', FIBER_TIMESCALE: 'maybe', NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 45_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  expect(code, output).toBe(1);
  expect(output).toContain('FiberStack cannot start');
  const fatal = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; message: string })
    .find((entry) => entry.level === 'FATAL');
  expect(fatal?.message).toContain('FIBER_TIMESCALE: Invalid option: expected one of "auto"|"require"|"off" (got "maybe")');
});
