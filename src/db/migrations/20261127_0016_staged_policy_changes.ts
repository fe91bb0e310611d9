import type { Kysely } from 'kysely';

// Changes staged by a revision. A published policy document's fields and issuers, and a published
// interpretation's fields, media and policy links, are what the public pages and the API show, read from the
// rows themselves. While the item is being revised they are no longer written there: the revision's values
// wait in `staged_json` (JSON, '' when nothing waits) and replace the row's when the revision is published, in
// the publication's transaction (src/modules/policies/staged.ts). Before, a drafter's edit of a revision
// reached the public page before anyone had reviewed it.

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['policies', 'interpretations'])
    await db.schema
      .alterTable(table)
      .addColumn('staged_json', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Staged changes are dropped with the column: the rows keep what was published.
  for (const table of ['policies', 'interpretations'])
    await db.schema.alterTable(table).dropColumn('staged_json').execute();
}
