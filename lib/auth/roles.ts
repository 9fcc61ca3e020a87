import { createAccessControl } from 'better-auth/plugins/access';
import { adminAc, defaultStatements, userAc } from 'better-auth/plugins/admin/access';

/**
 * Two roles. `viewer`: NOC staff, everything read-only (and, later, acknowledging alerts).
 * `admin`: nodes, probe keys, API tokens and users as well. Our own pages and handlers check
 * the role with `hasRole`; better-auth's admin endpoints use the access-control map below.
 */
export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const accessControl = createAccessControl(defaultStatements);
export const authRoles = {
  admin: accessControl.newRole({ ...adminAc.statements }),
  viewer: accessControl.newRole({ ...userAc.statements }),
};

/** admin ⊇ viewer. An unknown role (a hand-edited row) grants nothing. */
export function hasRole(role: string | null | undefined, needed: Role): boolean {
  if (role === 'admin') return true;
  return needed === 'viewer' && role === 'viewer';
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
