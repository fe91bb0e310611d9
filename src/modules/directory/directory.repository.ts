import type { Insertable, Kysely, Updateable } from 'kysely';
import type { ColumnTable, Database } from '../../db/schema.js';

export type ColumnRow = Awaited<ReturnType<typeof listColumns>>[number];

export function listColumns(db: Kysely<Database>, organizationId: number) {
  return db
    .selectFrom('columns')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('sort_order')
    .orderBy('id')
    .execute();
}

export function findColumn(db: Kysely<Database>, id: number) {
  return db.selectFrom('columns').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findColumnBySlug(db: Kysely<Database>, organizationId: number, slug: string) {
  return db
    .selectFrom('columns')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('slug', '=', slug)
    .executeTakeFirst();
}

export async function insertColumn(db: Kysely<Database>, row: Insertable<ColumnTable>): Promise<number> {
  return (await db.insertInto('columns').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateColumn(db: Kysely<Database>, id: number, patch: Updateable<ColumnTable>) {
  await db.updateTable('columns').set(patch).where('id', '=', id).execute();
}

export async function taken(
  db: Kysely<Database>,
  organizationId: number,
  field: 'slug' | 'code',
  value: string,
  exceptId?: number,
) {
  let q = db.selectFrom('columns').select('id').where('organization_id', '=', organizationId).where(field, '=', value);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Latest first-publication time per column of an organization (for freshness checks). */
export function lastPublishedPerColumn(db: Kysely<Database>, organizationId: number) {
  return db
    .selectFrom('items')
    .select(['column_id', (eb) => eb.fn.max('first_published_at').as('last'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', '=', organizationId)
    .where('published_version', '>', 0)
    .where('withdrawn', '=', 0)
    .groupBy('column_id')
    .execute();
}
