import { type Kysely, sql } from 'kysely';
import { isPostgres, notNull, withId } from './util.js';

// Proactive disclosure (主动公开): the directory of columns, information items with their published
// versions, workflow history, attachments, index-number sequences, the search index, subscriptions,
// webhooks and API tokens. Frozen once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);

  await withId(db, db.schema.createTable('columns'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('parent_id', 'integer', (c) => c.references('columns.id'))
    .addColumn('code', 'text', notNull)
    .addColumn('slug', 'text', notNull)
    .addColumn('name', 'text', notNull)
    .addColumn('kind', 'text', notNull)
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('static_html', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('standard_key', 'text') // which entry of the standard directory it came from
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retired', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retired_at', 'text')
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .addUniqueConstraint('columns_org_slug', ['organization_id', 'slug'])
    .addUniqueConstraint('columns_org_code', ['organization_id', 'code'])
    .execute();
  await db.schema.createIndex('columns_parent').on('columns').columns(['organization_id', 'parent_id']).execute();

  await withId(db, db.schema.createTable('items'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('column_id', 'integer', (c) => c.notNull().references('columns.id'))
    .addColumn('index_number', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', notNull)
    .addColumn('doc_number', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('date_created', 'text', notNull) // 生成日期, YYYY-MM-DD
    .addColumn('theme', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('genre', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('keywords', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_html', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('disclosure', 'text', notNull) // proactive | on_request | exempt
    .addColumn('exemption', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('five_category', 'text', notNull) // decision | execution | management | service | result
    .addColumn('disclosure_method', 'text', (c) => c.notNull().defaultTo('政府网站'))
    .addColumn('status', 'text', notNull) // draft | submitted | reviewed | approved | scheduled | published
    .addColumn('change_kind', 'text', (c) => c.notNull().defaultTo('initial')) // initial | major | minor
    .addColumn('change_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('scheduled_at', 'text')
    .addColumn('drafted_by', 'integer', (c) => c.references('users.id'))
    .addColumn('submitted_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('approved_by', 'integer', (c) => c.references('users.id'))
    .addColumn('published_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_published_at', 'text')
    .addColumn('last_published_at', 'text')
    .addColumn('withdrawn', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('withdrawn_at', 'text')
    .addColumn('withdrawal_reason', 'text')
    .addColumn('withdrawal_note', 'text')
    .addColumn('replacement_item_id', 'integer', (c) => c.references('items.id'))
    .addColumn('source_ref', 'text') // an importer's stable key, for re-runs without duplicates
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();
  // Public lists: newest first within a column, an organization or everywhere (unpublished items have no
  // publication time); scheduled publishing looks items up by status and time.
  await db.schema.createIndex('items_column_pub').on('items').columns(['column_id', 'first_published_at']).execute();
  await db.schema.createIndex('items_org_pub').on('items').columns(['organization_id', 'first_published_at']).execute();
  await db.schema.createIndex('items_pub').on('items').columns(['first_published_at', 'id']).execute();
  await db.schema.createIndex('items_scheduled').on('items').columns(['status', 'scheduled_at']).execute();
  await db.schema.createIndex('items_status').on('items').columns(['organization_id', 'status']).execute();
  await db.schema
    .createIndex('items_source_ref')
    .on('items')
    .columns(['organization_id', 'source_ref'])
    .unique()
    .execute();

  // Each publication's frozen copy: what the public sees is the latest version of a published item.
  await withId(db, db.schema.createTable('item_versions'))
    .addColumn('item_id', 'integer', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('version', 'integer', notNull)
    .addColumn('title', 'text', notNull)
    .addColumn('doc_number', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('keywords', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('theme', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('genre', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_html', 'text', notNull)
    .addColumn('attachments_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('change_kind', 'text', notNull)
    .addColumn('change_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('published_at', 'text', notNull)
    .addColumn('published_by', 'integer', (c) => c.references('users.id'))
    .addUniqueConstraint('item_versions_unique', ['item_id', 'version'])
    .execute();

  await withId(db, db.schema.createTable('item_events'))
    .addColumn('item_id', 'integer', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('at', 'text', notNull)
    .addColumn('actor_user_id', 'integer')
    .addColumn('actor_name', 'text', notNull)
    .addColumn('action', 'text', notNull)
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('item_events_item').on('item_events').columns(['item_id', 'at']).execute();

  // Content-addressed file store: one row per distinct content (SHA-256), bytes under DATA_DIR/files.
  await db.schema
    .createTable('files')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('size', 'integer', notNull)
    .addColumn('mime', 'text', notNull)
    .addColumn('ext', 'text', notNull)
    .addColumn('created_at', 'text', notNull)
    .execute();

  await withId(db, db.schema.createTable('item_attachments'))
    .addColumn('item_id', 'integer', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('file_sha256', 'text', (c) => c.notNull().references('files.sha256'))
    .addColumn('filename', 'text', notNull)
    .addColumn('alt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('inline', 'integer', (c) => c.notNull().defaultTo(0)) // an image used in the body
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('item_attachments_item').on('item_attachments').column('item_id').execute();
  await db.schema.createIndex('item_attachments_file').on('item_attachments').column('file_sha256').execute();

  await db.schema
    .createTable('index_sequences')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('next_value', 'integer', notNull)
    .execute();

  // The search index: pre-segmented tokens, so both engines index the same words.
  await db.schema
    .createTable('search_docs')
    .addColumn('item_id', 'integer', (c) => c.primaryKey().references('items.id').onDelete('cascade'))
    .addColumn('organization_id', 'integer', notNull)
    .addColumn('column_id', 'integer', notNull)
    .addColumn('year', 'integer', notNull)
    .addColumn('kind', 'text', notNull)
    .addColumn('published_at', 'text', notNull)
    .addColumn('title', 'text', notNull)
    .addColumn('title_tokens', 'text', notNull)
    .addColumn('body_tokens', 'text', notNull)
    .execute();
  await db.schema
    .createIndex('search_docs_filter')
    .on('search_docs')
    .columns(['organization_id', 'column_id', 'year'])
    .execute();
  if (pg) {
    await sql`alter table search_docs add column tsv tsvector generated always as (setweight(to_tsvector('simple', title_tokens), 'A') || setweight(to_tsvector('simple', body_tokens), 'B')) stored`.execute(
      db,
    );
    await sql`create index search_docs_tsv on search_docs using gin (tsv)`.execute(db);
  } else {
    await sql`create virtual table search_fts using fts5(title_tokens, body_tokens, content='search_docs', content_rowid='item_id', tokenize='unicode61 remove_diacritics 0')`.execute(
      db,
    );
    await sql`create trigger search_docs_ai after insert on search_docs begin insert into search_fts(rowid, title_tokens, body_tokens) values (new.item_id, new.title_tokens, new.body_tokens); end`.execute(
      db,
    );
    await sql`create trigger search_docs_ad after delete on search_docs begin insert into search_fts(search_fts, rowid, title_tokens, body_tokens) values ('delete', old.item_id, old.title_tokens, old.body_tokens); end`.execute(
      db,
    );
    await sql`create trigger search_docs_au after update on search_docs begin insert into search_fts(search_fts, rowid, title_tokens, body_tokens) values ('delete', old.item_id, old.title_tokens, old.body_tokens); insert into search_fts(rowid, title_tokens, body_tokens) values (new.item_id, new.title_tokens, new.body_tokens); end`.execute(
      db,
    );
  }

  await withId(db, db.schema.createTable('subscriptions'))
    .addColumn('email', 'text', notNull)
    .addColumn('scope', 'text', notNull) // organization | column
    .addColumn('scope_id', 'integer', notNull)
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('confirmed_at', 'text')
    .addColumn('unsubscribed_at', 'text')
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('subscriptions_scope').on('subscriptions').columns(['scope', 'scope_id']).execute();
  await db.schema
    .createIndex('subscriptions_email')
    .on('subscriptions')
    .columns(['email', 'scope', 'scope_id'])
    .execute();

  await withId(db, db.schema.createTable('webhooks'))
    .addColumn('organization_id', 'integer', (c) => c.references('organizations.id')) // null: every organization
    .addColumn('url', 'text', notNull)
    .addColumn('secret', 'text', notNull) // encrypted
    .addColumn('events', 'text', notNull) // JSON array of event types
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();

  await withId(db, db.schema.createTable('webhook_deliveries'))
    .addColumn('webhook_id', 'integer', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event_id', 'text', notNull)
    .addColumn('event_type', 'text', notNull)
    .addColumn('payload', 'text', notNull)
    .addColumn('status', 'text', notNull) // pending | delivered | failed
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', notNull)
    .addColumn('delivered_at', 'text')
    .addColumn('updated_at', 'text', notNull)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_status')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'status'])
    .execute();

  await withId(db, db.schema.createTable('api_tokens'))
    .addColumn('name', 'text', notNull)
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', notNull) // the first characters, to recognise a token in lists
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('scopes', 'text', notNull) // JSON array
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('created_at', 'text', notNull)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) {
    for (const t of ['search_docs_au', 'search_docs_ad', 'search_docs_ai'])
      await sql.raw(`drop trigger if exists ${t}`).execute(db);
    await sql`drop table if exists search_fts`.execute(db);
  }
  for (const t of [
    'api_tokens',
    'webhook_deliveries',
    'webhooks',
    'subscriptions',
    'search_docs',
    'index_sequences',
    'item_attachments',
    'files',
    'item_events',
    'item_versions',
    'items',
    'columns',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
