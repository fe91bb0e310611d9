import { type Kysely, sql } from 'kysely';

// The one-time id of the office's registration form (登记申请), stored with the request it registered: a
// second post of the same form — a reload of the acknowledgement, a double click, another server behind the
// same load balancer — finds the request already there instead of registering it twice. Unique where set
// (online applications and the API have none).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').addColumn('submission_id', 'text').execute();
  await db.schema
    .createIndex('requests_submission')
    .unique()
    .on('requests')
    .column('submission_id')
    .where(sql.ref('submission_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('requests_submission').execute();
  await db.schema.alterTable('requests').dropColumn('submission_id').execute();
}
