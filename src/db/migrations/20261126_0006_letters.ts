import type { Kysely } from 'kysely';
import { notNull, withId } from './util.js';

// Reply-letter templates (告知书) per outcome group — the district default (organization_id null) and each
// organization's own — and the secret iCalendar feed tokens of officers' deadlines, and the
// daily digests already sent. Frozen once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('letter_templates'))
    .addColumn('organization_id', 'integer', (c) => c.references('organizations.id'))
    .addColumn('outcome_group', 'text', notNull)
    .addColumn('title', 'text', notNull)
    .addColumn('body', 'text', notNull)
    .addColumn('updated_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();
  await db.schema
    .createIndex('letter_templates_org_group')
    .on('letter_templates')
    .columns(['organization_id', 'outcome_group'])
    .execute();

  await withId(db, db.schema.createTable('deadline_feed_tokens'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', notNull)
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('deadline_feed_tokens_user').on('deadline_feed_tokens').column('user_id').execute();

  // One row per officer and Beijing day once the daily digest of due requests is queued: the hourly job
  // runs on any server, at least once, and must not mail twice.
  await withId(db, db.schema.createTable('due_digests'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('on_date', 'text', notNull)
    .addColumn('request_count', 'integer', notNull)
    .addColumn('created_at', 'text', notNull)
    .addUniqueConstraint('due_digests_user_date', ['user_id', 'on_date'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('due_digests').execute();
  await db.schema.dropTable('deadline_feed_tokens').execute();
  await db.schema.dropTable('letter_templates').execute();
}
