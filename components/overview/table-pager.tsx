import Link from 'next/link';
import { withSearchParams } from '@/components/controls/range';

interface TablePagerProps {
  page: { number: number; count: number; size: number };
  matched: number;
  /** The current query string, kept on every link (filters, sort, time zone). */
  search: string;
}

/** Previous/next links for the node table; nothing when everything fits on one page. */
export function TablePager({ page, matched, search }: TablePagerProps) {
  if (page.count <= 1) return null;
  const first = (page.number - 1) * page.size + 1;
  const last = Math.min(matched, page.number * page.size);
  const href = (n: number) => `/${withSearchParams(search, { page: n === 1 ? null : String(n) })}#nodes`;
  return (
    <nav className="table-pager" aria-label="Node table pages">
      {page.number > 1 ? (
        <Link href={href(page.number - 1)} scroll={false} rel="prev">
          ← Previous
        </Link>
      ) : null}
      <span>
        Nodes {first}–{last} of {matched} · page {page.number} of {page.count}
      </span>
      {page.number < page.count ? (
        <Link href={href(page.number + 1)} scroll={false} rel="next">
          Next →
        </Link>
      ) : null}
    </nav>
  );
}
