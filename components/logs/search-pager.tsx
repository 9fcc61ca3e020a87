import Link from 'next/link';
import { logsHref, nextPageHref, type UrlState } from './urls';
import { counted } from './words';

interface SearchPagerProps {
  state: UrlState;
  shown: number;
  nextCursor: string | null;
  range: { from: Date; to: Date };
  ascending: boolean;
  /** Singular. */
  noun: string;
}

/** Cursor pages: "Older" (or "Later" oldest first) follows the cursor, "Newest" (or "Earliest") starts over. */
export function SearchPager({ state, shown, nextCursor, range, ascending, noun }: SearchPagerProps) {
  const paged = Boolean(state.cursor);
  if (!paged && !nextCursor) return null;
  return (
    <nav className="table-pager search-pager" aria-label="Result pages">
      {paged ? (
        <Link href={logsHref(state, { cursor: null })} prefetch={false} rel="first">
          {ascending ? '« Earliest' : '« Newest'}
        </Link>
      ) : null}
      <span>
        {counted(shown, noun)} on this page
      </span>
      {nextCursor ? (
        <Link href={nextPageHref(state, nextCursor, range)} prefetch={false} rel="next">
          {ascending ? 'Later →' : 'Older →'}
        </Link>
      ) : null}
    </nav>
  );
}
