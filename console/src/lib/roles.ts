import type { Role } from '../api.ts';

/**
 * What each role may do: a copy of src/identity/roles.ts (the server stays the judge; the
 * console only hides what would be refused). test/console/console-units.test.ts checks the
 * two tables agree.
 */
export type Permission =
  | 'org.read'
  | 'org.update'
  | 'members.read'
  | 'members.manage'
  | 'invites.manage'
  | 'agents.read'
  | 'agents.manage'
  | 'apikeys.manage'
  | 'audit.read'
  | 'approvals.decide'
  | 'policies.read'
  | 'policies.manage';

const READ: Permission[] = ['org.read', 'members.read', 'agents.read', 'policies.read'];
const MANAGE: Permission[] = [...READ, 'org.update', 'members.manage', 'invites.manage', 'agents.manage', 'apikeys.manage', 'audit.read', 'approvals.decide', 'policies.manage'];

export const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(MANAGE),
  admin: new Set(MANAGE),
  approver: new Set<Permission>([...READ, 'approvals.decide']),
  auditor: new Set<Permission>([...READ, 'audit.read']),
  viewer: new Set<Permission>(READ),
};

export const ROLES: Role[] = ['owner', 'admin', 'approver', 'auditor', 'viewer'];

export function can(role: Role | undefined, perm: Permission | undefined): boolean {
  if (!perm) return true;
  return role !== undefined && GRANTS[role].has(perm);
}
