import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { latest } from '../../platform/api/http.js';

// SQL of the v1 API's reads: published items by cursor, their last change, and texts for search snippets.

export interface DocumentFilter {
  /** Restrict to these organizations (the active ones, or the one asked for). */
  organizationIds?: number[];
  columnIds?: number[];
  year?: number;
  theme?: string;
  /** ISO instant: published, revised or withdrawn at or after it. */
  updatedSince?: string;
  includeWithdrawn: boolean;
}

type Eb = ExpressionBuilder<Database & { i: Database['items']; v: Database['item_versions'] }, 'i' | 'v'>;

function published(db: Kysely<Database>) {
  return db
    .selectFrom('items as i')
    .innerJoin('item_versions as v', (j) =>
      j.onRef('v.item_id', '=', 'i.id').onRef('v.version', '=', 'i.published_version'),
    )
    .where('i.published_version', '>', 0)
    .where('i.first_published_at', 'is not', null);
}

function filtered(db: Kysely<Database>, f: Omit<DocumentFilter, 'includeWithdrawn'>) {
  let q = published(db);
  if (f.organizationIds) q = q.where('i.organization_id', 'in', f.organizationIds.length ? f.organizationIds : [-1]);
  if (f.columnIds) q = q.where('i.column_id', 'in', f.columnIds.length ? f.columnIds : [-1]);
  if (f.year)
    q = q
      .where('i.first_published_at', '>=', `${f.year}-01-01`)
      .where('i.first_published_at', '<', `${f.year + 1}-01-01`);
  if (f.theme) q = q.where('v.theme', '=', f.theme);
  if (f.updatedSince) {
    const s = f.updatedSince;
    q = q.where((eb: Eb) => eb.or([eb('i.last_published_at', '>=', s), eb('i.withdrawn_at', '>=', s)]));
  }
  return q;
}

/** A page of published items, newest first by (first_published_at, id), after the cursor's key. */
export function listDocuments(
  db: Kysely<Database>,
  f: DocumentFilter,
  after: readonly [string, number] | null,
  limit: number,
) {
  let q = filtered(db, f);
  if (!f.includeWithdrawn) q = q.where('i.withdrawn', '=', 0);
  if (after) {
    const [at, id] = after;
    q = q.where((eb: Eb) =>
      eb.or([eb('i.first_published_at', '<', at), eb.and([eb('i.first_published_at', '=', at), eb('i.id', '<', id)])]),
    );
  }
  return q
    .select([
      'i.id',
      'i.organization_id',
      'i.column_id',
      'i.index_number',
      'v.title',
      'v.doc_number',
      'v.theme',
      'v.genre',
      'i.date_created',
      'i.first_published_at',
      'i.last_published_at',
      'i.published_version',
      'i.withdrawn',
      'i.withdrawn_at',
      'i.withdrawal_reason',
    ])
    .orderBy('i.first_published_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(limit)
    .execute();
}

export type DocumentRow = Awaited<ReturnType<typeof listDocuments>>[number];

/**
 * The latest publication, revision or withdrawal among all items the filter matches, withdrawn ones
 * included (so a withdrawal that removes an item from a list still moves the list's Last-Modified).
 */
export async function lastChange(db: Kysely<Database>, f: DocumentFilter): Promise<string | null> {
  const r = await filtered(db, f)
    .select((eb) => [eb.fn.max('i.last_published_at').as('published'), eb.fn.max('i.withdrawn_at').as('withdrawn')])
    .executeTakeFirst();
  return latest((r?.published as string | null) ?? null, (r?.withdrawn as string | null) ?? null);
}

/** The last change of an organization's columns. */
export async function columnsChangedAt(db: Kysely<Database>, organizationId: number): Promise<string | null> {
  const r = await db
    .selectFrom('columns')
    .select((eb) => eb.fn.max('updated_at').as('at'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return (r?.at as string | null) ?? null;
}

/** The organization a column belongs to. */
export async function columnOrganization(db: Kysely<Database>, columnId: number): Promise<number | null> {
  const r = await db.selectFrom('columns').select('organization_id').where('id', '=', columnId).executeTakeFirst();
  return r?.organization_id ?? null;
}

/** Summary and body of the current public version of items (for search snippets). */
export function publicTexts(db: Kysely<Database>, itemIds: number[]) {
  return published(db)
    .select(['i.id', 'v.summary', 'v.body_html'])
    .where('i.id', 'in', itemIds.length ? itemIds : [-1])
    .execute();
}
