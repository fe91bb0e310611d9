import { type Kysely, sql } from 'kysely';

// Two indexes on items that only ever look for a few rows now hold only those rows:
// - items_scheduled finds the scheduled items that are due (publishing.repository.ts, dueScheduled: status =
//   'scheduled' and scheduled_at <= now); it held an entry for every item;
// - items_replacement finds the withdrawn items that point at an item (the foreign key's check when an item is
//   deleted, replacement_item_id = ?); almost every item has none.
// Both queries name the index's condition (status = 'scheduled'; an equality on replacement_item_id implies it
// is not null), so SQLite and PostgreSQL use the partial index. Every insert of an item wrote both; a published
// or imported item now writes neither.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('items_scheduled').execute();
  await db.schema
    .createIndex('items_scheduled')
    .on('items')
    .column('scheduled_at')
    .where(sql.ref('status'), '=', 'scheduled')
    .execute();
  await db.schema.dropIndex('items_replacement').execute();
  await db.schema
    .createIndex('items_replacement')
    .on('items')
    .column('replacement_item_id')
    .where('replacement_item_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('items_scheduled').execute();
  await db.schema.createIndex('items_scheduled').on('items').columns(['status', 'scheduled_at']).execute();
  await db.schema.dropIndex('items_replacement').execute();
  await db.schema.createIndex('items_replacement').on('items').column('replacement_item_id').execute();
}
