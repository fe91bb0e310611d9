import type { Insertable, Kysely } from 'kysely';
import type { Database, UserTable } from '../../db/schema.js';

export function listUsers(db: Kysely<Database>) {
  return db
    .selectFrom('users')
    .select([
      'id',
      'username',
      'display_name',
      'email',
      'active',
      'locked_until',
      'totp_enabled',
      'last_login_at',
      'created_at',
    ])
    .orderBy('username')
    .execute();
}

export function listGrants(db: Kysely<Database>, userIds?: number[]) {
  let q = db.selectFrom('role_grants').select(['id', 'user_id', 'organization_id', 'role']);
  if (userIds) {
    if (userIds.length === 0) return Promise.resolve([]);
    q = q.where('user_id', 'in', userIds);
  }
  return q.orderBy('user_id').orderBy('organization_id').orderBy('role').execute();
}

export function findUser(db: Kysely<Database>, id: number) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function usernameTaken(db: Kysely<Database>, username: string) {
  return (await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst()) !== undefined;
}

export async function insertUser(db: Kysely<Database>, row: Insertable<UserTable>): Promise<number> {
  const r = await db.insertInto('users').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function updateUser(
  db: Kysely<Database>,
  id: number,
  patch: Partial<
    Pick<
      UserTable,
      | 'display_name'
      | 'email'
      | 'active'
      | 'updated_at'
      | 'locked_until'
      | 'failed_logins'
      | 'totp_enabled'
      | 'totp_secret'
      | 'password_hash'
      | 'must_change_password'
    >
  >,
) {
  await db.updateTable('users').set(patch).where('id', '=', id).execute();
}

export async function insertGrant(
  db: Kysely<Database>,
  userId: number,
  organizationId: number,
  role: string,
  now: string,
) {
  await db
    .insertInto('role_grants')
    .values({ user_id: userId, organization_id: organizationId, role, created_at: now })
    .execute();
}

export function findGrant(db: Kysely<Database>, grantId: number) {
  return db.selectFrom('role_grants').selectAll().where('id', '=', grantId).executeTakeFirst();
}

export async function grantExists(db: Kysely<Database>, userId: number, organizationId: number, role: string) {
  const r = await db
    .selectFrom('role_grants')
    .select('id')
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .where('role', '=', role)
    .executeTakeFirst();
  return r !== undefined;
}

export async function deleteGrant(db: Kysely<Database>, grantId: number) {
  await db.deleteFrom('role_grants').where('id', '=', grantId).execute();
}

export async function deleteSessions(db: Kysely<Database>, userId: number) {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
