// isAPIError, not instanceof APIError: see lib/auth/admin-users.ts.
import { isAPIError } from 'better-auth/api';
import type { Auth } from './auth';
import type { NewUser } from './schemas';

export class UserExistsError extends Error {
  override name = 'UserExistsError';
}

/** Creates an email + password account (better-auth hashes the password with scrypt). */
export async function createUserAccount(auth: Auth, user: NewUser): Promise<{ id: string; email: string; role: string }> {
  try {
    const created = await auth.api.createUser({ body: { email: user.email, password: user.password, name: user.name, role: user.role } });
    return { id: created.user.id, email: created.user.email, role: user.role };
  } catch (err) {
    if (isAPIError(err) && /exist/i.test(err.message)) throw new UserExistsError(`A user with the email ${user.email} already exists.`);
    throw err;
  }
}
