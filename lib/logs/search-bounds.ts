import { ApiError } from '../http/problem';
import { DAY_MS } from './queries';
import { MAX_PAGE_SIZE, MAX_SEARCH_RANGE_DAYS, type TimeRange } from './types';

/**
 * The bounds every store enforces on a search, whatever called it (the API's schema checks the
 * same earlier, with friendlier messages): `from` before `to`, a span of at most
 * MAX_SEARCH_RANGE_DAYS, so no search scans more than that.
 */
export function checkSearchRange(range: TimeRange): void {
  const span = range.to.getTime() - range.from.getTime();
  if (!(span > 0)) throw new ApiError(400, '`from` must be before `to`.', { errors: [{ parameter: 'from', message: 'must be before to' }] });
  if (span > MAX_SEARCH_RANGE_DAYS * DAY_MS) {
    throw new ApiError(400, `A search spans at most ${MAX_SEARCH_RANGE_DAYS} days.`, {
      errors: [{ parameter: 'from', message: `at most ${MAX_SEARCH_RANGE_DAYS} days before to` }],
    });
  }
}

/** A page size from 1 to MAX_PAGE_SIZE, whatever was asked for. */
export function searchPageSize(limit: number): number {
  return Math.max(1, Math.min(Math.floor(limit) || 1, MAX_PAGE_SIZE));
}
