import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAgo, formatClock, formatDate, formatDateTime, formatValue } from '@/components/format';

// A zone west of UTC, so a local date differs from the UTC date late in the UTC evening.
let savedTz: string | undefined;
beforeAll(() => {
  savedTz = process.env.TZ;
  process.env.TZ = 'America/Sao_Paulo'; // UTC−3, no daylight saving since 2019
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('time formatting', () => {
  const iso = '2025-11-24T01:35:00Z';

  it('writes UTC with its zone name and the local time without', () => {
    expect(formatDateTime(iso, 'UTC')).toBe('2025-11-24 01:35 UTC');
    expect(formatDateTime(iso, 'local')).toBe('2025-11-23 22:35');
  });

  it('takes the calendar date and the clock in the chosen zone', () => {
    expect(formatDate(iso, 'UTC')).toBe('2025-11-24');
    expect(formatDate(iso, 'local')).toBe('2025-11-23');
    expect(formatClock(iso, 'UTC')).toBe('01:35');
    expect(formatClock(iso, 'local')).toBe('22:35');
  });

  it('accepts Date, ISO strings and epoch milliseconds alike', () => {
    const d = new Date(iso);
    expect(formatDateTime(d, 'UTC')).toBe(formatDateTime(d.getTime(), 'UTC'));
    expect(formatDateTime(iso, 'UTC')).toBe(formatDateTime(d, 'UTC'));
  });

  it('follows the local zone east of UTC too', () => {
    process.env.TZ = 'Africa/Nairobi'; // UTC+3
    try {
      expect(formatDateTime('2025-11-24T22:10:00Z', 'local')).toBe('2025-11-25 01:10');
      expect(formatDateTime('2025-11-24T22:10:00Z', 'UTC')).toBe('2025-11-24 22:10 UTC');
    } finally {
      process.env.TZ = 'America/Sao_Paulo';
    }
  });
});

describe('relative times', () => {
  const now = new Date('2025-11-24T12:00:00Z');
  it.each([
    ['2025-11-24T11:59:18Z', '42 s ago'],
    ['2025-11-24T11:55:00Z', '5 min ago'],
    ['2025-11-24T09:00:00Z', '3 h ago'],
    ['2025-11-22T11:00:00Z', '2 d ago'],
    ['2025-11-24T12:00:30Z', '0 s ago'],
  ])('%s → %s', (when, expected) => {
    expect(formatAgo(when, now)).toBe(expected);
  });

  it('says never for no time or an unreadable one', () => {
    expect(formatAgo(null, now)).toBe('never');
    expect(formatAgo('not a date', now)).toBe('never');
  });
});

describe('values', () => {
  it('rounds with the unit and shows a dash for no value', () => {
    expect(formatValue(42.16, 'ms')).toBe('42.2 ms');
    expect(formatValue(0.125, '%', 2)).toBe('0.13 %');
    expect(formatValue(3, '', 1)).toBe('3.0');
    expect(formatValue(null, 'ms')).toBe('—');
    expect(formatValue(Number.NaN, 'ms')).toBe('—');
  });
});
