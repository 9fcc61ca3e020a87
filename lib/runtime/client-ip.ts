import type { IncomingMessage } from 'node:http';
import { CLIENT_IP_HEADER } from '../auth/origin';

/**
 * Tells the app who is calling (login rate limit, audit trail) in a header no client can forge:
 * whatever arrives under that name is replaced by the socket's address, or, behind a trusted
 * reverse proxy, by the left-most X-Forwarded-For entry the proxy appended.
 */
export function stampClientIp(req: IncomingMessage, trustProxy: boolean): void {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim() : '';
  const address = forwarded || req.socket.remoteAddress || '';
  if (address) req.headers[CLIENT_IP_HEADER] = address.replace(/^::ffff:/, '');
  else delete req.headers[CLIENT_IP_HEADER];
}
