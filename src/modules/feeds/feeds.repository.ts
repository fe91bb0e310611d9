import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

// SQL of the feeds and the sitemap. What the public sees of an item is its current published version.

export interface FeedScope {
  organizationId: number;
  /** Limits to these columns (a column and its descendants); absent: the whole organization. */
  columnIds?: number[];
}

/** The latest published, not withdrawn items of the scope, newest first, with their public title and summary. */
export function latestPublished(db: Kysely<Database>, scope: FeedScope, limit: number) {
  let q = db
    .selectFrom('items as i')
    .innerJoin('item_versions as v', (j) =>
      j.onRef('v.item_id', '=', 'i.id').onRef('v.version', '=', 'i.published_version'),
    )
    .select([
      'i.id',
      'i.column_id',
      'i.index_number',
      'v.title',
      'v.summary',
      'i.first_published_at',
      'i.last_published_at',
    ])
    .where('i.organization_id', '=', scope.organizationId)
    .where('i.published_version', '>', 0)
    .where('i.first_published_at', 'is not', null)
    .where('i.withdrawn', '=', 0);
  if (scope.columnIds) q = q.where('i.column_id', 'in', scope.columnIds.length ? scope.columnIds : [-1]);
  return q.orderBy('i.first_published_at', 'desc').orderBy('i.id', 'desc').limit(limit).execute();
}

/** The latest withdrawals of the scope, newest first, with the reason and the public explanation. */
export function latestWithdrawn(db: Kysely<Database>, scope: FeedScope, limit: number) {
  let q = db
    .selectFrom('items as i')
    .innerJoin('item_versions as v', (j) =>
      j.onRef('v.item_id', '=', 'i.id').onRef('v.version', '=', 'i.published_version'),
    )
    .select([
      'i.id',
      'i.index_number',
      'v.title',
      'i.first_published_at',
      'i.withdrawn_at',
      'i.withdrawal_reason',
      'i.withdrawal_note',
      'i.replacement_item_id',
    ])
    .where('i.organization_id', '=', scope.organizationId)
    .where('i.published_version', '>', 0)
    .where('i.withdrawn', '=', 1);
  if (scope.columnIds) q = q.where('i.column_id', 'in', scope.columnIds.length ? scope.columnIds : [-1]);
  return q.orderBy('i.withdrawn_at', 'desc').orderBy('i.id', 'desc').limit(limit).execute();
}

/**
 * The latest withdrawal in the scope: a withdrawal removes an entry from a feed without any entry becoming
 * newer, so a feed's Last-Modified must account for it.
 */
export async function lastWithdrawalAt(db: Kysely<Database>, scope: FeedScope): Promise<string | null> {
  let q = db
    .selectFrom('items')
    .select((eb) => eb.fn.max('withdrawn_at').as('at'))
    .where('organization_id', '=', scope.organizationId)
    .where('published_version', '>', 0)
    .where('withdrawn', '=', 1);
  if (scope.columnIds) q = q.where('column_id', 'in', scope.columnIds.length ? scope.columnIds : [-1]);
  const r = await q.executeTakeFirst();
  return (r?.at as string | null | undefined) ?? null;
}

/** The highest item id (0 when there are none): sitemap pages of items are ranges of ids. */
export async function maxItemId(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('items')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(r?.id ?? 0);
}

/**
 * Public items with ids in (afterId, toId], in id order, at most `limit`: one chunk of a sitemap page,
 * read by primary-key range so a page never scans more than its own ids.
 */
export function publicItemsInRange(db: Kysely<Database>, afterId: number, toId: number, limit: number) {
  return db
    .selectFrom('items')
    .select(['id', 'organization_id', 'last_published_at'])
    .where('id', '>', afterId)
    .where('id', '<=', toId)
    .where('published_version', '>', 0)
    .where('first_published_at', 'is not', null)
    .where('withdrawn', '=', 0)
    .orderBy('id')
    .limit(limit)
    .execute();
}
