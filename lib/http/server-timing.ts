/**
 * `Server-Timing` for the read API: where a request's time went (session check, cache, query,
 * serialisation), visible in the browser's network panel and printed by bench:queries. Only
 * authenticated answers carry it; the figures are durations, never data.
 */
export class ServerTiming {
  private readonly entries: string[] = [];

  async time<T>(name: string, run: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.entries.push(`${name};dur=${(performance.now() - started).toFixed(1)}`);
    }
  }

  toString(): string {
    return this.entries.join(', ');
  }
}

/** Adds the entries to a response (a response whose headers cannot change is left as it is). */
export function withServerTiming(res: Response, timing: ServerTiming): Response {
  const value = timing.toString();
  if (!value) return res;
  try {
    res.headers.append('server-timing', value);
  } catch {
    // Immutable headers (e.g. a redirect): the timing is optional.
  }
  return res;
}

/** `auth;dur=1.2, db;dur=3.4` → `{ auth: 1.2, db: 3.4 }` (bench:queries and the tests read it). */
export function parseServerTiming(header: string | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const match = /^\s*([\w-]+)\s*;\s*dur=([\d.]+)/.exec(part);
    if (match) out[match[1]!] = (out[match[1]!] ?? 0) + Number(match[2]);
  }
  return out;
}
