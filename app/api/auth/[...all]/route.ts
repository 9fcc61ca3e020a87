import { getAuth } from '@/lib/auth/auth';
import { answerWithinDeadline } from '@/lib/http/deadline';

export const dynamic = 'force-dynamic';

/**
 * better-auth's endpoints (sign-in, sign-out, session, password change, admin). Each checks its
 * own session and, for admin endpoints, the role; sign-up is disabled; state-changing calls must
 * come from our own origin (FIBER_PUBLIC_URL or the request's host), and sign-in is rate limited.
 */
async function handle(req: Request): Promise<Response> {
  // Within the API's deadline: a sign-in must not hang while the database does not answer.
  return answerWithinDeadline(req, async () => (await getAuth()).handler(req));
}

export const GET = handle;
export const POST = handle;
