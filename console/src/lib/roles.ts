import type { Role } from '../api.ts';
import { can as serverCan, ROLES, type Permission } from '../../../src/identity/roles.ts';

/**
 * What each role may do: the server's own table (src/identity/roles.ts is pure data), so
 * the console never drifts from it. The server stays the judge; the console only hides
 * what would be refused.
 */
export type { Permission };
export { ROLES };

export function can(role: Role | undefined, perm: Permission | undefined): boolean {
  if (!perm) return true;
  return role !== undefined && serverCan(role, perm);
}
