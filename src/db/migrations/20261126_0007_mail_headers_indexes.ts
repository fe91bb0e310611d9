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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('items_replacement').execute();
  await db.schema.dropIndex('subscriptions_email_scope').execute();
  await db.schema
    .createIndex('subscriptions_email')
    .on('subscriptions')
    .columns(['email', 'scope', 'scope_id'])
    .execute();
  await db.schema.alterTable('mail_outbox').dropColumn('headers').execute();
}
