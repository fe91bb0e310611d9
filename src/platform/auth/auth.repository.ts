import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export function findUserByUsername(db: Kysely<Database>, username: string) {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function findUserById(db: Kysely<Database>, id: number) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function grantsOf(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('role_grants')
    .select(['organization_id', 'role'])
    .where('user_id', '=', userId)
    .orderBy('organization_id')
    .execute();
}

export async function recordFailedSignIn(
  db: Kysely<Database>,
  userId: number,
  failed: number,
  lockedUntil: string | null,
  now: string,
) {
  await db
    .updateTable('users')
    .set({ failed_logins: failed, locked_until: lockedUntil, updated_at: now })
    .where('id', '=', userId)
    .execute();
}

export async function recordSuccessfulSignIn(db: Kysely<Database>, userId: number, now: string) {
  await db
    .updateTable('users')
    .set({ failed_logins: 0, locked_until: null, last_login_at: now })
    .where('id', '=', userId)
    .execute();
}

export async function insertSession(
  db: Kysely<Database>,
  s: { id: string; user_id: number; mfa_passed: number; created_at: string; ip: string; user_agent: string },
) {
  await db
    .insertInto('sessions')
    .values({ ...s, last_seen_at: s.created_at })
    .execute();
}

export function findSession(db: Kysely<Database>, id: string) {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function touchSession(db: Kysely<Database>, id: string, now: string) {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

export async function markSessionMfaPassed(db: Kysely<Database>, id: string, now: string) {
  await db.updateTable('sessions').set({ mfa_passed: 1, last_seen_at: now }).where('id', '=', id).execute();
}

export async function deleteSession(db: Kysely<Database>, id: string) {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteSessionsOfUser(db: Kysely<Database>, userId: number, exceptId?: string) {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptId) q = q.where('id', '!=', exceptId);
  await q.execute();
}

export async function deleteIdleSessions(db: Kysely<Database>, olderThan: string) {
  const r = await db.deleteFrom('sessions').where('last_seen_at', '<', olderThan).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function setPasswordHash(
  db: Kysely<Database>,
  userId: number,
  hash: string,
  mustChange: boolean,
  now: string,
) {
  await db
    .updateTable('users')
    .set({
      password_hash: hash,
      must_change_password: mustChange ? 1 : 0,
      failed_logins: 0,
      locked_until: null,
      updated_at: now,
    })
    .where('id', '=', userId)
    .execute();
}

export async function setTotp(
  db: Kysely<Database>,
  userId: number,
  secret: string | null,
  enabled: boolean,
  now: string,
) {
  await db
    .updateTable('users')
    .set({ totp_secret: secret, totp_enabled: enabled ? 1 : 0, updated_at: now })
    .where('id', '=', userId)
    .execute();
}

export async function setTotpLastStep(db: Kysely<Database>, userId: number, step: number) {
  await db.updateTable('users').set({ totp_last_step: step }).where('id', '=', userId).execute();
}
