import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, SubscriptionTable } from '../../db/schema.js';

// SQL of email subscriptions. Addresses are stored lower-cased; a scope is an organization or a column.

export type SubscriptionRow = Selectable<SubscriptionTable>;

/** The newest subscription of the address to the scope (older duplicates from a race are left alone). */
export function findLatest(db: Kysely<Database>, email: string, scope: string, scopeId: number) {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('email', '=', email)
    .where('scope', '=', scope)
    .where('scope_id', '=', scopeId)
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export function findById(db: Kysely<Database>, id: number) {
  return db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findByTokenHash(db: Kysely<Database>, tokenHash: string) {
  return db.selectFrom('subscriptions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function insert(db: Kysely<Database>, row: Insertable<SubscriptionTable>): Promise<number> {
  return (await db.insertInto('subscriptions').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function update(db: Kysely<Database>, id: number, patch: Updateable<SubscriptionTable>) {
  await db.updateTable('subscriptions').set(patch).where('id', '=', id).execute();
}

/** Confirms the pending subscription holding this token hash; false when another request used it first. */
export async function confirm(
  db: Kysely<Database>,
  id: number,
  tokenHash: string,
  usedTokenHash: string,
  now: string,
): Promise<boolean> {
  const r = await db
    .updateTable('subscriptions')
    .set({ confirmed_at: now, unsubscribed_at: null, token_hash: usedTokenHash, updated_at: now })
    .where('id', '=', id)
    .where('token_hash', '=', tokenHash)
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function unsubscribe(db: Kysely<Database>, ids: number[], now: string) {
  if (ids.length === 0) return;
  await db
    .updateTable('subscriptions')
    .set({ unsubscribed_at: now, updated_at: now })
    .where('id', 'in', ids)
    .where('unsubscribed_at', 'is', null)
    .execute();
}

/** The address's subscriptions that are not unsubscribed (confirmed or pending). */
export function liveOfEmail(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('subscriptions')
    .select(['id', 'scope', 'scope_id'])
    .where('email', '=', email)
    .where('unsubscribed_at', 'is', null)
    .execute();
}

export function organizationOfColumn(db: Kysely<Database>, columnId: number) {
  return db.selectFrom('columns').select(['organization_id']).where('id', '=', columnId).executeTakeFirst();
}

/**
 * The next addresses (after `afterEmail`, in address order) with a confirmed, live subscription to the
 * organization or one of the columns; each address once, with one of its matching subscriptions.
 */
export async function recipients(
  db: Kysely<Database>,
  scope: { organizationId: number; columnIds: number[] },
  afterEmail: string,
  limit: number,
): Promise<{ email: string; id: number }[]> {
  const rows = await db
    .selectFrom('subscriptions')
    .select((eb) => ['email', eb.fn.min('id').as('id')])
    .where('confirmed_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('scope', '=', 'organization'), eb('scope_id', '=', scope.organizationId)]),
        eb.and([eb('scope', '=', 'column'), eb('scope_id', 'in', scope.columnIds.length ? scope.columnIds : [-1])]),
      ]),
    )
    .where('email', '>', afterEmail)
    .groupBy('email')
    .orderBy('email')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ email: r.email, id: Number(r.id) }));
}

export function byIds(db: Kysely<Database>, ids: number[]) {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('id', 'in', ids.length ? ids : [-1])
    .execute();
}

// A notification job's progress, so a retried run resumes after the last batch it committed.
export async function getCursor(db: Kysely<Database>, key: string): Promise<string | undefined> {
  return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

export async function setCursor(db: Kysely<Database>, key: string, value: string, now: string) {
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}

export async function deleteCursor(db: Kysely<Database>, key: string) {
  await db.deleteFrom('settings').where('key', '=', key).execute();
}
