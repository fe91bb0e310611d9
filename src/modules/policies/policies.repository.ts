import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { PolicyRelationTable, PolicyTable } from './policies.table.js';

// All SQL for policy documents.

export type PolicyRow = Selectable<PolicyTable>;
export type RelationRow = Selectable<PolicyRelationTable>;

export async function insertPolicy(db: Kysely<Database>, row: Insertable<PolicyTable>): Promise<number> {
  const r = await db.insertInto('policies').values(row).returning('id').executeTakeFirstOrThrow();
  // The item's kind flag: its pages run the policy sections (ordinary items skip their lookups).
  await db.updateTable('items').set({ kind: 'policy' }).where('id', '=', row.item_id).execute();
  return r.id;
}

export async function updatePolicy(db: Kysely<Database>, id: number, patch: Updateable<PolicyTable>) {
  await db.updateTable('policies').set(patch).where('id', '=', id).execute();
}

export function findPolicy(db: Kysely<Database>, id: number) {
  return db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPolicyByItem(db: Kysely<Database>, itemId: number) {
  return db.selectFrom('policies').selectAll().where('item_id', '=', itemId).executeTakeFirst();
}

export async function replaceIssuers(
  db: Kysely<Database>,
  policyId: number,
  issuers: { organization_id: number | null; name: string }[],
) {
  await db.deleteFrom('policy_issuers').where('policy_id', '=', policyId).execute();
  if (issuers.length === 0) return;
  await db
    .insertInto('policy_issuers')
    .values(
      issuers.map((i, n) => ({ policy_id: policyId, organization_id: i.organization_id, name: i.name, sort_order: n })),
    )
    .execute();
}

export function listIssuers(db: Kysely<Database>, policyIds: number[]) {
  if (policyIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('policy_issuers')
    .selectAll()
    .where('policy_id', 'in', policyIds)
    .orderBy('policy_id')
    .orderBy('sort_order')
    .execute();
}

export async function insertRelation(db: Kysely<Database>, row: Insertable<PolicyRelationTable>) {
  const r = await db
    .insertInto('policy_relations')
    .values(row)
    .onConflict((oc) => oc.columns(['from_policy_id', 'to_policy_id', 'kind']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return r?.id ?? null;
}

/** Relations of a document both ways, with the other document's title, 文号, dates and publication state. */
export function relationsOf(db: Kysely<Database>, policyId: number) {
  const base = db
    .selectFrom('policy_relations as r')
    .innerJoin('policies as p', (j) =>
      j.on((eb) => eb.or([eb('p.id', '=', eb.ref('r.from_policy_id')), eb('p.id', '=', eb.ref('r.to_policy_id'))])),
    )
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select([
      'r.id',
      'r.kind',
      'r.note',
      'r.from_policy_id',
      'r.to_policy_id',
      'r.created_at',
      'p.id as other_id',
      'p.item_id as other_item_id',
      'p.doc_number as other_doc_number',
      'p.date_effective as other_date_effective',
      'i.title as other_title',
      'i.published_version as other_published_version',
      'i.withdrawn as other_withdrawn',
      'i.updated_at as other_updated_at',
      'o.slug as other_org_slug',
    ])
    .where('p.id', '!=', policyId);
  return base
    .where((eb) => eb.or([eb('r.from_policy_id', '=', policyId), eb('r.to_policy_id', '=', policyId)]))
    .orderBy('r.id')
    .execute();
}

/** Later documents acting on the document, published and not withdrawn, with their dates in force. */
export function incomingPublished(db: Kysely<Database>, policyId: number) {
  return db
    .selectFrom('policy_relations as r')
    .innerJoin('policies as p', 'p.id', 'r.from_policy_id')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .select(['r.kind', 'r.from_policy_id', 'p.date_effective'])
    .where('r.to_policy_id', '=', policyId)
    .where('i.published_version', '>', 0)
    .where('i.withdrawn', '=', 0)
    .execute();
}

/** Documents a published document acts on (its targets), for refreshing their status. */
export async function targetsOf(db: Kysely<Database>, policyId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('policy_relations')
    .select('to_policy_id')
    .where('from_policy_id', '=', policyId)
    .execute();
  return rows.map((r) => r.to_policy_id);
}

/** Published documents whose status can still change by the calendar (not yet ended). */
export async function liveIds(db: Kysely<Database>): Promise<number[]> {
  const rows = await db
    .selectFrom('policies as p')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .select('p.id')
    .where('p.status', 'in', ['pending', 'in_force', 'amended'])
    .where('i.published_version', '>', 0)
    .where('i.withdrawn', '=', 0)
    .orderBy('p.id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Sets the status only if it is still the one read (compare-and-set): of several servers racing to record
 * the same change exactly one updates the row (PostgreSQL re-checks the WHERE on the row a concurrent
 * transaction committed; SQLite runs writers one at a time).
 */
export async function casStatus(
  db: Kysely<Database>,
  id: number,
  from: { status: string; since: string | null; by: number | null },
  to: { status: string; since: string | null; by: number | null },
  now: string,
): Promise<boolean> {
  let q = db
    .updateTable('policies')
    .set({ status: to.status, status_since: to.since, status_by_policy_id: to.by, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', from.status);
  q = from.since === null ? q.where('status_since', 'is', null) : q.where('status_since', '=', from.since);
  q = from.by === null ? q.where('status_by_policy_id', 'is', null) : q.where('status_by_policy_id', '=', from.by);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertStatusChange(
  db: Kysely<Database>,
  row: {
    policy_id: number;
    from_status: string;
    to_status: string;
    since: string | null;
    by_policy_id: number | null;
    recorded_at: string;
  },
) {
  await db.insertInto('policy_status_changes').values(row).execute();
}

export function statusChanges(db: Kysely<Database>, policyId: number) {
  return db.selectFrom('policy_status_changes').selectAll().where('policy_id', '=', policyId).orderBy('id').execute();
}

export interface LibraryFilter {
  organizationIds?: number[]; // the organization and its descendants; all when absent (the district)
  status?: string;
  type?: string;
  issuer?: string; // organization name of any issuer (joint issuance included)
  year?: number; // year of the 文号, else of the 成文日期
  theme?: string;
  docNumber?: string; // exact normalized 文号
  itemIds?: number[]; // full-text matches
  limit: number;
  offset: number;
}

function libraryQuery(db: Kysely<Database>, f: LibraryFilter) {
  let q = db
    .selectFrom('policies as p')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .where('i.published_version', '>', 0)
    .where('i.withdrawn', '=', 0);
  if (f.organizationIds) q = q.where('i.organization_id', 'in', f.organizationIds.length ? f.organizationIds : [-1]);
  if (f.status) q = q.where('p.status', '=', f.status);
  if (f.type) q = q.where('p.policy_type', '=', f.type);
  if (f.theme) q = q.where('p.theme', '=', f.theme);
  if (f.docNumber) q = q.where('p.doc_number', '=', f.docNumber);
  if (f.itemIds) q = q.where('p.item_id', 'in', f.itemIds.length ? f.itemIds : [-1]);
  if (f.year)
    q = q.where((eb) =>
      eb.or([
        eb('p.doc_year', '=', f.year!),
        eb.and([eb('p.doc_year', 'is', null), eb('p.date_signed', 'like', `${f.year}-%`)]),
      ]),
    );
  if (f.issuer)
    q = q.where('p.id', 'in', (eb) =>
      eb.selectFrom('policy_issuers').select('policy_id').where('name', '=', f.issuer!),
    );
  return q;
}

/** Published policies, those in force first (有效, 已修订, 尚未施行, then 已废止 and 已失效), newest signed first. */
export function library(db: Kysely<Database>, f: LibraryFilter) {
  return libraryQuery(db, f)
    .select([
      'p.id',
      'p.item_id',
      'p.doc_number',
      'p.policy_type',
      'p.theme',
      'p.date_signed',
      'p.date_effective',
      'p.valid_until',
      'p.status',
      'p.status_since',
      'i.title',
      'i.organization_id',
      'i.first_published_at',
      'o.slug as org_slug',
      'o.name as org_name',
    ])
    .orderBy(
      sql`case p.status when 'in_force' then 0 when 'amended' then 1 when 'pending' then 2 when 'abolished' then 3 else 4 end`,
    )
    .orderBy('p.date_signed', 'desc')
    .orderBy('p.id', 'desc')
    .limit(f.limit)
    .offset(f.offset)
    .execute();
}

export async function libraryCount(db: Kysely<Database>, f: LibraryFilter): Promise<number> {
  const r = await libraryQuery(db, f)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Issuers, themes and years present among published policies, for the library's filter lists. */
export async function libraryFacets(db: Kysely<Database>, organizationIds?: number[]) {
  const base = libraryQuery(db, { organizationIds, limit: 0, offset: 0 });
  const [issuers, themes, years] = await Promise.all([
    base
      .innerJoin('policy_issuers as pi', 'pi.policy_id', 'p.id')
      .select('pi.name')
      .distinct()
      .orderBy('pi.name')
      .execute(),
    base.select('p.theme').distinct().where('p.theme', '!=', '').orderBy('p.theme').execute(),
    base.select('p.date_signed').execute(),
  ]);
  return {
    issuers: issuers.map((r) => r.name),
    themes: themes.map((r) => r.theme),
    years: [...new Set(years.map((r) => Number(r.date_signed.slice(0, 4))))].sort((a, b) => b - a),
  };
}

/** Status changes to 已废止 or 已失效 of published documents, newest first (the feed). */
export function endedChanges(db: Kysely<Database>, organizationIds: number[] | undefined, limit: number) {
  let q = db
    .selectFrom('policy_status_changes as c')
    .innerJoin('policies as p', 'p.id', 'c.policy_id')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select([
      'c.id',
      'c.to_status',
      'c.since',
      'c.recorded_at',
      'c.by_policy_id',
      'p.id as policy_id',
      'p.item_id',
      'p.doc_number',
      'i.title',
      'o.slug as org_slug',
      'o.name as org_name',
    ])
    .where('c.to_status', 'in', ['abolished', 'expired'])
    .where('i.published_version', '>', 0)
    .where('i.withdrawn', '=', 0);
  if (organizationIds) q = q.where('i.organization_id', 'in', organizationIds.length ? organizationIds : [-1]);
  return q.orderBy('c.recorded_at', 'desc').orderBy('c.id', 'desc').limit(limit).execute();
}
