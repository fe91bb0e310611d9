import { type Kysely, sql } from 'kysely';

// Policies, closing the gaps of issue 5: a cleanup campaign's result list is a published information item
// (policy_campaigns.result_item_id); items carry a kind flag ('' ordinary, 'policy', 'interpretation') set when
// the policies module attaches its row, so the pages of ordinary items skip the policy lookups.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('policy_campaigns').addColumn('result_item_id', 'integer').execute();
  await db.schema
    .alterTable('items')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await sql`update items set kind = 'policy' where id in (select item_id from policies)`.execute(db);
  await sql`update items set kind = 'interpretation' where kind = '' and id in (select item_id from interpretations)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('items').dropColumn('kind').execute();
  await db.schema.alterTable('policy_campaigns').dropColumn('result_item_id').execute();
}
