/**
 * Plumbing of `npm run bench:queries`: the `npm start` server in its own process group, a lean
 * keep-alive HTTP client (node:http, so the client adds as little as possible to the figures),
 * percentiles, and the weight of the JavaScript the overview page loads.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { PROFILE_FLAGS } from './profile';

// ---- the server --------------------------------------------------------------------------------

/** What `npm start` runs once the build exists, in its own process group (killed as a group). */
export function startServer(env: Record<string, string>): ChildProcess {
  return spawn('node', [...PROFILE_FLAGS, '--import', 'tsx', 'lib/runtime/server.ts'], {
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function waitHttp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

// ---- the client --------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** The signed-in viewer's session cookie (`name=value`), sent with every request once set. */
let sessionCookie: string | undefined;

/**
 * Every page and read API needs a session (issue 5), so the bench signs in like a NOC viewer:
 * the account is created with the real CLI (`npm run fiber -- users create`), then signed in
 * through better-auth's own endpoint, and the cookie rides on every measured request.
 */
export async function signInViewer(base: string, env: Record<string, string>): Promise<void> {
  const email = 'bench-viewer@noc.example';
  const password = `bench-${Math.random().toString(36).slice(2)}-passphrase`;
  const created = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/fiber.ts', 'users', 'create', '--email', email, '--role', 'viewer', '--password-stdin'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    input: `${password}\n`,
    encoding: 'utf8',
  });
  if (created.status !== 0) throw new Error(`creating the bench viewer failed: ${created.stderr}`);
  const res = await fetch(`${base}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('fiber.session_token='));
  if (!res.ok || !cookie) throw new Error(`bench sign-in failed: HTTP ${res.status} ${await res.text()}`);
  sessionCookie = cookie.split(';')[0];
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** GET with a kept-alive connection; resolves once the whole body is in. */
export function get(url: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: sessionCookie ? { cookie: sessionCookie } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export function closeClient(): void {
  agent.destroy();
}

// ---- figures -------------------------------------------------------------------------------------

export interface Figures {
  p50: number;
  p95: number;
  runs: number;
}

/** Nearest-rank percentiles of the runs' milliseconds. */
export function percentiles(ms: number[]): Figures {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), runs: sorted.length };
}

/** Idle time before each run, outside the clock (see `measure`). */
export const PAUSE_MS = 1;

export interface MeasureOptions<T> {
  /** Runs before each run, not timed: e.g. to empty the cache. */
  prepare?: (i: number) => Promise<unknown>;
  /** Sees each run's result after the clock stopped: checks, parsing the body, counting. */
  inspect?: (result: T, i: number) => void;
}

/**
 * `warmUp` unmeasured runs, then `runs` measured ones; the run index is passed on so each run can
 * vary its parameters. Only `run` is timed. Before each run the bench idles `PAUSE_MS`: V8 runs
 * most young-generation collections as tasks once a call stack unwinds, so run after run with no
 * gap charged the bench's own garbage (the rows and bodies it had just parsed) to the next
 * measurement: raw SQL measured p95 9–12 ms against 3.3 ms with the pause (p50 1.9 ms either way).
 * Requests from NOC screens do not arrive back to back either.
 */
export async function measure<T>(runs: number, warmUp: number, run: (i: number) => Promise<T>, options: MeasureOptions<T> = {}): Promise<Figures> {
  const ms: number[] = [];
  for (let i = 0; i < warmUp + runs; i++) {
    await options.prepare?.(i);
    await sleep(PAUSE_MS);
    const t = performance.now();
    const result = await run(i);
    const elapsed = performance.now() - t;
    if (i >= warmUp) ms.push(elapsed);
    options.inspect?.(result, i);
  }
  return percentiles(ms);
}

// ---- JavaScript shipped ------------------------------------------------------------------------

export interface ScriptWeight {
  path: string;
  bytes: number;
  gzip: number;
}

const gz = (b: Buffer) => gzipSync(b, { level: 9 }).length;

/**
 * The scripts the server-rendered HTML references (`<script src="/_next/static/…">`), fetched
 * and gzipped, plus the inline scripts (the RSC payload Next streams into the HTML) as one figure.
 */
export async function htmlScripts(base: string): Promise<{ files: ScriptWeight[]; inline: ScriptWeight }> {
  const html = (await get(`${base}/`)).body.toString('utf8');
  const srcs = [...new Set([...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&')))];
  const files: ScriptWeight[] = [];
  for (const src of srcs.filter((s) => s.startsWith('/_next/static/'))) {
    const body = (await get(`${base}${src}`)).body;
    files.push({ path: src, bytes: body.length, gzip: gz(body) });
  }
  const inlineText = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!).join('\n');
  const inline = Buffer.from(inlineText, 'utf8');
  return { files, inline: { path: '(inline <script>s: RSC payload)', bytes: inline.length, gzip: gz(inline) } };
}

/**
 * Every script Chromium loads for `/` until the network is idle, including the chunks that
 * next/dynamic fetches after hydration (map, charts). Debian's Chromium; never a downloaded one.
 * Undefined when Chromium cannot be started here.
 */
export async function browserScripts(base: string): Promise<ScriptWeight[] | undefined> {
  let browser;
  try {
    const { chromium } = await import('@playwright/test');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  } catch (err) {
    console.log(`  (Chromium unavailable, runtime chunks not measured: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    return undefined;
  }
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    if (sessionCookie) {
      const [name, ...value] = sessionCookie.split('=');
      await context.addCookies([{ name: name!, value: value.join('='), url: base }]);
    }
    const page = await context.newPage();
    const pending: Promise<ScriptWeight | undefined>[] = [];
    page.on('response', (res) => {
      if (res.request().resourceType() !== 'script') return;
      pending.push(
        res.body().then(
          (body) => ({ path: new URL(res.url()).pathname, bytes: body.length, gzip: gz(body) }),
          () => undefined,
        ),
      );
    });
    await page.goto(`${base}/`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForTimeout(1500);
    await page.waitForLoadState('networkidle');
    const seen = new Map<string, ScriptWeight>();
    for (const s of await Promise.all(pending)) if (s) seen.set(s.path, s);
    return [...seen.values()];
  } finally {
    await browser.close();
  }
}
