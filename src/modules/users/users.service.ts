import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { hashPassword, passwordProblem } from '../../platform/auth/password.js';
import { can, type Principal, ROLE_LABELS, type Role } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { orgTree } from '../organizations/organizations.service.js';
import * as repo from './users.repository.js';
import { grantInput, newUserInput, updateUserInput } from './users.schema.js';

// Roles that apply everywhere; only a system administrator may grant them.
const GLOBAL_ROLES: Role[] = ['system_admin', 'auditor'];

export interface UserSummary {
  id: number;
  username: string;
  displayName: string;
  email: string;
  active: boolean;
  locked: boolean;
  totpEnabled: boolean;
  lastLoginAt: string | null;
  grants: { id: number; organizationId: number; role: Role }[];
}

/** Users visible to the principal: all for global roles, otherwise those with a grant in their scope. */
export async function listVisibleUsers(deps: Deps, principal: Principal): Promise<UserSummary[]> {
  const k = deps.db.kysely;
  const tree = await orgTree(deps);
  const [users, grants] = await Promise.all([repo.listUsers(k), repo.listGrants(k)]);
  const now = deps.clock().toISOString();
  const all = users.map((u) => ({
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    email: u.email,
    active: u.active === 1,
    locked: !!u.locked_until && u.locked_until > now,
    totpEnabled: u.totp_enabled === 1,
    lastLoginAt: u.last_login_at,
    grants: grants
      .filter((g) => g.user_id === u.id)
      .map((g) => ({ id: g.id, organizationId: g.organization_id, role: g.role as Role })),
  }));
  if (can(principal, 'user.view', [])) return all; // global roles pass an empty chain
  return all.filter(
    (u) => u.grants.length === 0 || u.grants.some((g) => can(principal, 'user.view', tree.chain(g.organizationId))),
  );
}

async function assertManageable(deps: Deps, principal: Principal, userId: number) {
  const tree = await orgTree(deps);
  const grants = await repo.listGrants(deps.db.kysely, [userId]);
  if (can(principal, 'user.manage', [])) return;
  // An organization administrator manages only people whose every role lies within their organizations
  // (a person with no role yet — just created, or all roles revoked — has nothing to protect).
  const ok = grants.every(
    (g) => !GLOBAL_ROLES.includes(g.role as Role) && can(principal, 'user.manage', tree.chain(g.organization_id)),
  );
  if (!ok) throw new ForbiddenError('该用户在您管理范围之外的机构也有角色，只有系统管理员可以修改。');
}

/** Creates a user with a policy-compliant password (which they must change at first sign-in when set by someone else). */
export async function createUser(
  deps: Deps,
  actor: Actor,
  raw: unknown,
  opts: { mustChangePassword?: boolean } = {},
): Promise<number> {
  const input = parseOrThrow(newUserInput, raw);
  const errors: Record<string, string> = {};
  const problem = passwordProblem(input.password);
  if (problem) errors.password = problem;
  if (await repo.usernameTaken(deps.db.kysely, input.username)) errors.username = '该用户名已被使用。';
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const hash = await hashPassword(input.password);
  const now = deps.clock().toISOString();
  return deps.db.kysely.transaction().execute(async (trx) => {
    const row = {
      username: input.username,
      display_name: input.display_name,
      email: input.email,
      password_hash: hash,
      must_change_password: opts.mustChangePassword === false ? 0 : 1,
      active: 1,
      failed_logins: 0,
      totp_enabled: 0,
      created_at: now,
      updated_at: now,
    };
    const id = await repo.insertUser(trx, row);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'user.create',
        entityType: 'user',
        entityId: id,
        summary: `新建用户：${input.display_name}（${input.username}）`,
        after: row,
      },
      deps.clock(),
    );
    return id;
  });
}

/** Updates name, email and active state; deactivating ends the user's sessions. */
export async function updateUser(deps: Deps, principal: Principal, actor: Actor, userId: number, raw: unknown) {
  const input = parseOrThrow(updateUserInput, raw);
  await assertManageable(deps, principal, userId);
  if (userId === principal.userId && !input.active) throw new ValidationError({ active: '不能停用自己的账户。' });
  const now = deps.clock().toISOString();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await repo.findUser(trx, userId);
    if (!before) throw new NotFoundError('用户不存在。');
    const patch = {
      display_name: input.display_name,
      email: input.email,
      active: input.active ? 1 : 0,
      updated_at: now,
    };
    await repo.updateUser(trx, userId, patch);
    if (!input.active) await repo.deleteSessions(trx, userId);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'user.update',
        entityType: 'user',
        entityId: userId,
        summary: `修改用户：${input.display_name}`,
        before: { display_name: before.display_name, email: before.email, active: before.active },
        after: patch,
      },
      deps.clock(),
    );
  });
}

/** Grants a role on an organization within the principal's scope; global roles only by a system administrator. */
export async function grantRole(deps: Deps, principal: Principal | null, actor: Actor, userId: number, raw: unknown) {
  const input = parseOrThrow(grantInput, raw);
  const tree = await orgTree(deps);
  const org = tree.byId.get(input.organization_id);
  if (!org) throw new ValidationError({ organization_id: '机构不存在。' });
  if (principal) {
    if (GLOBAL_ROLES.includes(input.role) && !can(principal, 'user.manage', [])) {
      throw new ValidationError({ role: `只有系统管理员可以授予“${ROLE_LABELS[input.role]}”角色。` });
    }
    if (!can(principal, 'user.manage', tree.chain(org.id)))
      throw new ValidationError({ organization_id: '您不能在该机构授予角色。' });
  }
  const k = deps.db.kysely;
  const user = await repo.findUser(k, userId);
  if (!user) throw new NotFoundError('用户不存在。');
  if (await repo.grantExists(k, userId, org.id, input.role))
    throw new ValidationError({ role: '该用户在此机构已有这个角色。' });
  const now = deps.clock().toISOString();
  await k.transaction().execute(async (trx) => {
    await repo.insertGrant(trx, userId, org.id, input.role, now);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'user.grant_role',
        entityType: 'user',
        entityId: userId,
        organizationId: org.id,
        summary: `授予 ${user.display_name} 在“${org.name}”的“${ROLE_LABELS[input.role]}”角色`,
        after: { organization_id: org.id, role: input.role },
      },
      deps.clock(),
    );
  });
}

/** Removes one role grant within the principal's scope; nobody removes their own system-administrator role. */
export async function revokeRole(deps: Deps, principal: Principal, actor: Actor, grantId: number) {
  const k = deps.db.kysely;
  const g = await repo.findGrant(k, grantId);
  if (!g) throw new NotFoundError('授权不存在。');
  const tree = await orgTree(deps);
  if (
    GLOBAL_ROLES.includes(g.role as Role)
      ? !can(principal, 'user.manage', [])
      : !can(principal, 'user.manage', tree.chain(g.organization_id))
  ) {
    throw new ForbiddenError('您不能撤销该授权。');
  }
  if (g.user_id === principal.userId && g.role === 'system_admin')
    throw new ForbiddenError('不能撤销自己的系统管理员角色。');
  await k.transaction().execute(async (trx) => {
    await repo.deleteGrant(trx, grantId);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'user.revoke_role',
        entityType: 'user',
        entityId: g.user_id,
        organizationId: g.organization_id,
        summary: `撤销“${tree.byId.get(g.organization_id)?.name ?? g.organization_id}”的“${ROLE_LABELS[g.role as Role] ?? g.role}”角色`,
        before: { organization_id: g.organization_id, role: g.role },
      },
      deps.clock(),
    );
  });
}

/**
 * Sets a new password chosen by an administrator (the user must change it at next sign-in), unlocks the
 * account and ends its sessions. Principal null: the command line, run by the operator.
 */
export async function resetPassword(
  deps: Deps,
  principal: Principal | null,
  actor: Actor,
  userId: number,
  password: string,
  opts: { mustChange?: boolean } = {},
) {
  if (principal) await assertManageable(deps, principal, userId);
  const problem = passwordProblem(password);
  if (problem) throw new ValidationError({ password: problem });
  const user = await repo.findUser(deps.db.kysely, userId);
  if (!user) throw new NotFoundError('用户不存在。');
  const hash = await hashPassword(password);
  const now = deps.clock().toISOString();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.updateUser(trx, userId, {
      password_hash: hash,
      must_change_password: opts.mustChange === false ? 0 : 1,
      failed_logins: 0,
      locked_until: null,
      updated_at: now,
    });
    await repo.deleteSessions(trx, userId);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'user.password_reset',
        entityType: 'user',
        entityId: userId,
        summary: `重置 ${user.display_name} 的密码`,
      },
      deps.clock(),
    );
  });
}

/** Clears a lockout before its 15 minutes are up. */
export async function unlockUser(deps: Deps, principal: Principal, actor: Actor, userId: number) {
  await assertManageable(deps, principal, userId);
  const now = deps.clock().toISOString();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const u = await repo.findUser(trx, userId);
    if (!u) throw new NotFoundError('用户不存在。');
    await repo.updateUser(trx, userId, { locked_until: null, failed_logins: 0, updated_at: now });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'user.unlock',
        entityType: 'user',
        entityId: userId,
        summary: `解除 ${u.display_name} 的账户锁定`,
        before: { locked_until: u.locked_until },
      },
      deps.clock(),
    );
  });
}

/** Removes the user's authenticator so they bind a new one at next sign-in (a lost phone). */
export async function resetTotp(deps: Deps, principal: Principal, actor: Actor, userId: number) {
  await assertManageable(deps, principal, userId);
  const now = deps.clock().toISOString();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const u = await repo.findUser(trx, userId);
    if (!u) throw new NotFoundError('用户不存在。');
    await repo.updateUser(trx, userId, { totp_enabled: 0, totp_secret: null, updated_at: now });
    await repo.deleteSessions(trx, userId);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'user.totp_reset',
        entityType: 'user',
        entityId: userId,
        summary: `重置 ${u.display_name} 的两步验证`,
        before: { totp_enabled: u.totp_enabled },
        after: { totp_enabled: 0 },
      },
      deps.clock(),
    );
  });
}

export async function getUser(deps: Deps, principal: Principal, userId: number): Promise<UserSummary> {
  const u = (await listVisibleUsers(deps, principal)).find((x) => x.id === userId);
  if (!u) throw new NotFoundError('用户不存在或不在您的管理范围内。');
  return u;
}
