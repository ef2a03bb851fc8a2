/**
 * Organization roles and what each may do. Pure data: routes declare the permission they
 * need; this table is the only place that says which role has it.
 */
export const ROLES = ['owner', 'admin', 'approver', 'auditor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

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
  | 'audit.manage'
  | 'audit.purge.approve'
  | 'history.read'
  | 'stats.read'
  | 'approvals.decide'
  | 'policies.read'
  | 'policies.manage'
  | 'shield.read'
  | 'shield.manage'
  | 'servers.read'
  | 'servers.manage'
  | 'secrets.read'
  | 'secrets.manage'
  | 'reports.read'
  | 'snapshots.read'
  | 'snapshots.manage';

const READ: Permission[] = ['org.read', 'members.read', 'agents.read', 'policies.read', 'shield.read', 'servers.read'];

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set<Permission>([...READ, 'org.update', 'members.manage', 'invites.manage', 'agents.manage', 'apikeys.manage', 'audit.read', 'approvals.decide', 'policies.manage', 'shield.manage', 'servers.manage', 'secrets.read', 'secrets.manage', 'reports.read', 'snapshots.read', 'snapshots.manage']),
  admin: new Set<Permission>([...READ, 'org.update', 'members.manage', 'invites.manage', 'agents.manage', 'apikeys.manage', 'audit.read', 'approvals.decide', 'policies.manage', 'shield.manage', 'servers.manage', 'secrets.read', 'secrets.manage', 'reports.read', 'snapshots.read', 'snapshots.manage']),
  approver: new Set<Permission>([...READ, 'approvals.decide']),
  auditor: new Set<Permission>([...READ, 'audit.read', 'secrets.read', 'reports.read', 'snapshots.read']),
  viewer: new Set<Permission>([...READ]),
};

/**
 * Audit and history (docs/audit.md): everyone sees the overview counts; people who decide
 * or review calls (approvers, auditors) read the command history; owners and admins set
 * retention and request purges; a purge is approved by a different owner, admin or auditor.
 */
const AUDIT_GRANTS: Record<Role, readonly Permission[]> = {
  owner: ['stats.read', 'history.read', 'audit.manage', 'audit.purge.approve'],
  admin: ['stats.read', 'history.read', 'audit.manage', 'audit.purge.approve'],
  approver: ['stats.read', 'history.read'],
  auditor: ['stats.read', 'history.read', 'audit.purge.approve'],
  viewer: ['stats.read'],
};

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function can(role: Role, perm: Permission): boolean {
  return GRANTS[role].has(perm) || AUDIT_GRANTS[role].includes(perm);
}

/** May `actor` grant or take away `target` (for a member, an invite or an API key)? Admins manage everyone below admin; only owners make or unmake admins and owners. */
export function mayAssign(actor: Role, target: Role): boolean {
  if (actor === 'owner') return true;
  return actor === 'admin' && target !== 'owner' && target !== 'admin';
}

/** Roles an API key may carry: never owner, so automation cannot take over an org. */
export const API_KEY_ROLES: readonly Role[] = ['admin', 'approver', 'auditor', 'viewer'];
