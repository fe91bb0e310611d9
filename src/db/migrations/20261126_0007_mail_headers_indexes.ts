import { type Kysely, sql } from 'kysely';

// Mail carries list headers (List-Unsubscribe, RFC 2369 and RFC 8058); an address subscribes to a scope once;
// the replacement link of withdrawn items is looked up both ways.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mail_outbox').addColumn('headers', 'text').execute(); // JSON object or null
  // Duplicates left by a race before this index: the newest row of an address and scope is the one the code
  // has been reading (findLatest), so the older ones go.
  await db.schema.dropIndex('subscriptions_email').execute();
  await sql`delete from subscriptions where id not in (select max(id) from subscriptions group by email, scope, scope_id)`.execute(
    db,
  );
  await db.schema
    .createIndex('subscriptions_email_scope')
    .unique()
    .on('subscriptions')
    .columns(['email', 'scope', 'scope_id'])
    .execute();
  await db.schema.createIndex('items_replacement').on('items').column('replacement_item_id').execute();

  // The files of each item's current public version, so a file removed in a draft revision stays available
  // while the published version still lists it (item_attachments is the working copy).
  await db.schema
    .createTable('published_files')
    .addColumn('item_id', 'integer', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('file_sha256', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('published_files_pk', ['file_sha256', 'item_id'])
    .execute();
  await db.schema.createIndex('published_files_item').on('published_files').column('item_id').execute();
  await sql`insert into published_files (item_id, file_sha256)
    select distinct a.item_id, a.file_sha256 from item_attachments a join items i on i.id = a.item_id
    where i.published_version > 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('published_files').execute();
  await db.schema.dropIndex('items_replacement').execute();
  await db.schema.dropIndex('subscriptions_email_scope').execute();
  await db.schema
    .createIndex('subscriptions_email')
    .on('subscriptions')
    .columns(['email', 'scope', 'scope_id'])
    .execute();
  await db.schema.alterTable('mail_outbox').dropColumn('headers').execute();
}
