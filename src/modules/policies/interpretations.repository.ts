import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { InterpretationTable } from './policies.table.js';

// All SQL for interpretations (政策解读) and their links to policy documents.

export type InterpretationRow = Selectable<InterpretationTable>;

export async function insert(db: Kysely<Database>, row: Insertable<InterpretationTable>): Promise<number> {
  const id = (await db.insertInto('interpretations').values(row).returning('id').executeTakeFirstOrThrow()).id;
  // The item's kind flag: its pages run the interpretation sections (ordinary items skip their lookups).
  await db.updateTable('items').set({ kind: 'interpretation' }).where('id', '=', row.item_id).execute();
  return id;
}

export async function update(db: Kysely<Database>, id: number, patch: Updateable<InterpretationTable>) {
  await db.updateTable('interpretations').set(patch).where('id', '=', id).execute();
}

export function findByItem(db: Kysely<Database>, itemId: number) {
  return db.selectFrom('interpretations').selectAll().where('item_id', '=', itemId).executeTakeFirst();
}

export function find(db: Kysely<Database>, id: number) {
  return db.selectFrom('interpretations').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Sets the policies an interpretation explains. A policy that loses it counts as changed at `at` (its
 * public detail lists its interpretations, and GET /api/v1/policies/{id} takes its Last-Modified from the
 * policy row; one that gains it moves with the interpretation's own updated_at).
 */
export async function setPolicies(db: Kysely<Database>, interpretationId: number, policyIds: number[], at: string) {
  const before = await db
    .selectFrom('interpretation_policies')
    .select('policy_id')
    .where('interpretation_id', '=', interpretationId)
    .execute();
  const left = before.map((r) => r.policy_id).filter((id) => !policyIds.includes(id));
  if (left.length) await db.updateTable('policies').set({ updated_at: at }).where('id', 'in', left).execute();
  await db.deleteFrom('interpretation_policies').where('interpretation_id', '=', interpretationId).execute();
  if (policyIds.length)
    await db
      .insertInto('interpretation_policies')
      .values(policyIds.map((policy_id) => ({ interpretation_id: interpretationId, policy_id })))
      .execute();
}

/** The titles of policy documents by id (the links a revision staged are not rows yet). */
export async function policyTitles(db: Kysely<Database>, policyIds: number[]): Promise<Map<number, string>> {
  if (!policyIds.length) return new Map();
  const rows = await db
    .selectFrom('policies as p')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .select(['p.id', 'i.title'])
    .where('p.id', 'in', policyIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.title]));
}

/** Interpretations of a policy with their items' workflow state (the 三同步 bundle). */
export function ofPolicy(db: Kysely<Database>, policyId: number) {
  return db
    .selectFrom('interpretation_policies as l')
    .innerJoin('interpretations as t', 't.id', 'l.interpretation_id')
    .innerJoin('items as i', 'i.id', 't.item_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select([
      't.id',
      't.item_id',
      't.form',
      't.by_principal',
      't.principal_name',
      'i.title',
      'i.status',
      'i.published_version',
      'i.withdrawn',
      'i.first_published_at',
      'i.updated_at',
      't.updated_at as interpretation_updated_at',
      'o.slug as org_slug',
    ])
    .where('l.policy_id', '=', policyId)
    .orderBy('t.id')
    .execute();
}

/** Policies an interpretation links to, with their items. */
export function policiesOf(db: Kysely<Database>, interpretationId: number) {
  return db
    .selectFrom('interpretation_policies as l')
    .innerJoin('policies as p', 'p.id', 'l.policy_id')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select([
      'p.id',
      'p.item_id',
      'p.doc_number',
      'p.drafting_organization_id',
      'i.title',
      'i.published_version',
      'i.withdrawn',
      'o.slug as org_slug',
    ])
    .where('l.interpretation_id', '=', interpretationId)
    .orderBy('p.id')
    .execute();
}

export interface ListFilter {
  organizationId?: number;
  form?: string;
  policyId?: number;
  limit: number;
  offset: number;
}

/** Published interpretations, newest first. */
export function listPublished(db: Kysely<Database>, f: ListFilter) {
  let q = db
    .selectFrom('interpretations as t')
    .innerJoin('items as i', 'i.id', 't.item_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select([
      't.id',
      't.item_id',
      't.form',
      't.by_principal',
      't.principal_name',
      't.responsible_organization_id',
      'i.title',
      'i.first_published_at',
      'o.slug as org_slug',
      'i.organization_id',
    ])
    .where('i.published_version', '>', 0)
    .where('i.withdrawn', '=', 0);
  if (f.organizationId) q = q.where('i.organization_id', '=', f.organizationId);
  if (f.form) q = q.where('t.form', '=', f.form);
  if (f.policyId)
    q = q.where('t.id', 'in', (eb) =>
      eb.selectFrom('interpretation_policies').select('interpretation_id').where('policy_id', '=', f.policyId!),
    );
  return q.orderBy('i.first_published_at', 'desc').orderBy('t.id', 'desc').limit(f.limit).offset(f.offset).execute();
}
