import { NextResponse, type NextRequest } from 'next/server';
import { config as appConfig } from './lib/config';
import { contentSecurityPolicy } from './lib/http/security-headers';

/**
 * A fresh CSP nonce per page request (Next applies it to its scripts). Security headers only:
 * authentication is checked by every page, route handler and server action itself, so nothing
 * here can be bypassed to gain access (e.g. with a forged `x-middleware-subrequest`).
 */
export function proxy(request: NextRequest): NextResponse {
  const cfg = appConfig();
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const csp = contentSecurityPolicy(nonce, {
    dev: cfg.NODE_ENV === 'development',
    tileUrl: cfg.NEXT_PUBLIC_MAP_TILE_URL,
    https: (cfg.FIBER_PUBLIC_URL ?? '').startsWith('https://'),
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', csp);
  return response;
}

export const config = {
  matcher: [
    {
      source: '/((?!api/|_next/static|_next/image|favicon.ico|icon.svg).*)',
      missing: [{ type: 'header', key: 'next-router-prefetch' }],
    },
  ],
};
