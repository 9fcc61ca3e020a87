/**
 * Which origins may send state-changing requests with our cookies: the configured public URL
 * and the origin of the host the request was addressed to (a NOC may reach the dashboard by IP
 * or by an internal name). A browser sets Host itself, so a foreign page cannot claim ours.
 */
export function allowedOrigins(publicUrl: string, request?: Request): string[] {
  const origins = [new URL(publicUrl).origin];
  const host = request?.headers.get('host');
  if (host && /^[\w.:[\]-]+$/.test(host)) origins.push(`${new URL(publicUrl).protocol}//${host}`);
  return origins;
}

/**
 * The client address as lib/runtime/server.ts saw it on the socket (or, with FIBER_TRUST_PROXY,
 * from X-Forwarded-For). The server overwrites whatever a client sends under this name, so the
 * login rate limit and the audit trail cannot be fooled by a forged header.
 */
export const CLIENT_IP_HEADER = 'x-fiber-client-ip';
