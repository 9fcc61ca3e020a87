/**
 * Time and number formatting shared by the map tooltip, the charts and their data tables.
 * Formats are built from the Date getters rather than Intl so that they do not depend on the
 * browser's locale: a NOC reads "2025-11-24 16:35" the same on every screen.
 */
export type TimeZoneMode = 'local' | 'UTC';

const pad = (n: number) => String(n).padStart(2, '0');

function parts(value: Date | string | number, timeZone: TimeZoneMode) {
  const d = value instanceof Date ? value : new Date(value);
  const utc = timeZone === 'UTC';
  return {
    y: utc ? d.getUTCFullYear() : d.getFullYear(),
    mo: (utc ? d.getUTCMonth() : d.getMonth()) + 1,
    d: utc ? d.getUTCDate() : d.getDate(),
    h: utc ? d.getUTCHours() : d.getHours(),
    mi: utc ? d.getUTCMinutes() : d.getMinutes(),
  };
}

/** "2025-11-24" in the chosen zone. */
export function formatDate(value: Date | string | number, timeZone: TimeZoneMode): string {
  const p = parts(value, timeZone);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}`;
}

/** "2025-11-24 16:35" in local time, "2025-11-24 16:35 UTC" in UTC. */
export function formatDateTime(value: Date | string | number, timeZone: TimeZoneMode): string {
  const p = parts(value, timeZone);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}${timeZone === 'UTC' ? ' UTC' : ''}`;
}

/** "16:35" — for axis ticks within one day. */
export function formatClock(value: Date | string | number, timeZone: TimeZoneMode): string {
  const p = parts(value, timeZone);
  return `${pad(p.h)}:${pad(p.mi)}`;
}

/** "42 s ago", "5 min ago", "3 h ago", "2 d ago", "never"; future times count as now. */
export function formatAgo(value: Date | string | null, now: Date): string {
  if (value === null) return 'never';
  const t = (value instanceof Date ? value : new Date(value)).getTime();
  if (Number.isNaN(t)) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** "12.3 ms", "—" for a missing value. */
export function formatValue(value: number | null | undefined, unit: string, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return unit ? `${value.toFixed(digits)} ${unit}` : value.toFixed(digits);
}
