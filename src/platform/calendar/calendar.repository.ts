import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

// All SQL for the calendar: administrator overrides (calendar_days) and years an administrator confirmed as
// fully entered (calendar_years). Upserts use ON CONFLICT, which SQLite and PostgreSQL both understand.

export interface OverrideRow {
  date: string;
  kind: string;
  name: string;
  created_by: number | null;
  created_at: string;
}

export interface ConfirmedYearRow {
  year: number;
  note: string;
  confirmed_by: number | null;
  confirmed_at: string;
}

/** Every override, oldest date first: the in-memory calendar loads them all (a few dozen a year at most). */
export function listOverrides(db: Kysely<Database>): Promise<OverrideRow[]> {
  return db.selectFrom('calendar_days').selectAll().orderBy('date').execute();
}

/** Overrides of one year with the name of whoever entered them, for the console. */
export function listOverridesOfYear(db: Kysely<Database>, year: number) {
  return db
    .selectFrom('calendar_days as d')
    .leftJoin('users as u', 'u.id', 'd.created_by')
    .select(['d.date', 'd.kind', 'd.name', 'd.created_by', 'd.created_at', 'u.display_name as created_by_name'])
    .where('d.date', '>=', `${year}-01-01`)
    .where('d.date', '<=', `${year}-12-31`)
    .orderBy('d.date')
    .execute();
}

export function findOverride(db: Kysely<Database>, date: string): Promise<OverrideRow | undefined> {
  return db.selectFrom('calendar_days').selectAll().where('date', '=', date).executeTakeFirst();
}

/** Inserts or replaces the override of a date (one override per date: the date is the primary key). */
export async function upsertOverride(db: Kysely<Database>, row: OverrideRow): Promise<void> {
  await db
    .insertInto('calendar_days')
    .values(row)
    .onConflict((oc) =>
      oc.column('date').doUpdateSet({
        kind: row.kind,
        name: row.name,
        created_by: row.created_by,
        created_at: row.created_at,
      }),
    )
    .execute();
}

/** Deletes the override of a date; true when there was one. */
export async function deleteOverride(db: Kysely<Database>, date: string): Promise<boolean> {
  const r = await db.deleteFrom('calendar_days').where('date', '=', date).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function listConfirmedYears(db: Kysely<Database>): Promise<ConfirmedYearRow[]> {
  return db.selectFrom('calendar_years').selectAll().orderBy('year').execute();
}

/** Confirmed years with the name of whoever confirmed them, for the console. */
export function listConfirmedYearsWithNames(db: Kysely<Database>) {
  return db
    .selectFrom('calendar_years as y')
    .leftJoin('users as u', 'u.id', 'y.confirmed_by')
    .select(['y.year', 'y.note', 'y.confirmed_by', 'y.confirmed_at', 'u.display_name as confirmed_by_name'])
    .orderBy('y.year')
    .execute();
}

export function findConfirmedYear(db: Kysely<Database>, year: number): Promise<ConfirmedYearRow | undefined> {
  return db.selectFrom('calendar_years').selectAll().where('year', '=', year).executeTakeFirst();
}

/** Records (or re-records, with the new note and confirmer) that a year's arrangement is fully entered. */
export async function upsertConfirmedYear(db: Kysely<Database>, row: ConfirmedYearRow): Promise<void> {
  await db
    .insertInto('calendar_years')
    .values(row)
    .onConflict((oc) =>
      oc.column('year').doUpdateSet({ note: row.note, confirmed_by: row.confirmed_by, confirmed_at: row.confirmed_at }),
    )
    .execute();
}

/** Withdraws a year's confirmation; true when there was one. */
export async function deleteConfirmedYear(db: Kysely<Database>, year: number): Promise<boolean> {
  const r = await db.deleteFrom('calendar_years').where('year', '=', year).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** How many overrides of the kind fall in the year: confirming a year needs its holidays entered first. */
export async function countOverridesOfYear(db: Kysely<Database>, year: number, kind: string): Promise<number> {
  const r = await db
    .selectFrom('calendar_days')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('date', '>=', `${year}-01-01`)
    .where('date', '<=', `${year}-12-31`)
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
