import { describe, expect, it } from 'vitest';
import { parseAutoRefresh, parseRange, parseTimeZone, rangeWindow, TIME_RANGES, withSearchParams } from '@/components/controls/range';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('rangeWindow', () => {
  const now = new Date('2025-11-24T16:35:12.345Z');

  it.each([
    ['24h', 'hourly', '2025-11-23T16:00:00.000Z'],
    ['7d', 'hourly', '2025-11-17T16:00:00.000Z'],
    ['30d', 'hourly', '2025-10-25T16:00:00.000Z'],
    ['90d', 'daily', '2025-08-26T00:00:00.000Z'],
    ['1y', 'daily', '2024-11-24T00:00:00.000Z'],
  ] as const)('%s reads %s buckets from %s to now', (range, aggregation, start) => {
    const w = rangeWindow(range, now);
    expect(w).toEqual({ range, aggregation, start: new Date(start), end: now });
  });

  it('starts on a bucket boundary and covers at least the whole range', () => {
    for (const range of TIME_RANGES) {
      const w = rangeWindow(range, now);
      const bucket = w.aggregation === 'hourly' ? HOUR : DAY;
      expect(w.start.getTime() % bucket).toBe(0);
      const nominal = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY, '1y': 365 * DAY }[range];
      const span = w.end.getTime() - w.start.getTime();
      expect(span).toBeGreaterThanOrEqual(nominal);
      expect(span).toBeLessThan(nominal + bucket);
    }
  });

  it('stays inside the retention of the aggregate it reads (hourly 90 d, daily 365 d)', () => {
    for (const range of TIME_RANGES) {
      const w = rangeWindow(range, now);
      const kept = w.aggregation === 'hourly' ? 90 * DAY : 365 * DAY;
      expect(now.getTime() - w.start.getTime()).toBeLessThanOrEqual(kept + DAY);
    }
  });

  it('does not alias the caller’s clock', () => {
    const w = rangeWindow('24h', now);
    expect(w.end).not.toBe(now);
  });
});

describe('URL parameters', () => {
  it('reads a known range and falls back to 24h for anything else', () => {
    expect(parseRange('90d')).toBe('90d');
    expect(parseRange(['1y', '7d'])).toBe('1y');
    expect(parseRange(undefined)).toBe('24h');
    expect(parseRange(null)).toBe('24h');
    expect(parseRange('2w')).toBe('24h');
    expect(parseRange('toString')).toBe('24h');
  });

  it('reads the time zone, local unless tz=utc', () => {
    expect(parseTimeZone('utc')).toBe('UTC');
    expect(parseTimeZone('UTC')).toBe('UTC');
    expect(parseTimeZone(undefined)).toBe('local');
    expect(parseTimeZone('Africa/Lagos')).toBe('local');
  });

  it('reads auto-refresh, on unless refresh=off', () => {
    expect(parseAutoRefresh(undefined)).toBe(true);
    expect(parseAutoRefresh('on')).toBe(true);
    expect(parseAutoRefresh('off')).toBe(false);
  });

  it('sets and deletes parameters and keeps the others', () => {
    expect(withSearchParams('range=7d&tz=utc', { range: '30d' })).toBe('?range=30d&tz=utc');
    expect(withSearchParams('?range=7d&tz=utc', { tz: null })).toBe('?range=7d');
    expect(withSearchParams('tz=utc', { tz: null })).toBe('');
    expect(withSearchParams(new URLSearchParams('q=a b'), { refresh: 'off' })).toBe('?q=a+b&refresh=off');
  });
});
