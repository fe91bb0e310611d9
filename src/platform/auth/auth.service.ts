import { createHash, randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import type { Actor } from '../audit/audit.service.js';
import { recordAudit } from '../audit/audit.service.js';
import type { Deps } from '../context.js';
import { AppError, ValidationError } from '../errors.js';
import { deriveKey, FieldCipher } from '../security/crypto.js';
import { addMinutes } from '../time.js';
import * as repo from './auth.repository.js';
import { hashPassword, passwordProblem, verifyPassword } from './password.js';
import { isRole, type Principal, type Role } from './permissions.js';

export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_MINUTES = 15;
export const IDLE_MINUTES = 30;

// A password hash to verify against when the username is unknown, so both cases take the same time.
let decoyHash: Promise<string> | undefined;
const decoy = () => {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
};

export const sessionIdOf = (token: string) => createHash('sha256').update(token).digest('hex');

function totpCipher(deps: Deps) {
  return new FieldCipher([{ id: 'k1', key: deriveKey(deps.config.secretKey, 'totp') }]);
}

export interface SignInResult {
  token: string;
  mfaRequired: boolean;
}

/**
 * Checks the password, enforcing the lockout (5 failures → 15 minutes), audits every attempt, and on
 * success opens a server-side session whose token is returned once (only its hash is stored).
 */
export async function signIn(
  deps: Deps,
  input: { username: string; password: string },
  meta: { ip: string; userAgent: string },
): Promise<SignInResult> {
  const now = deps.clock();
  const { kysely, engine } = deps.db;
  const username = input.username.trim();
  const user = await repo.findUserByUsername(kysely, username);
  const fail = new ValidationError({ username: '用户名或密码不正确。' }, '用户名或密码不正确。');
  const actor: Actor = { userId: user?.id ?? null, name: username.slice(0, 64), ip: meta.ip };

  if (!user?.active) {
    await verifyPassword(await decoy(), input.password);
    await kysely.transaction().execute((trx) =>
      recordAudit(
        trx,
        engine,
        actor,
        {
          action: 'auth.sign_in_failed',
          entityType: 'user',
          summary: `登录失败：${user ? '账户已停用' : '用户名不存在'}`,
        },
        now,
      ),
    );
    throw fail;
  }
  if (user.locked_until && user.locked_until > now.toISOString()) {
    await kysely
      .transaction()
      .execute((trx) =>
        recordAudit(
          trx,
          engine,
          actor,
          { action: 'auth.sign_in_locked', entityType: 'user', entityId: user.id, summary: '账户锁定期间尝试登录' },
          now,
        ),
      );
    throw new AppError(
      423,
      'account_locked',
      `由于连续 ${MAX_FAILED_SIGN_INS} 次密码错误，账户已锁定 ${LOCK_MINUTES} 分钟，请稍后再试或联系管理员。`,
    );
  }
  const ok = await verifyPassword(user.password_hash, input.password);
  if (!ok) {
    const failed = user.failed_logins + 1;
    const lock = failed >= MAX_FAILED_SIGN_INS;
    await kysely.transaction().execute(async (trx) => {
      await repo.recordFailedSignIn(
        trx,
        user.id,
        lock ? 0 : failed,
        lock ? addMinutes(now, LOCK_MINUTES).toISOString() : null,
        now.toISOString(),
      );
      await recordAudit(
        trx,
        engine,
        actor,
        {
          action: lock ? 'auth.account_locked' : 'auth.sign_in_failed',
          entityType: 'user',
          entityId: user.id,
          summary: lock
            ? `密码连续错误 ${MAX_FAILED_SIGN_INS} 次，账户锁定 ${LOCK_MINUTES} 分钟`
            : `登录失败：密码错误（第 ${failed} 次）`,
        },
        now,
      );
    });
    if (lock)
      throw new AppError(
        423,
        'account_locked',
        `由于连续 ${MAX_FAILED_SIGN_INS} 次密码错误，账户已锁定 ${LOCK_MINUTES} 分钟，请稍后再试或联系管理员。`,
      );
    throw fail;
  }
  const token = randomBytes(32).toString('base64url');
  const mfaRequired = user.totp_enabled === 1;
  await kysely.transaction().execute(async (trx) => {
    await repo.recordSuccessfulSignIn(trx, user.id, now.toISOString());
    await repo.insertSession(trx, {
      id: sessionIdOf(token),
      user_id: user.id,
      mfa_passed: mfaRequired ? 0 : 1,
      created_at: now.toISOString(),
      ip: meta.ip,
      user_agent: meta.userAgent.slice(0, 200),
    });
    await recordAudit(
      trx,
      engine,
      { ...actor, name: user.display_name },
      {
        action: 'auth.sign_in',
        entityType: 'user',
        entityId: user.id,
        summary: mfaRequired ? '密码验证通过，等待动态口令' : '登录成功',
      },
      now,
    );
  });
  return { token, mfaRequired };
}

export interface LoadedSession {
  session: { id: string; userId: number; mfaPassed: boolean; createdAt: string };
  principal: Principal;
  mustChangePassword: boolean;
  totpEnabled: boolean;
}

/**
 * The session for a cookie token, or null when it is unknown or idle for more than 30 minutes (an idle
 * session is deleted). Refreshes its last-seen time at most once a minute.
 */
export async function loadSession(deps: Deps, token: string): Promise<LoadedSession | 'expired' | null> {
  const now = deps.clock();
  const { kysely } = deps.db;
  const id = sessionIdOf(token);
  const s = await repo.findSession(kysely, id);
  if (!s) return null;
  const idleSince = addMinutes(now, -IDLE_MINUTES).toISOString();
  if (s.last_seen_at < idleSince) {
    await repo.deleteSession(kysely, id);
    return 'expired';
  }
  const user = await repo.findUserById(kysely, s.user_id);
  if (!user?.active) {
    await repo.deleteSession(kysely, id);
    return null;
  }
  if (now.getTime() - Date.parse(s.last_seen_at) > 60_000) await repo.touchSession(kysely, id, now.toISOString());
  const grants = await repo.grantsOf(kysely, user.id);
  return {
    session: { id, userId: user.id, mfaPassed: s.mfa_passed === 1, createdAt: s.created_at },
    principal: {
      userId: user.id,
      username: user.username,
      displayName: user.display_name,
      grants: grants
        .filter((g) => isRole(g.role))
        .map((g) => ({ organizationId: g.organization_id, role: g.role as Role })),
    },
    mustChangePassword: user.must_change_password === 1,
    totpEnabled: user.totp_enabled === 1,
  };
}

/** Ends the session and audits the sign-out. */
export async function signOut(deps: Deps, sessionId: string, actor: Actor): Promise<void> {
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.deleteSession(trx, sessionId);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      { action: 'auth.sign_out', entityType: 'user', entityId: actor.userId, summary: '退出登录' },
      now,
    );
  });
}

function totpFor(username: string, secretBase32: string) {
  return new OTPAuth.TOTP({
    issuer: 'gongkai 政务公开',
    label: username,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });
}

/** The time step of a valid code (within one step of now), or null. */
function codeStep(username: string, secret: string, code: string, now: Date): number | null {
  const clean = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(clean)) return null;
  const delta = totpFor(username, secret).validate({ token: clean, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : Math.floor(now.getTime() / 30_000) + delta;
}

// A code is accepted once: its step must be later than the last accepted one (no replay within the window).
function acceptable(step: number | null, last: number | null): step is number {
  return step !== null && (last === null || step > last);
}

/** Completes a two-factor sign-in when the code matches; audits success and failure alike. */
export async function verifySignInCode(deps: Deps, s: LoadedSession, code: string, ip: string): Promise<void> {
  const now = deps.clock();
  const user = await repo.findUserById(deps.db.kysely, s.session.userId);
  if (!user?.totp_secret || user.totp_enabled !== 1) throw new ValidationError({ code: '该账户未启用动态口令。' });
  const step = codeStep(user.username, totpCipher(deps).decrypt(user.totp_secret), code, now);
  const ok = acceptable(step, user.totp_last_step);
  const actor: Actor = { userId: user.id, name: user.display_name, ip };
  await deps.db.kysely.transaction().execute(async (trx) => {
    if (ok) {
      await repo.markSessionMfaPassed(trx, s.session.id, now.toISOString());
      await repo.setTotpLastStep(trx, user.id, step);
    }
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: ok ? 'auth.mfa_passed' : 'auth.mfa_failed',
        entityType: 'user',
        entityId: user.id,
        summary: ok ? '动态口令验证通过' : '动态口令错误',
      },
      now,
    );
  });
  if (!ok) throw new ValidationError({ code: '动态口令不正确或已过期，请输入验证器中当前显示的 6 位数字。' });
}

/** A new TOTP secret for the user to scan; stored encrypted and not yet enabled until confirmed. */
export async function beginTotpSetup(deps: Deps, userId: number): Promise<{ secret: string; uri: string }> {
  const now = deps.clock();
  const user = await repo.findUserById(deps.db.kysely, userId);
  if (!user) throw new AppError(404, 'not_found', '用户不存在。');
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  await repo.setTotp(deps.db.kysely, userId, totpCipher(deps).encrypt(secret), false, now.toISOString());
  return { secret, uri: totpFor(user.username, secret).toString() };
}

/** The pending secret, to show again when the confirmation code was wrong. */
export async function pendingTotp(deps: Deps, userId: number): Promise<{ secret: string; uri: string } | null> {
  const user = await repo.findUserById(deps.db.kysely, userId);
  if (!user?.totp_secret || user.totp_enabled === 1) return null;
  const secret = totpCipher(deps).decrypt(user.totp_secret);
  return { secret, uri: totpFor(user.username, secret).toString() };
}

/** Enables two-factor sign-in once the user proves the authenticator works; audited. */
export async function confirmTotpSetup(deps: Deps, s: LoadedSession, code: string, ip: string): Promise<void> {
  const now = deps.clock();
  const user = await repo.findUserById(deps.db.kysely, s.session.userId);
  if (!user?.totp_secret) throw new ValidationError({ code: '请先生成动态口令密钥。' });
  const step = codeStep(user.username, totpCipher(deps).decrypt(user.totp_secret), code, now);
  if (step === null) throw new ValidationError({ code: '动态口令不正确，请确认手机时间准确后重新输入。' });
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.setTotp(trx, user.id, user.totp_secret, true, now.toISOString());
    await repo.setTotpLastStep(trx, user.id, step);
    await repo.markSessionMfaPassed(trx, s.session.id, now.toISOString());
    await recordAudit(
      trx,
      deps.db.engine,
      { userId: user.id, name: user.display_name, ip },
      {
        action: 'user.totp_enabled',
        entityType: 'user',
        entityId: user.id,
        summary: '启用动态口令两步验证',
        before: { totp_enabled: 0 },
        after: { totp_enabled: 1 },
      },
      now,
    );
  });
}

/** Changes the user's own password after checking the current one; other sessions are ended. */
export async function changeOwnPassword(
  deps: Deps,
  s: LoadedSession,
  input: { current: string; next: string; confirm: string },
  ip: string,
): Promise<void> {
  const now = deps.clock();
  const user = await repo.findUserById(deps.db.kysely, s.session.userId);
  if (!user) throw new AppError(404, 'not_found', '用户不存在。');
  const errors: Record<string, string> = {};
  if (!(await verifyPassword(user.password_hash, input.current))) errors.current = '当前密码不正确。';
  const problem = passwordProblem(input.next);
  if (problem) errors.next = problem;
  else if (input.next === input.current) errors.next = '新密码不能与当前密码相同。';
  if (input.next !== input.confirm) errors.confirm = '两次输入的新密码不一致。';
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const hash = await hashPassword(input.next);
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.setPasswordHash(trx, user.id, hash, false, now.toISOString());
    await repo.deleteSessionsOfUser(trx, user.id, s.session.id);
    await recordAudit(
      trx,
      deps.db.engine,
      { userId: user.id, name: user.display_name, ip },
      { action: 'user.password_changed', entityType: 'user', entityId: user.id, summary: '修改本人密码' },
      now,
    );
  });
}
