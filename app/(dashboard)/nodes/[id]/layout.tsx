import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { requirePageUser } from '@/lib/auth/page';
import { getDatabaseFor } from '@/lib/db/client';
import { nodeExists } from '@/lib/nodes/queries';
import { nodeIdSchema } from '@/lib/nodes/schemas';

/**
 * Answers a malformed or unknown node id with a real 404 before anything streams: the page below
 * sits inside loading.tsx's Suspense boundary, where notFound() could only swap the content of a
 * response already sent as 200.
 */
export default async function NodeLayout({ params, children }: { params: Promise<{ id: string }>; children: React.ReactNode }) {
  await connection();
  const raw = (await params).id;
  // Signed out: to sign-in before the 404 check, so node ids cannot be probed without an account.
  await requirePageUser('viewer', `/nodes/${encodeURIComponent(raw)}`);
  const id = nodeIdSchema.safeParse(raw);
  if (!id.success) notFound();
  const { db } = await getDatabaseFor('reader');
  if (!(await nodeExists(db, id.data))) notFound();
  return children;
}
