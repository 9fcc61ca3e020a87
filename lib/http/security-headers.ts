/**
 * The Content-Security-Policy of every page: scripts only from us and only with this
 * response's nonce (Next stamps it on its own scripts), so an injected `<script>` or
 * `onerror=` attribute does not run. Styles allow inline because React style props and Leaflet
 * position elements with style attributes; they cannot run code. Images may come from the
 * configured tile server.
 */
export function contentSecurityPolicy(nonce: string, options: { dev: boolean; tileUrl?: string; https: boolean }): string {
  const tileOrigin = options.tileUrl ? new URL(options.tileUrl.replace(/\{[a-z]\}/g, 'a')).origin : '';
  return [
    `default-src 'self'`,
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? ` 'unsafe-eval'` : ''}`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:${tileOrigin ? ` ${tileOrigin}` : ''}`,
    `font-src 'self'`,
    `connect-src 'self'${options.dev ? ' ws:' : ''}`,
    `object-src 'none'`,
    `base-uri 'self'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
    ...(options.https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** Sent with every response, API included (next.config.ts). */
export const SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
];
