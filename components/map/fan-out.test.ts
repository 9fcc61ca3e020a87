import { describe, expect, it } from 'vitest';
import { DEFAULT_FAN_OUT, fanOut, groupByProximity, ringOffsets, type PixelPoint } from '@/components/map/fan-out';

const dist = (a: PixelPoint, b: PixelPoint) => Math.hypot(a.x - b.x, a.y - b.y);
const minPairDistance = (ps: PixelPoint[]) => {
  let min = Infinity;
  for (let i = 0; i < ps.length; i++) for (let j = i + 1; j < ps.length; j++) min = Math.min(min, dist(ps[i]!, ps[j]!));
  return min;
};

describe('fanOut', () => {
  it('leaves a lone marker where it is', () => {
    const [p] = fanOut([{ x: 100, y: 50 }]);
    expect(p).toMatchObject({ x: 100, y: 50, groupSize: 1 });
  });

  it('spreads markers that share a point around it, none left on top of another', () => {
    const same = Array.from({ length: 5 }, () => ({ x: 200, y: 200 }));
    const placed = fanOut(same);
    for (const p of placed) {
      expect(p.groupSize).toBe(5);
      expect(p.anchor).toEqual({ x: 200, y: 200 });
      expect(dist(p, p.anchor)).toBeCloseTo(DEFAULT_FAN_OUT.minRadiusPx, 6);
    }
    expect(minPairDistance(placed)).toBeGreaterThanOrEqual(DEFAULT_FAN_OUT.spacingPx - 1e-9);
  });

  it('groups nearly identical coordinates too, but not markers that are already apart', () => {
    const placed = fanOut([
      { x: 0, y: 0 },
      { x: 3, y: 4 },
      { x: 40, y: 0 },
    ]);
    expect(placed[0]!.groupSize).toBe(2);
    expect(placed[1]!.groupSize).toBe(2);
    expect(placed[2]).toMatchObject({ x: 40, y: 0, groupSize: 1 });
    expect(placed[0]!.group).toBe(placed[1]!.group);
  });

  it('keeps a large group legible on several rings', () => {
    const same = Array.from({ length: 40 }, () => ({ x: 0, y: 0 }));
    const placed = fanOut(same);
    expect(minPairDistance(placed)).toBeGreaterThanOrEqual(DEFAULT_FAN_OUT.spacingPx - 1e-9);
    const radii = new Set(placed.map((p) => Math.round(dist(p, { x: 0, y: 0 }))));
    expect(radii.size).toBeGreaterThan(1);
    // Compact: 40 markers of 18 px spacing fit within a few rings.
    expect(Math.max(...radii)).toBeLessThanOrEqual(DEFAULT_FAN_OUT.minRadiusPx + 3 * DEFAULT_FAN_OUT.spacingPx);
  });

  it('gives a node the same slot for the same input (stable across refreshes)', () => {
    const pts = [
      { x: 10, y: 10 },
      { x: 10, y: 10 },
      { x: 10, y: 10 },
    ];
    expect(fanOut(pts)).toEqual(fanOut(pts));
  });

  it('starts the first ring at the top', () => {
    const [first] = ringOffsets(3, 18, 16);
    expect(first!.x).toBeCloseTo(0, 9);
    expect(first!.y).toBeCloseTo(-16, 9);
  });

  it('handles no markers', () => {
    expect(fanOut([])).toEqual([]);
    expect(ringOffsets(0, 18, 16)).toEqual([]);
  });
});

describe('groupByProximity', () => {
  it('does not chain: a point near a member but far from the anchor starts its own group', () => {
    const groups = groupByProximity(
      [
        { x: 0, y: 0 },
        { x: 10, y: 0 },
        { x: 20, y: 0 },
      ],
      12,
    );
    expect(groups).toEqual([[0, 1], [2]]);
  });
});
