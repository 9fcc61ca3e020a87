/**
 * Tests' own arithmetic for the expected aggregates, computed independently of SQL: what
 * avg/min/max/percentile_cont over a bucket must give. NULLs are ignored, as SQL does.
 */
export const present = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);

/** Values have 2 decimals: summing hundredths as integers keeps the sum exact. */
export const mean = (xs: (number | null)[]) => {
  const v = present(xs);
  return v.length ? v.reduce((s, x) => s + Math.round(x * 100), 0) / v.length / 100 : null;
};

export const min = (xs: (number | null)[]) => (present(xs).length ? Math.min(...present(xs)) : null);
export const max = (xs: (number | null)[]) => (present(xs).length ? Math.max(...present(xs)) : null);

/** PostgreSQL's percentile_cont (float8): linear interpolation between the two nearest ranks. */
export function percentileCont(fraction: number, xs: (number | null)[]): number | null {
  const v = present(xs).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const position = fraction * (v.length - 1);
  const first = Math.floor(position);
  const second = Math.ceil(position);
  if (first === second) return v[first]!;
  const lo = v[first]!;
  const hi = v[second]!;
  return lo + (hi - lo) * (position - first);
}
