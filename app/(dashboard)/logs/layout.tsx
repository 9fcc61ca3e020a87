import { connection } from 'next/server';
import { requirePageUser } from '@/lib/auth/page';

/**
 * Signed out: a real redirect before anything streams. The page below sits inside loading.tsx's
 * Suspense boundary, where its own redirect could only arrive in a response already sent as 200.
 * (The page checks again itself: a layout's check does not protect a page.)
 */
export default async function LogsLayout({ children }: { children: React.ReactNode }) {
  await connection();
  await requirePageUser('viewer', '/logs');
  return children;
}
