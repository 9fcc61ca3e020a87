/**
 * Legibility for nodes that share a place. A city often hosts several probes with the same or
 * nearly the same coordinates; drawn as they are, their markers sit on top of each other and
 * only the top one can be seen or clicked.
 *
 * We fan them out rather than cluster them: each node keeps its own marker, colour, tooltip and
 * click target at every zoom level, which is what a NOC needs (a cluster bubble hides which of
 * the five Lagos probes is red until someone clicks it), and it costs no plugin in the bundle.
 *
 * Works in screen pixels at the current zoom, so the fan is the same size however far one zooms:
 * markers closer than `groupWithinPx` to a group's anchor join it, and the group is laid out on
 * concentric rings around the anchor with at least `spacingPx` between any two markers.
 */
export interface PixelPoint {
  x: number;
  y: number;
}

export interface FanOutOptions {
  /** Markers whose true positions are closer than this to a group's anchor join that group. */
  groupWithinPx: number;
  /** Least distance between two fanned markers (marker diameter plus a gap). */
  spacingPx: number;
  /** Radius of the first ring. */
  minRadiusPx: number;
}

export const DEFAULT_FAN_OUT: FanOutOptions = { groupWithinPx: 12, spacingPx: 18, minRadiusPx: 16 };

export interface FannedPoint extends PixelPoint {
  /** The shared point the group fans out from (the marker's own position when alone). */
  anchor: PixelPoint;
  /** Index of the group in the result, stable for the same input. */
  group: number;
  groupSize: number;
}

/** Leader clustering: a point joins the first group whose anchor is close enough, so groups cannot chain across a region. */
export function groupByProximity(points: readonly PixelPoint[], withinPx: number): number[][] {
  const groups: number[][] = [];
  const anchors: PixelPoint[] = [];
  points.forEach((p, i) => {
    const g = anchors.findIndex((a) => Math.hypot(a.x - p.x, a.y - p.y) < withinPx);
    if (g === -1) {
      anchors.push(p);
      groups.push([i]);
    } else {
      groups[g]!.push(i);
    }
  });
  return groups;
}

/** Offsets of `count` markers on rings around (0, 0); one marker stays at the centre. */
export function ringOffsets(count: number, spacingPx: number, minRadiusPx: number): PixelPoint[] {
  if (count <= 1) return count === 1 ? [{ x: 0, y: 0 }] : [];
  const offsets: PixelPoint[] = [];
  let radius = Math.max(minRadiusPx, spacingPx / 2);
  while (offsets.length < count) {
    // The most markers whose chord (2r·sin(π/k)) is still at least the spacing.
    const capacity = Math.max(1, Math.floor(Math.PI / Math.asin(Math.min(1, spacingPx / (2 * radius)))));
    const onRing = Math.min(capacity, count - offsets.length);
    for (let k = 0; k < onRing; k++) {
      // Start at the top and go clockwise (screen y grows downwards).
      const angle = -Math.PI / 2 + (2 * Math.PI * k) / onRing;
      offsets.push({ x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
    }
    radius += spacingPx;
  }
  return offsets;
}

/**
 * Where to draw each point. The order of `points` decides a node's slot in its ring, so callers
 * pass nodes in a stable order (by id) and a node keeps its place across refreshes.
 */
export function fanOut(points: readonly PixelPoint[], options: FanOutOptions = DEFAULT_FAN_OUT): FannedPoint[] {
  const result: FannedPoint[] = new Array(points.length);
  groupByProximity(points, options.groupWithinPx).forEach((members, group) => {
    const anchor = points[members[0]!]!;
    if (members.length === 1) {
      result[members[0]!] = { x: anchor.x, y: anchor.y, anchor, group, groupSize: 1 };
      return;
    }
    const offsets = ringOffsets(members.length, options.spacingPx, options.minRadiusPx);
    members.forEach((index, slot) => {
      const o = offsets[slot]!;
      result[index] = { x: anchor.x + o.x, y: anchor.y + o.y, anchor, group, groupSize: members.length };
    });
  });
  return result;
}
