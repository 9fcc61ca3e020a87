import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axisTickLabels, columnExtent, countSampledPoints, formatAxisNumber, percentRange, toAlignedSeries, zeroBasedRange } from '@/components/charts/chart-data';

let savedTz: string | undefined;
beforeAll(() => {
  savedTz = process.env.TZ;
  process.env.TZ = 'Africa/Nairobi'; // UTC+3
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('toAlignedSeries', () => {
  it('sorts by time, converts to Unix seconds and keeps gaps as null', () => {
    const aligned = toAlignedSeries(
      [
        { time: '2025-11-24T02:00:00Z', a: 3, b: null },
        { time: '2025-11-24T00:00:00Z', a: 1, b: 10 },
        { time: 'garbage', a: 9, b: 9 },
        { time: '2025-11-24T01:00:00Z', b: Number.NaN },
      ],
      ['a', 'b'],
    );
    const t0 = Date.parse('2025-11-24T00:00:00Z') / 1000;
    expect(aligned.times).toEqual([t0, t0 + 3600, t0 + 7200]);
    expect(aligned.columns).toEqual([
      [1, null, 3],
      [10, null, null],
    ]);
  });

  it('counts only points that carry a value', () => {
    expect(countSampledPoints([{ time: 'x', a: null }, { time: 'y', a: 0 }, { time: 'z' }], ['a'])).toBe(1);
    expect(columnExtent([[null, 4, 2], [null, -1]])).toEqual({ min: -1, max: 4 });
    expect(columnExtent([[null]])).toBeNull();
  });
});

describe('y ranges', () => {
  it('starts latency and loss at zero with head room, and keeps 0 % loss on the floor', () => {
    expect(zeroBasedRange(100, 10)).toEqual([0, 110.00000000000001]);
    expect(zeroBasedRange(0, 1)).toEqual([0, 1]);
    expect(zeroBasedRange(null, 1)).toEqual([0, 1]);
  });

  it('zooms a percentage in on the top and opens down to an outage', () => {
    expect(percentRange(99.95)).toEqual([99, 100]);
    expect(percentRange(97)).toEqual([95, 100]);
    expect(percentRange(0)).toEqual([0, 100]);
    expect(percentRange(null)).toEqual([0, 100]);
    expect(percentRange(100)).toEqual([99, 100]);
  });

  it('writes axis numbers compactly', () => {
    expect(formatAxisNumber(120)).toBe('120');
    expect(formatAxisNumber(2.5)).toBe('2.5');
    expect(formatAxisNumber(0.1 + 0.2)).toBe('0.3');
  });
});

describe('axisTickLabels', () => {
  const s = (iso: string) => Date.parse(iso) / 1000;
  const ticks = [s('2025-11-24T18:00:00Z'), s('2025-11-24T21:00:00Z'), s('2025-11-25T00:00:00Z')];

  it('labels hour ticks in UTC with the date on the first tick of each day', () => {
    expect(axisTickLabels(ticks, 3 * 3600, 'UTC')).toEqual(['11-24\n18:00', '21:00', '11-25\n00:00']);
  });

  it('labels the same instants in local time (UTC+3 here)', () => {
    expect(axisTickLabels(ticks, 3 * 3600, 'local')).toEqual(['11-24\n21:00', '11-25\n00:00', '03:00']);
  });

  it('labels day and month ticks', () => {
    expect(axisTickLabels([s('2025-11-24T00:00:00Z')], 86400, 'UTC')).toEqual(['11-24']);
    expect(axisTickLabels([s('2025-11-01T00:00:00Z')], 31 * 86400, 'UTC')).toEqual(['2025-11']);
  });
});
