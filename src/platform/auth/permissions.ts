// Every role and every permission, declared in one place. Routes name a permission; services check the
// organization scope with `can`. The permission-matrix test walks this table.

export const ROLES = [
  'drafter',
  'reviewer',
  'approver',
  'disclosure_officer',
  'org_admin',
  'system_admin',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  drafter: '起草人',
  reviewer: '审核人',
  approver: '签发人',
  disclosure_officer: '政务公开专员',
  org_admin: '机构管理员',
  system_admin: '系统管理员',
  auditor: '审计员（只读）',
};

const ALL: readonly Role[] = ROLES;

export const PERMISSIONS = {
  'console.view': ALL,
  'account.manage_own': ALL,
  'organization.view': ['org_admin', 'system_admin', 'auditor'],
  'organization.create': ['system_admin'],
  'organization.update': ['org_admin', 'system_admin'],
  'user.view': ['org_admin', 'system_admin', 'auditor'],
  'user.manage': ['org_admin', 'system_admin'],
  'audit.view': ['auditor', 'system_admin'],
  'calendar.view': ALL,
  'calendar.manage': ['system_admin'],
  'jobs.view': ['system_admin', 'auditor'],
  'jobs.manage': ['system_admin'],
  'mail.view': ['system_admin', 'auditor'],
  'settings.manage': ['system_admin'],
  // API tokens: staff create and revoke their own; a token never does more than its user's roles allow.
  'api_token.manage': ['drafter', 'disclosure_officer', 'org_admin', 'system_admin'],
  // Proactive disclosure: the directory and information items.
  'column.manage': ['org_admin', 'disclosure_officer', 'system_admin'],
  'item.view': ['drafter', 'reviewer', 'approver', 'disclosure_officer', 'org_admin', 'system_admin', 'auditor'],
  'item.draft': ['drafter', 'disclosure_officer'],
  'item.review': ['reviewer'],
  'item.approve': ['approver'],
  'item.publish': ['approver', 'disclosure_officer'],
  'item.withdraw': ['approver', 'disclosure_officer'],
  // Webhooks for integrators (feeds and subscriptions need no permission: they are public).
  'webhook.view': ['org_admin', 'system_admin', 'auditor'],
  'webhook.manage': ['org_admin', 'system_admin'],
  // Information requests (依申请公开): the disclosure office handles them; extensions need the head of the
  // office (the agency's administrator); full personal data only for the assigned officer and administrators
  // (the assignment is checked in the service), every full view audited.
  'request.view': ['disclosure_officer', 'org_admin', 'system_admin', 'auditor'],
  'request.manage': ['disclosure_officer', 'org_admin'],
  'request.extend': ['org_admin'],
  'request.view_personal': ['disclosure_officer', 'org_admin', 'system_admin'],
  // Information requests: the annual report's tables 三 and 四, reply-letter templates, deadline feeds.
  'request_statistics.view': ['disclosure_officer', 'org_admin', 'system_admin', 'auditor'],
  'request_letter.manage': ['disclosure_officer', 'org_admin', 'system_admin'],
  // The published request log (依申请公开目录): the agency's administrator switches it on or off.
  'request_log.manage': ['org_admin', 'system_admin'],
  // Policy documents (政策文件), interpretations (政策解读) and cleanup campaigns (规范性文件清理).
  'policy.view': ['drafter', 'reviewer', 'approver', 'disclosure_officer', 'org_admin', 'system_admin', 'auditor'],
  'policy.edit': ['drafter', 'disclosure_officer'],
  'policy.relate': ['approver', 'disclosure_officer'],
  'policy.stats': ['disclosure_officer', 'org_admin', 'system_admin', 'auditor'],
  'interpretation.edit': ['drafter', 'disclosure_officer'],
  'interpretation.waive': ['approver'],
  'campaign.manage': ['disclosure_officer', 'org_admin'],
  'campaign.approve': ['approver'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

// Roles that act across every organization regardless of where they were granted.
export const GLOBAL_ROLES: readonly Role[] = ['system_admin', 'auditor'];

export interface Grant {
  organizationId: number;
  role: Role;
}

export interface Principal {
  userId: number;
  username: string;
  displayName: string;
  grants: Grant[];
}

/**
 * Whether the principal holds the permission, anywhere (no organization given) or for the organization
 * whose ancestor chain (itself first) is given: a grant on a parent covers its children.
 */
export function can(p: Principal | null, perm: Permission, orgChain?: readonly number[]): boolean {
  if (!p) return false;
  const allowed: readonly Role[] = PERMISSIONS[perm];
  return p.grants.some(
    (g) =>
      allowed.includes(g.role) &&
      (orgChain === undefined || GLOBAL_ROLES.includes(g.role) || orgChain.includes(g.organizationId)),
  );
}

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

export function hasRole(p: Principal | null, role: Role): boolean {
  return !!p && p.grants.some((g) => g.role === role);
}
