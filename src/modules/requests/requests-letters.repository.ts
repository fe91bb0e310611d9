import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

const orgIs = (organizationId: number | null) => (organizationId === null ? ('is' as const) : ('=' as const));

/** The stored template of an organization (or the district default for null) and outcome group. */
export function findTemplate(db: Kysely<Database>, organizationId: number | null, group: string) {
  return db
    .selectFrom('letter_templates')
    .selectAll()
    .where('organization_id', orgIs(organizationId), organizationId)
    .where('outcome_group', '=', group)
    .orderBy('id')
    .executeTakeFirst();
}

export function insertTemplate(
  db: Kysely<Database>,
  row: {
    organization_id: number | null;
    outcome_group: string;
    title: string;
    body: string;
    updated_by: number | null;
    now: string;
  },
) {
  return db
    .insertInto('letter_templates')
    .values({
      organization_id: row.organization_id,
      outcome_group: row.outcome_group,
      title: row.title,
      body: row.body,
      updated_by: row.updated_by,
      created_at: row.now,
      updated_at: row.now,
    })
    .execute();
}

export function updateTemplate(
  db: Kysely<Database>,
  id: number,
  patch: { title: string; body: string; updated_by: number | null; now: string },
) {
  return db
    .updateTable('letter_templates')
    .set({ title: patch.title, body: patch.body, updated_by: patch.updated_by, updated_at: patch.now })
    .where('id', '=', id)
    .execute();
}

export function deleteTemplate(db: Kysely<Database>, id: number) {
  return db.deleteFrom('letter_templates').where('id', '=', id).execute();
}

/** What a reply letter needs of a request (the applicant's name is decrypted by the caller). */
export function requestForLetter(db: Kysely<Database>, requestId: number) {
  return db
    .selectFrom('requests')
    .innerJoin('organizations', 'organizations.id', 'requests.organization_id')
    .select([
      'requests.id',
      'requests.tracking_number',
      'requests.organization_id',
      'requests.description',
      'requests.received_on',
      'requests.outcome_code',
      'requests.outcome_date',
      'requests.outcome_note',
      'organizations.name as organization_name',
    ])
    .where('requests.id', '=', requestId)
    .executeTakeFirst();
}

/** The names of the files released with the reply, in upload order. */
export async function releasedFileNames(db: Kysely<Database>, requestId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('request_files')
    .select('filename')
    .where('request_id', '=', requestId)
    .where('role', '=', 'released')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.filename);
}
