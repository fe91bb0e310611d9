import type { Kysely } from 'kysely';
import { notNull, withId } from './util.js';

// Information requests (依申请公开): requests with encrypted personal fields, the clock's event log,
// attachments and released files, administrative reviews and lawsuits. Frozen once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('requests'))
    .addColumn('tracking_number', 'text', (c) => c.notNull().unique())
    .addColumn('query_code_hash', 'text', notNull)
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('applicant_type', 'text', notNull)
    .addColumn('organization_kind', 'text')
    .addColumn('name_enc', 'text', notNull)
    .addColumn('id_type', 'text', notNull)
    .addColumn('id_number_enc', 'text')
    .addColumn('id_masked', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('identity_hmac', 'text')
    .addColumn('legal_representative_enc', 'text')
    .addColumn('phone_enc', 'text', notNull)
    .addColumn('email_enc', 'text')
    .addColumn('address_enc', 'text')
    .addColumn('key_id', 'text', notNull)
    .addColumn('description', 'text', notNull)
    .addColumn('purpose', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('form', 'text', notNull)
    .addColumn('delivery', 'text', notNull)
    .addColumn('channel', 'text', notNull)
    .addColumn('submitted_at', 'text', notNull)
    .addColumn('received_on', 'text', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('due_on', 'text')
    .addColumn('outcome_code', 'text')
    .addColumn('outcome_date', 'text')
    .addColumn('outcome_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('delivered_via', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('publish_consent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('excessive_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();
  // Queues by organization, status and due date; per-officer queues; statistics by year of receipt;
  // per-identity limits and Art. 35 flags; rotation of keys.
  await db.schema
    .createIndex('requests_org_status')
    .on('requests')
    .columns(['organization_id', 'status', 'due_on'])
    .execute();
  await db.schema.createIndex('requests_assigned').on('requests').columns(['assigned_to', 'status']).execute();
  await db.schema.createIndex('requests_received').on('requests').columns(['organization_id', 'received_on']).execute();
  await db.schema.createIndex('requests_identity').on('requests').columns(['identity_hmac', 'submitted_at']).execute();
  await db.schema.createIndex('requests_key').on('requests').column('key_id').execute();

  await withId(db, db.schema.createTable('request_events'))
    .addColumn('request_id', 'integer', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('kind', 'text', notNull)
    .addColumn('on_date', 'text', notNull)
    .addColumn('deadline', 'text')
    .addColumn('workdays', 'integer')
    .addColumn('amount', 'integer')
    .addColumn('approved_by', 'integer', (c) => c.references('users.id'))
    .addColumn('from_organization_id', 'integer', (c) => c.references('organizations.id'))
    .addColumn('to_organization_id', 'integer', (c) => c.references('organizations.id'))
    .addColumn('to_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('public_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('internal_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('actor_user_id', 'integer')
    .addColumn('actor_name', 'text', notNull)
    .addColumn('created_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('request_events_request').on('request_events').columns(['request_id', 'id']).execute();

  await withId(db, db.schema.createTable('request_files'))
    .addColumn('request_id', 'integer', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('event_id', 'integer', (c) => c.references('request_events.id'))
    .addColumn('role', 'text', notNull)
    .addColumn('file_sha256', 'text', (c) => c.notNull().references('files.sha256'))
    .addColumn('filename', 'text', notNull)
    .addColumn('uploaded_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('request_files_request').on('request_files').columns(['request_id', 'role']).execute();

  await withId(db, db.schema.createTable('request_reviews'))
    .addColumn('request_id', 'integer', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('kind', 'text', notNull)
    .addColumn('filed_on', 'text', notNull)
    .addColumn('result', 'text', notNull)
    .addColumn('concluded_on', 'text')
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('request_reviews_request').on('request_reviews').column('request_id').execute();
  await db.schema.createIndex('request_reviews_filed').on('request_reviews').columns(['filed_on', 'kind']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['request_reviews', 'request_files', 'request_events', 'requests']) {
    await db.schema.dropTable(t).execute();
  }
}
