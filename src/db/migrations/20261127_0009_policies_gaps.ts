import type { Kysely } from 'kysely';

// Policies, closing the gaps of issue 5: a cleanup campaign's result list is a published information item
// (policy_campaigns.result_item_id).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('policy_campaigns').addColumn('result_item_id', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('policy_campaigns').dropColumn('result_item_id').execute();
}
