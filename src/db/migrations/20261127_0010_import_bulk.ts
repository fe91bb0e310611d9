import type { Kysely } from 'kysely';

// Search indexing out of the import's transactions: items loaded in bulk are queued here (in the same
// transaction that inserts them) and indexed in batches by the 'search.index-queue' job. A row is claimed by
// one worker at a time (claimed_by, claim_until), so several servers, or the import command with --index-now
// next to a server, can drain the same queue without indexing an item twice.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('search_queue')
    .addColumn('item_id', 'integer', (c) => c.primaryKey())
    .addColumn('queued_at', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claim_until', 'text')
    .execute();
  await db.schema.createIndex('search_queue_claim').on('search_queue').columns(['claim_until', 'item_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('search_queue').execute();
}
