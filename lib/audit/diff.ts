/**
 * What an audit entry changed, for people: the keys whose value differs between `before` and
 * `after`, each as JSON text (the page renders it as text, never as markup). An entry with only
 * `after` (a creation) lists every key as new; a non-object side is compared as one value.
 */
export interface AuditChange {
  key: string;
  before?: string;
  after?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : JSON.stringify(v));

export function auditDiff(before: unknown, after: unknown): AuditChange[] {
  if (before == null && after == null) return [];
  if (!(isRecord(before) || before == null) || !(isRecord(after) || after == null)) {
    return text(before) === text(after) ? [] : [{ key: '(value)', before: text(before), after: text(after) }];
  }
  const b = before ?? {};
  const a = after ?? {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.flatMap((key) => {
    const [was, now] = [text(b[key]), text(a[key])];
    return was === now ? [] : [{ key, before: was, after: now }];
  });
}
