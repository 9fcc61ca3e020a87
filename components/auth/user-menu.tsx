import Link from 'next/link';
import { signOut } from '@/app/(auth)/actions';
import { currentUser } from '@/lib/auth/page';
import './auth.css';

/**
 * The top bar's right side: who is signed in, the logs, admin links for admins, sign-out. Nothing when
 * signed out. No prefetching: every page of a wall screen would otherwise fetch five dynamic
 * admin pages it never opens.
 */
export async function UserMenu() {
  let user: Awaited<ReturnType<typeof currentUser>>;
  try {
    user = await currentUser();
  } catch {
    // The database is away (or the check failed): the page's own check fails the same way and
    // shows the error page inside this layout; failing here would replace the whole document.
    return null;
  }
  if (!user) return null;
  return (
    <nav className="user-menu" aria-label="Account">
      <Link prefetch={false} href="/logs">Logs</Link>
      {user.role === 'admin' && (
        <>
          <Link prefetch={false} href="/admin/nodes">Nodes admin</Link>
          <Link prefetch={false} href="/admin/users">Users</Link>
          <Link prefetch={false} href="/admin/tokens">API tokens</Link>
          <Link prefetch={false} href="/admin/audit">Audit</Link>
        </>
      )}
      <Link prefetch={false} href="/account" title={`${user.email} (${user.role})`}>
        {user.name} · {user.role}
      </Link>
      <form action={signOut}>
        <button type="submit" className="link-button">
          Sign out
        </button>
      </form>
    </nav>
  );
}
