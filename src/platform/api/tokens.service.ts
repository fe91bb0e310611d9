import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type Actor, recordAudit } from '../audit/audit.service.js';
import { grantsOf } from '../auth/auth.repository.js';
import { can, GLOBAL_ROLES, isRole, type Principal, type Role } from '../auth/permissions.js';
import type { Deps } from '../context.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { parseOrThrow } from '../http/forms.js';
import { beijingDate } from '../time.js';
import { API_SCOPES } from './registry.js';
import * as repo from './tokens.repository.js';

// Staff API tokens: `gk_` and 32 random bytes (base64url). Only the SHA-256 is stored; the token is shown
// once when created. A token acts as its user with the user's current roles, narrowed to the token's
// organization and scopes, so it never does more than its user may.

export const TOKEN_PREFIX = 'gk_';
const PREFIX_SHOWN = 10; // gk_ and 7 characters: enough to recognise a token in a list
export const DEFAULT_VALIDITY_DAYS = 365;
export const MAX_VALIDITY_DAYS = 3 * 365;
/** last_used_at is written at most this often per token, not on every request. */
const TOUCH_EVERY_MS = 60_000;

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** The console form for a new token. */
export const tokenInput = z.object({
  name: z.string().trim().min(2, '请填写令牌名称（用途或对接的系统）。').max(60, '名称不能超过 60 个字符。'),
  organization_id: z.coerce.number({ message: '请选择机构。' }).int().positive('请选择机构。'),
  scopes: z.array(z.string()).min(1, '请至少选择一项权限范围。'),
  expires_on: z
    .string()
    .trim()
    .regex(/^(\d{4}-\d{2}-\d{2})?$/, '请按 YYYY-MM-DD 格式填写日期。')
    .default(''),
});

/** Who is calling the API with a valid token. */
export interface ApiCaller {
  tokenId: number;
  tokenName: string;
  organizationId: number;
  scopes: string[];
  /** The token's user with only the grants that reach the token's organization. */
  principal: Principal;
  /** The audit actor: api:<token name> (<user>). */
  actor: Actor;
}

function parseScopes(json: string): string[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

/** The organization and its ancestors (itself first), and whether it is active; null when unknown. */
async function orgChain(deps: Pick<Deps, 'db'>, id: number): Promise<{ chain: number[]; active: boolean } | null> {
  const links = new Map((await repo.organizationLinks(deps.db.kysely)).map((o) => [o.id, o]));
  const self = links.get(id);
  if (!self) return null;
  const chain: number[] = [];
  let cur: typeof self | undefined = self;
  while (cur && !chain.includes(cur.id)) {
    chain.push(cur.id);
    cur = cur.parent_id ? links.get(cur.parent_id) : undefined;
  }
  return { chain, active: self.active === 1 };
}

/**
 * Creates a token for the principal in an organization within their grants, with registered scopes and an
 * expiry (default one year, at most three). Returns the token itself, which is never stored and never
 * shown again; the creation is audited in the same transaction.
 */
export async function createToken(
  deps: Deps,
  p: Principal,
  actor: Actor,
  raw: unknown,
): Promise<{ id: number; token: string; prefix: string; expiresAt: string }> {
  const input = parseOrThrow(tokenInput, raw);
  const errors: Record<string, string> = {};
  const org = await orgChain(deps, input.organization_id);
  if (!org?.active) errors.organization_id = '机构不存在。';
  else if (!can(p, 'api_token.manage', org.chain)) errors.organization_id = '您只能为自己所属的机构创建令牌。';
  const scopes = [...new Set(input.scopes)];
  if (scopes.some((s) => !API_SCOPES.has(s))) errors.scopes = '权限范围无效。';
  const now = deps.clock();
  const today = beijingDate(now);
  let expiresAt = new Date(now.getTime() + DEFAULT_VALIDITY_DAYS * 86_400_000).toISOString();
  if (input.expires_on) {
    const end = new Date(`${input.expires_on}T23:59:59+08:00`);
    if (Number.isNaN(end.getTime()) || beijingDate(end) !== input.expires_on) errors.expires_on = '日期无效。';
    else if (input.expires_on <= today) errors.expires_on = '有效期须晚于今天。';
    else if (end.getTime() - now.getTime() > MAX_VALIDITY_DAYS * 86_400_000)
      errors.expires_on = `有效期最长 ${MAX_VALIDITY_DAYS / 365} 年。`;
    else expiresAt = end.toISOString();
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const prefix = token.slice(0, PREFIX_SHOWN);
  const id = await deps.db.kysely.transaction().execute(async (trx) => {
    const id = await repo.insertToken(trx, {
      name: input.name,
      token_hash: tokenHash(token),
      token_prefix: prefix,
      user_id: p.userId,
      organization_id: input.organization_id,
      scopes: JSON.stringify(scopes),
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
      created_at: now.toISOString(),
    });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'api_token.create',
        entityType: 'api_token',
        entityId: id,
        organizationId: input.organization_id,
        summary: `创建 API 令牌：${input.name}（${prefix}…）`,
        after: { name: input.name, prefix, scopes, organization_id: input.organization_id, expires_at: expiresAt },
      },
      now,
    );
    return id;
  });
  return { id, token, prefix, expiresAt };
}

export type TokenState = 'active' | 'revoked' | 'expired';

/** The principal's own tokens with their state (no hashes). */
export async function listTokens(deps: Deps, p: Principal) {
  const now = deps.clock().toISOString();
  return (await repo.listTokensOfUser(deps.db.kysely, p.userId)).map((t) => ({
    id: t.id,
    name: t.name,
    prefix: t.token_prefix,
    organizationId: t.organization_id,
    scopes: parseScopes(t.scopes),
    expiresAt: t.expires_at,
    lastUsedAt: t.last_used_at,
    revokedAt: t.revoked_at,
    createdAt: t.created_at,
    state: (t.revoked_at ? 'revoked' : t.expires_at && t.expires_at <= now ? 'expired' : 'active') as TokenState,
  }));
}

/** Revokes one of the principal's own live tokens (audited); other people's tokens answer 404. */
export async function revokeToken(deps: Deps, p: Principal, actor: Actor, id: number): Promise<void> {
  const t = await repo.findToken(deps.db.kysely, id);
  if (!t || t.user_id !== p.userId) throw new NotFoundError('令牌不存在。');
  if (t.revoked_at) return;
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    if (!(await repo.revokeToken(trx, id, p.userId, now.toISOString()))) return;
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'api_token.revoke',
        entityType: 'api_token',
        entityId: id,
        organizationId: t.organization_id,
        summary: `撤销 API 令牌：${t.name}（${t.token_prefix}…）`,
        before: { revoked_at: null },
        after: { revoked_at: now.toISOString() },
      },
      now,
    );
  });
}

/** Why a presented token was refused (each answers 401). */
export type TokenRefusal = 'unknown' | 'revoked' | 'expired' | 'user_inactive' | 'organization_inactive';

/**
 * The caller behind a bearer token, or why it is refused. The user's roles are read afresh, so removing a
 * role or deactivating the user takes effect on the next request; only grants that reach the token's
 * organization (and the global roles) are kept.
 */
export async function authenticateToken(
  deps: Deps,
  token: string,
  ip: string,
): Promise<ApiCaller | { refused: TokenRefusal }> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return { refused: 'unknown' };
  const k = deps.db.kysely;
  const t = await repo.findTokenByHash(k, tokenHash(token));
  if (!t) return { refused: 'unknown' };
  if (t.revoked_at) return { refused: 'revoked' };
  const now = deps.clock();
  if (t.expires_at && t.expires_at <= now.toISOString()) return { refused: 'expired' };
  const user = await repo.findUser(k, t.user_id);
  if (user?.active !== 1) return { refused: 'user_inactive' };
  const org = await orgChain(deps, t.organization_id);
  if (!org?.active) return { refused: 'organization_inactive' };
  const chain = org.chain;
  const grants = (await grantsOf(k, user.id))
    .filter((g) => isRole(g.role))
    .map((g) => ({ organizationId: g.organization_id, role: g.role as Role }))
    .filter((g) => chain.includes(g.organizationId) || GLOBAL_ROLES.includes(g.role));
  if (!t.last_used_at || now.getTime() - Date.parse(t.last_used_at) > TOUCH_EVERY_MS)
    await repo.touchToken(k, t.id, now.toISOString());
  return {
    tokenId: t.id,
    tokenName: t.name,
    organizationId: t.organization_id,
    scopes: parseScopes(t.scopes),
    principal: { userId: user.id, username: user.username, displayName: user.display_name, grants },
    actor: { userId: user.id, name: `api:${t.name} (${user.display_name})`, ip },
  };
}
