import 'server-only';
import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';
import { getDatabase } from '../db/client';
import { countUsers } from './queries';
import { hasRole, type Role } from './roles';
import { sessionUserFrom, type SessionUser } from './session';

/** The signed-in user of this render (one session lookup per request, however many components ask). */
export const currentUser = cache(async (): Promise<SessionUser | null> => sessionUserFrom(await headers()));

/**
 * Every page calls this itself (layouts render in parallel with pages, so a layout's check
 * does not protect a page). No user: the setup page while no account exists, else sign-in.
 * Wrong role: 403.
 */
export async function requirePageUser(needed: Role = 'viewer', returnTo?: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) {
    const { db } = await getDatabase();
    if ((await countUsers(db)) === 0) redirect('/setup');
    redirect(returnTo && returnTo !== '/' ? `/sign-in?next=${encodeURIComponent(returnTo)}` : '/sign-in');
  }
  if (!hasRole(user.role, needed)) forbidden();
  return user;
}
