import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Database, ItemEventTable, ItemTable, ItemVersionTable } from '../../db/schema.js';

/** An item with its working copy's body resolved (`body_html`), wherever that body is stored. */
export type ItemRow = Omit<Selectable<ItemTable>, 'working_body_html'> & { body_html: string };

/**
 * The item with its working copy's body as `body_html`: its own (`working_body_html`), or, when
 * `body_in_version` is set, the body of its published version, which then is the same text stored once.
 * A version is never changed once written, so the second read needs no transaction.
 */
export async function findItem(db: Kysely<Database>, id: number): Promise<ItemRow | undefined> {
  const row = await db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const { working_body_html, ...rest } = row;
  if (!row.body_in_version) return { ...rest, body_html: working_body_html };
  const v = await db
    .selectFrom('item_versions')
    .select('body_html')
    .where('item_id', '=', id)
    .where('version', '=', row.published_version)
    .executeTakeFirstOrThrow();
  return { ...rest, body_html: v.body_html };
}

/** How many published items still hold their own copy of the body (what compactBodies looks at). */
export async function countBodyCopies(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('body_in_version', '=', 0)
    .where('status', '=', 'published')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Items published before migration 0015 keep their own copy of the published body. For up to `limit` published
 * items with an id above `after` that still hold a copy, points those whose copy is exactly the published
 * version's body at that version instead (the same test in the UPDATE, so an edit in between is left alone).
 * Returns the last id looked at (null when there is none left), how many items it looked at and how many changed.
 */
export async function compactBodies(
  db: Kysely<Database>,
  after: number,
  limit: number,
): Promise<{ last: number | null; looked: number; changed: number }> {
  const ids = (
    await db
      .selectFrom('items')
      .select('id')
      .where('id', '>', after)
      .where('body_in_version', '=', 0)
      .where('status', '=', 'published')
      .orderBy('id')
      .limit(limit)
      .execute()
  ).map((r) => r.id);
  if (!ids.length) return { last: null, looked: 0, changed: 0 };
  const r = await db
    .updateTable('items')
    .set({ working_body_html: '', body_in_version: 1 })
    .where('id', 'in', ids)
    .where('body_in_version', '=', 0)
    .where('status', '=', 'published')
    .where(
      'working_body_html',
      '=',
      sql<string>`(select v.body_html from item_versions v
        where v.item_id = items.id and v.version = items.published_version)`,
    )
    .executeTakeFirst();
  return { last: ids[ids.length - 1], looked: ids.length, changed: Number(r.numUpdatedRows) };
}

export async function insertItem(db: Kysely<Database>, row: Insertable<ItemTable>): Promise<number> {
  return (await db.insertInto('items').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateItem(db: Kysely<Database>, id: number, patch: Updateable<ItemTable>) {
  await db.updateTable('items').set(patch).where('id', '=', id).execute();
}

/** Moves an item from one status to another only if it is still in the expected one (no lost updates). */
export async function transition(
  db: Kysely<Database>,
  id: number,
  from: string[],
  patch: Updateable<ItemTable>,
): Promise<boolean> {
  const r = await db
    .updateTable('items')
    .set(patch)
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertEvent(db: Kysely<Database>, row: Insertable<ItemEventTable>) {
  await db.insertInto('item_events').values(row).execute();
}

export function listEvents(db: Kysely<Database>, itemId: number) {
  return db.selectFrom('item_events').selectAll().where('item_id', '=', itemId).orderBy('at').orderBy('id').execute();
}

export async function insertVersion(db: Kysely<Database>, row: Insertable<ItemVersionTable>) {
  await db.insertInto('item_versions').values(row).execute();
}

export function findVersion(db: Kysely<Database>, itemId: number, version: number) {
  return db
    .selectFrom('item_versions')
    .selectAll()
    .where('item_id', '=', itemId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export function listVersions(db: Kysely<Database>, itemId: number) {
  return db
    .selectFrom('item_versions')
    .select(['version', 'change_kind', 'change_note', 'published_at', 'title'])
    .where('item_id', '=', itemId)
    .orderBy('version', 'desc')
    .execute();
}

/** The next value of an index-number sequence, atomically on both engines. */
export async function nextSequence(db: Kysely<Database>, key: string): Promise<number> {
  const r = await db
    .insertInto('index_sequences')
    .values({ key, next_value: 2 })
    .onConflict((oc) => oc.column('key').doUpdateSet({ next_value: sql`index_sequences.next_value + 1` }))
    .returning('next_value')
    .executeTakeFirstOrThrow();
  return r.next_value - 1;
}

/** The ids of the organization's items carrying these source references (an importer's keys). */
export async function existingSourceRefs(
  db: Kysely<Database>,
  organizationId: number,
  refs: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Set(refs)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('items')
      .select(['id', 'source_ref'])
      .where('organization_id', '=', organizationId)
      .where('source_ref', 'in', unique.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.source_ref as string, r.id);
  }
  return out;
}

/**
 * Takes `n` consecutive values of each sequence, all in one statement (atomic like nextSequence); returns the
 * first value taken of each key.
 */
export async function takeSequences(
  db: Kysely<Database>,
  wants: readonly { key: string; n: number }[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < wants.length; i += 1000) {
    const chunk = wants.slice(i, i + 1000);
    const n = new Map(chunk.map((w) => [w.key, w.n]));
    const rows = await db
      .insertInto('index_sequences')
      .values(chunk.map((w) => ({ key: w.key, next_value: 1 + w.n })))
      // excluded.next_value - 1 is the n of that key's row.
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({ next_value: sql`index_sequences.next_value + excluded.next_value - 1` }),
      )
      .returning(['key', 'next_value'])
      .execute();
    for (const r of rows) out.set(r.key, r.next_value - (n.get(r.key) as number));
  }
  return out;
}

export async function getSetting(db: Kysely<Database>, key: string): Promise<string | undefined> {
  return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

export interface StaffListFilter {
  organizationIds: number[];
  status?: string;
  columnId?: number;
  q?: string;
  limit: number;
  offset: number;
}

export function listForStaff(db: Kysely<Database>, f: StaffListFilter) {
  let q = db
    .selectFrom('items')
    .select([
      'id',
      'organization_id',
      'column_id',
      'index_number',
      'title',
      'status',
      'date_created',
      'published_version',
      'withdrawn',
      'updated_at',
      'drafted_by',
      'disclosure',
    ])
    .where('organization_id', 'in', f.organizationIds.length ? f.organizationIds : [-1]);
  if (f.status === 'withdrawn') q = q.where('withdrawn', '=', 1);
  else if (f.status) q = q.where('status', '=', f.status).where('withdrawn', '=', 0);
  if (f.columnId) q = q.where('column_id', '=', f.columnId);
  if (f.q) q = q.where('title', 'like', `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
  return q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
}

/** Items not yet published (and not withdrawn) that must be published: proactive ones, by date created. */
export function unpublishedProactive(db: Kysely<Database>, organizationIds: number[]) {
  return db
    .selectFrom('items')
    .select(['id', 'organization_id', 'title', 'status', 'date_created', 'index_number'])
    .where('organization_id', 'in', organizationIds.length ? organizationIds : [-1])
    .where('published_version', '=', 0)
    .where('disclosure', '=', 'proactive')
    .orderBy('date_created')
    .limit(500)
    .execute();
}

export interface PublicListFilter {
  columnIds?: number[];
  organizationId?: number;
  year?: number;
  theme?: string;
  limit: number;
  offset: number;
}

/** Published, not withdrawn items with their current public version, newest first. */
export function listPublished(db: Kysely<Database>, f: PublicListFilter) {
  let q = db
    .selectFrom('items as i')
    .innerJoin('item_versions as v', (j) =>
      j.onRef('v.item_id', '=', 'i.id').onRef('v.version', '=', 'i.published_version'),
    )
    .select([
      'i.id',
      'i.organization_id',
      'i.column_id',
      'i.index_number',
      'v.title',
      'v.theme',
      'i.first_published_at',
      'i.last_published_at',
      'i.date_created',
    ])
    .where('i.first_published_at', 'is not', null)
    .where('i.withdrawn', '=', 0);
  if (f.columnIds) q = q.where('i.column_id', 'in', f.columnIds.length ? f.columnIds : [-1]);
  if (f.organizationId !== undefined) q = q.where('i.organization_id', '=', f.organizationId);
  if (f.year)
    q = q
      .where('i.first_published_at', '>=', `${f.year}-01-01`)
      .where('i.first_published_at', '<', `${f.year + 1}-01-01`);
  if (f.theme) q = q.where('v.theme', '=', f.theme);
  return q.orderBy('i.first_published_at', 'desc').orderBy('i.id', 'desc').limit(f.limit).offset(f.offset).execute();
}

export async function countPublished(
  db: Kysely<Database>,
  f: Omit<PublicListFilter, 'limit' | 'offset'>,
): Promise<number> {
  let q = db
    .selectFrom('items as i')
    .innerJoin('item_versions as v', (j) =>
      j.onRef('v.item_id', '=', 'i.id').onRef('v.version', '=', 'i.published_version'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('i.first_published_at', 'is not', null)
    .where('i.withdrawn', '=', 0);
  if (f.columnIds) q = q.where('i.column_id', 'in', f.columnIds.length ? f.columnIds : [-1]);
  if (f.organizationId !== undefined) q = q.where('i.organization_id', '=', f.organizationId);
  if (f.year)
    q = q
      .where('i.first_published_at', '>=', `${f.year}-01-01`)
      .where('i.first_published_at', '<', `${f.year + 1}-01-01`);
  if (f.theme) q = q.where('v.theme', '=', f.theme);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export function dueScheduled(db: Kysely<Database>, nowIso: string) {
  return db
    .selectFrom('items')
    .select(['id'])
    .where('status', '=', 'scheduled')
    .where('scheduled_at', '<=', nowIso)
    .limit(100)
    .execute();
}

export function listAttachments(db: Kysely<Database>, itemId: number) {
  return db
    .selectFrom('item_attachments as a')
    .innerJoin('files as f', 'f.sha256', 'a.file_sha256')
    .select(['a.id', 'a.file_sha256', 'a.filename', 'a.alt', 'a.inline', 'a.sort_order', 'f.size', 'f.mime', 'f.ext'])
    .where('a.item_id', '=', itemId)
    .orderBy('a.sort_order')
    .orderBy('a.id')
    .execute();
}

export async function insertAttachment(
  db: Kysely<Database>,
  row: {
    item_id: number;
    file_sha256: string;
    filename: string;
    alt: string;
    inline: number;
    sort_order: number;
    created_at: string;
  },
) {
  return (await db.insertInto('item_attachments').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

/** Replaces the list of files of the item's current public version. */
export async function setPublishedFiles(db: Kysely<Database>, itemId: number, sha256s: string[]) {
  await db.deleteFrom('published_files').where('item_id', '=', itemId).execute();
  const unique = [...new Set(sha256s)];
  if (unique.length > 0)
    await db
      .insertInto('published_files')
      .values(unique.map((file_sha256) => ({ item_id: itemId, file_sha256 })))
      .execute();
}

export async function deleteAttachment(db: Kysely<Database>, itemId: number, id: number) {
  const r = await db
    .deleteFrom('item_attachments')
    .where('id', '=', id)
    .where('item_id', '=', itemId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export function userNames(db: Kysely<Database>, ids: number[]) {
  return db
    .selectFrom('users')
    .select(['id', 'display_name'])
    .where('id', 'in', ids.length ? ids : [-1])
    .execute();
}
