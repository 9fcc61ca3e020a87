import type { NextConfig } from 'next';
import { SECURITY_HEADERS } from './lib/http/security-headers';

const nextConfig: NextConfig = {
  // PGlite ships WASM + data files that must be loaded from node_modules at run time, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres', 'ioredis', 'pino', 'proper-lockfile', '@elastic/elasticsearch'],
  poweredByHeader: false,
  reactStrictMode: true,
  // forbidden() answers a signed-in user without the role with 403 (app/forbidden.tsx).
  experimental: { authInterrupts: true },
  async headers() {
    return [{ source: '/:path*', headers: SECURITY_HEADERS }];
  },
};

export default nextConfig;
