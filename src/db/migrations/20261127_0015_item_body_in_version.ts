import { type Kysely, sql } from 'kysely';

// Each body stored once. An item's working copy (items) and its published version (item_versions) held the
// same body for every item not being revised — the 2 KB that made up half of an imported item's bytes. The
// working copy's body is now `working_body_html`, and `body_in_version` = 1 says it is the body of version
// `published_version` instead (working_body_html is then ''). Publishing and the import write it that way;
// editing a draft writes the body back into the item. Read an item through findItem
// (publishing.repository.ts), which returns the body either way as `body_html`.
//
// Both statements change only the table's definition (SQLite and PostgreSQL), not its rows: items published
// before keep their own copy (body_in_version = 0), which stays correct.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('items').renameColumn('body_html', 'working_body_html').execute();
  await db.schema
    .alterTable('items')
    .addColumn('body_in_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Bodies back into the items that point at their version, then the old shape.
  await sql`
    update items set working_body_html = (
      select v.body_html from item_versions v where v.item_id = items.id and v.version = items.published_version
    )
    where body_in_version = 1`.execute(db);
  await db.schema.alterTable('items').dropColumn('body_in_version').execute();
  await db.schema.alterTable('items').renameColumn('working_body_html', 'body_html').execute();
}
