import { describe, expect, it } from 'vitest';
import { sparklinePath, sparklinePoints, sparklineSummary } from '@/components/sparkline';

describe('sparkline', () => {
  it('scales from zero at the bottom to the maximum at the top', () => {
    const points = sparklinePoints([0, 50, 100], 100, 20, 0);
    expect(points).toEqual([
      { x: 0, y: 20 },
      { x: 50, y: 10 },
      { x: 100, y: 0 },
    ]);
    expect(sparklinePath(points)).toBe('M0 20 L50 10 L100 0');
  });

  it('breaks the line at missing samples', () => {
    const path = sparklinePath(sparklinePoints([10, null, 10, 20], 30, 10, 0));
    expect(path).toBe('M0 5 M20 5 L30 0');
  });

  it('draws nothing without samples and names the trend for screen readers', () => {
    expect(sparklinePath(sparklinePoints([null, null], 10, 10))).toBe('');
    expect(sparklineSummary([null], 'Latency', 'ms')).toBe('Latency: no samples');
    expect(sparklineSummary([12, null, 30.04, 20], 'Latency', 'ms')).toBe('Latency: latest 20.0 ms, min 12.0 ms, max 30.0 ms');
  });
});
