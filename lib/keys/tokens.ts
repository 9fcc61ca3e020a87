import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Probe key format: `fsp_<prefix id>_<secret>`: `fsp_` makes a leaked key recognisable (and
 * greppable by secret scanners), the 8-character id is its public name, the 43-character
 * base64url secret carries 256 random bits.
 */
const KEY_PATTERN = /^fsp_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export interface NewProbeKey {
  key: string;
  prefix: string;
  hash: string;
}

export function generateProbeKey(): NewProbeKey {
  const id = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const key = `fsp_${id}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: `fsp_${id}`, hash: hashProbeKey(key) };
}

export function hashProbeKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The public part of a well-formed key, or undefined for anything that is not one. */
export function probeKeyPrefix(key: string): string | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? `fsp_${match[1]}` : undefined;
}

/** Constant-time equality of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
