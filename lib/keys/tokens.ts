import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer token format: `<kind>_<prefix id>_<secret>`. The kind makes a leaked token recognisable
 * (and greppable by secret scanners): `fsp_` probe keys (push), `fsr_` read-only API tokens. The
 * 8-character id is its public name; the 43-character base64url secret carries 256 random bits.
 */
export type TokenKind = 'fsp' | 'fsr';

export interface NewToken {
  key: string;
  prefix: string;
  hash: string;
}

export function generateToken(kind: TokenKind): NewToken {
  const id = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const key = `${kind}_${id}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: `${kind}_${id}`, hash: hashToken(key) };
}

export function hashToken(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The public part of a well-formed token of this kind, or undefined for anything that is not one. */
export function tokenPrefix(key: string, kind: TokenKind): string | undefined {
  const match = /^([a-z]{3})_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/.exec(key);
  return match && match[1] === kind ? `${kind}_${match[2]}` : undefined;
}

export type NewProbeKey = NewToken;
export const generateProbeKey = (): NewProbeKey => generateToken('fsp');
export const hashProbeKey = hashToken;
export const probeKeyPrefix = (key: string): string | undefined => tokenPrefix(key, 'fsp');

/** Constant-time equality of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
