import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, OrganizationTable } from '../../db/schema.js';

export type OrganizationRow = Awaited<ReturnType<typeof findById>> & {};

export function findById(db: Kysely<Database>, id: number) {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findBySlug(db: Kysely<Database>, slug: string) {
  return db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export function listAll(db: Kysely<Database>, opts: { activeOnly?: boolean } = {}) {
  let q = db.selectFrom('organizations').selectAll();
  if (opts.activeOnly) q = q.where('active', '=', 1);
  return q.orderBy('sort_order').orderBy('id').execute();
}

export async function insert(db: Kysely<Database>, row: Insertable<OrganizationTable>): Promise<number> {
  const r = await db.insertInto('organizations').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function update(db: Kysely<Database>, id: number, patch: Updateable<OrganizationTable>) {
  await db.updateTable('organizations').set(patch).where('id', '=', id).execute();
}

export async function codeOrSlugTaken(db: Kysely<Database>, field: 'code' | 'slug', value: string, exceptId?: number) {
  let q = db.selectFrom('organizations').select('id').where(field, '=', value);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}
