import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { nextCookies } from 'better-auth/next-js';
import { admin } from 'better-auth/plugins';
import { config } from '../config';
import { getDatabase, type Db } from '../db/client';
import { authSchema } from '../db/auth-schema';
import { errorMessage } from '../db/rows';
import { log } from '../log';
import { getRedis } from '../redis';
import { refuseAdminEndpointsOverHttp } from './audit-hook';
import { CLIENT_IP_HEADER, allowedOrigins } from './origin';
import { getOrCreateSecret } from './queries';
import { redisRateLimitStorage } from './rate-limit';
import { accessControl, authRoles } from './roles';
import { MAX_PASSWORD, MIN_PASSWORD } from './schemas';

export const SESSION_DAYS = 7;

function createAuth(db: Db, secret: string) {
  const cfg = config();
  const logger = log().child({ logger: 'auth' });
  const publicUrl = cfg.FIBER_PUBLIC_URL ?? `http://localhost:${cfg.PORT}`;
  return betterAuth({
    appName: 'FiberStack-Lite',
    baseURL: publicUrl,
    basePath: '/api/auth',
    secret,
    database: drizzleAdapter(db, { provider: 'pg', schema: authSchema }),
    // Accounts come from the setup page, the CLI and admins; nobody signs themselves up.
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      autoSignIn: false,
      minPasswordLength: MIN_PASSWORD,
      maxPasswordLength: MAX_PASSWORD,
      revokeSessionsOnPasswordReset: true,
    },
    // No cookie cache: a revoked session (password change, disabled user) ends at its next request.
    session: { expiresIn: SESSION_DAYS * 86_400, updateAge: 86_400 },
    trustedOrigins: (request) => allowedOrigins(publicUrl, request),
    rateLimit: {
      enabled: true,
      window: 60,
      max: 100,
      customRules: { '/sign-in/email': { window: 60, max: cfg.AUTH_SIGNIN_ATTEMPTS_PER_MINUTE } },
      customStorage: redisRateLimitStorage(() => getRedis(cfg.REDIS_URL)),
    },
    advanced: {
      cookiePrefix: 'fiber',
      // Explicit, because better-auth turns both off by itself when NODE_ENV=test: our tests must
      // see the origin and CSRF checks production has.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      useSecureCookies: publicUrl.startsWith('https://'),
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax' },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    telemetry: { enabled: false },
    logger: {
      level: 'warn',
      log: (level, message, ...args) => {
        const context = args.length ? { detail: args.map((a) => errorMessage(a)).join('; ') } : undefined;
        if (level === 'error') logger.error({ context }, message);
        else if (level === 'warn') logger.warn({ context }, message);
        else logger.debug({ context }, message);
      },
    },
    hooks: { before: refuseAdminEndpointsOverHttp(db) },
    plugins: [admin({ ac: accessControl, roles: authRoles, defaultRole: 'viewer', adminRoles: ['admin'] }), nextCookies()],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const globalForAuth = globalThis as unknown as { fiberAuth?: Promise<Auth> };

/** The process's better-auth instance, on the process's database (one per process, like the database). */
export function getAuth(): Promise<Auth> {
  globalForAuth.fiberAuth ??= (async () => {
    const { db } = await getDatabase();
    const secret = config().FIBER_AUTH_SECRET ?? (await getOrCreateSecret(db, 'auth'));
    return createAuth(db, secret);
  })();
  globalForAuth.fiberAuth.catch(() => {
    globalForAuth.fiberAuth = undefined;
  });
  return globalForAuth.fiberAuth;
}

/** Tests that open a fresh database per file start from a fresh instance. */
export function resetAuthForTests(): void {
  globalForAuth.fiberAuth = undefined;
}
