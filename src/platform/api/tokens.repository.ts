import type { Insertable, Kysely } from 'kysely';
import type { ApiTokenTable, Database } from '../../db/schema.js';

export type TokenRow = NonNullable<Awaited<ReturnType<typeof findTokenByHash>>>;

export function findTokenByHash(db: Kysely<Database>, hash: string) {
  return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

export function findToken(db: Kysely<Database>, id: number) {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertToken(db: Kysely<Database>, row: Insertable<ApiTokenTable>): Promise<number> {
  return (await db.insertInto('api_tokens').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

/** A user's tokens, newest first (never the hash). */
export function listTokensOfUser(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('api_tokens')
    .select([
      'id',
      'name',
      'token_prefix',
      'organization_id',
      'scopes',
      'expires_at',
      'last_used_at',
      'revoked_at',
      'created_at',
    ])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Marks a live token of the user revoked; false when there is none to revoke. */
export async function revokeToken(db: Kysely<Database>, id: number, userId: number, at: string): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function touchToken(db: Kysely<Database>, id: number, at: string) {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

export function findUser(db: Kysely<Database>, id: number) {
  return db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'active'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Every organization's id, parent and state (a small table), for ancestor chains. */
export function organizationLinks(db: Kysely<Database>) {
  return db.selectFrom('organizations').select(['id', 'parent_id', 'active']).execute();
}
