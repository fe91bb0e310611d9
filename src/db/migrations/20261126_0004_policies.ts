import type { Kysely } from 'kysely';
import { notNull, withId } from './util.js';

// Policy documents (政策文件): policy fields of an item, issuers (joint issuance), relations between
// documents and the history of validity-status changes. Frozen once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('policies'))
    .addColumn('item_id', 'integer', (c) => c.notNull().unique().references('items.id'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('drafting_organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('doc_number', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('doc_issuer', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('doc_year', 'integer')
    .addColumn('doc_seq', 'integer')
    .addColumn('policy_type', 'text', notNull)
    .addColumn('theme', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('date_signed', 'text', notNull)
    .addColumn('date_effective', 'text', notNull)
    .addColumn('valid_until', 'text')
    .addColumn('declared_status', 'text')
    .addColumn('declared_on', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('status_since', 'text')
    .addColumn('status_by_policy_id', 'integer', (c) => c.references('policies.id'))
    .addColumn('interpretation_waiver', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('waiver_accepted_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('policies_org_status').on('policies').columns(['organization_id', 'status']).execute();
  await db.schema.createIndex('policies_doc_number').on('policies').columns(['doc_number']).execute();
  await db.schema.createIndex('policies_valid_until').on('policies').columns(['valid_until']).execute();

  await withId(db, db.schema.createTable('policy_issuers'))
    .addColumn('policy_id', 'integer', (c) => c.notNull().references('policies.id'))
    .addColumn('organization_id', 'integer', (c) => c.references('organizations.id'))
    .addColumn('name', 'text', notNull)
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('policy_issuers_policy').on('policy_issuers').columns(['policy_id']).execute();
  await db.schema.createIndex('policy_issuers_org').on('policy_issuers').columns(['organization_id']).execute();

  await withId(db, db.schema.createTable('policy_relations'))
    .addColumn('from_policy_id', 'integer', (c) => c.notNull().references('policies.id'))
    .addColumn('to_policy_id', 'integer', (c) => c.notNull().references('policies.id'))
    .addColumn('kind', 'text', notNull)
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', notNull)
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addUniqueConstraint('policy_relations_unique', ['from_policy_id', 'to_policy_id', 'kind'])
    .execute();
  await db.schema.createIndex('policy_relations_to').on('policy_relations').columns(['to_policy_id']).execute();

  await withId(db, db.schema.createTable('policy_status_changes'))
    .addColumn('policy_id', 'integer', (c) => c.notNull().references('policies.id'))
    .addColumn('from_status', 'text', notNull)
    .addColumn('to_status', 'text', notNull)
    .addColumn('since', 'text')
    .addColumn('by_policy_id', 'integer', (c) => c.references('policies.id'))
    .addColumn('recorded_at', 'text', notNull)
    .execute();
  await db.schema
    .createIndex('policy_status_changes_recorded')
    .on('policy_status_changes')
    .columns(['recorded_at', 'id'])
    .execute();
  await db.schema
    .createIndex('policy_status_changes_policy')
    .on('policy_status_changes')
    .columns(['policy_id'])
    .execute();

  await withId(db, db.schema.createTable('interpretations'))
    .addColumn('item_id', 'integer', (c) => c.notNull().unique().references('items.id'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('form', 'text', notNull)
    .addColumn('responsible_organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('by_principal', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('principal_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('video_sha256', 'text')
    .addColumn('poster_sha256', 'text')
    .addColumn('captions_sha256', 'text')
    .addColumn('transcript_html', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();
  await withId(db, db.schema.createTable('interpretation_policies'))
    .addColumn('interpretation_id', 'integer', (c) => c.notNull().references('interpretations.id'))
    .addColumn('policy_id', 'integer', (c) => c.notNull().references('policies.id'))
    .addUniqueConstraint('interpretation_policies_unique', ['interpretation_id', 'policy_id'])
    .execute();
  await db.schema
    .createIndex('interpretation_policies_policy')
    .on('interpretation_policies')
    .columns(['policy_id'])
    .execute();

  await withId(db, db.schema.createTable('policy_campaigns'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', notNull)
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await withId(db, db.schema.createTable('policy_campaign_entries'))
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('policy_campaigns.id'))
    .addColumn('policy_id', 'integer', (c) => c.notNull().references('policies.id'))
    .addColumn('decision', 'text')
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('decided_by', 'integer', (c) => c.references('users.id'))
    .addColumn('approved_by', 'integer', (c) => c.references('users.id'))
    .addColumn('approved_at', 'text')
    .addUniqueConstraint('policy_campaign_entries_unique', ['campaign_id', 'policy_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'policy_campaign_entries',
    'policy_campaigns',
    'interpretation_policies',
    'interpretations',
    'policy_status_changes',
    'policy_relations',
    'policy_issuers',
    'policies',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
