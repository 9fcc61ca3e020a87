import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { withTimeout } from '../timeout';

const ROOT = path.resolve(import.meta.dirname, '../..');
/**
 * Our entry points run as `node --import tsx <script>`, one process, as `npm start` and `npm run
 * worker` run them. The `tsx` launcher instead forwards signals to a child node process and
 * SIGKILLs it when the child does not acknowledge within ~60 ms (busy event loop, loaded CI
 * machine): a graceful SIGTERM then became exit 143.
 */
const NODE_ARGS = ['--import', 'tsx'];

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one of our TypeScript entry points (e.g. `drizzle/cli.ts`) as a separate process. */
export function startScript(script: string, args: string[], env: Record<string, string>): ChildProcess & { finished: Promise<Finished>; readonly output: string } {
  const child = spawn(process.execPath, [...NODE_ARGS, path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const finished = new Promise<Finished>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  // defineProperty, not Object.assign: assign would copy the getter's value at spawn time (empty).
  Object.defineProperty(child, 'output', { get: () => stdout + stderr });
  return Object.assign(child as ChildProcess & { readonly output: string }, { finished });
}

export async function runScript(script: string, args: string[], env: Record<string, string>): Promise<Finished> {
  return startScript(script, args, env).finished;
}

/** `work`, or a failure naming `what` once `timeoutMs` have passed: for what must not hang. */
export function settlesWithin<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return withTimeout(work, timeoutMs, () => new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
}

/** Polls until `check` returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
