import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, WebhookDeliveryTable, WebhookTable } from '../../db/schema.js';

// SQL of webhooks and their deliveries.

export type WebhookRow = Selectable<WebhookTable>;
export type DeliveryRow = Selectable<WebhookDeliveryTable>;

export function listWebhooks(db: Kysely<Database>) {
  return db.selectFrom('webhooks').selectAll().orderBy('id').execute();
}

export function findWebhook(db: Kysely<Database>, id: number) {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertWebhook(db: Kysely<Database>, row: Insertable<WebhookTable>): Promise<number> {
  return (await db.insertInto('webhooks').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateWebhook(db: Kysely<Database>, id: number, patch: Updateable<WebhookTable>) {
  await db.updateTable('webhooks').set(patch).where('id', '=', id).execute();
}

export async function deleteWebhook(db: Kysely<Database>, id: number) {
  await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
  await db.deleteFrom('webhooks').where('id', '=', id).execute();
}

/** Active webhooks covering one of the organizations (an event's organization and its ancestors) or all. */
export function activeWebhooksFor(db: Kysely<Database>, orgChain: number[]) {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('active', '=', 1)
    .where((eb) =>
      eb.or([eb('organization_id', 'is', null), eb('organization_id', 'in', orgChain.length ? orgChain : [-1])]),
    )
    .execute();
}

/** The organization and its ancestors, itself first, read through the caller's transaction. */
export async function organizationChain(db: Kysely<Database>, organizationId: number): Promise<number[]> {
  const out: number[] = [];
  let id: number | null = organizationId;
  while (id !== null && !out.includes(id) && out.length < 32) {
    const row: { parent_id: number | null } | undefined = await db
      .selectFrom('organizations')
      .select('parent_id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) break;
    out.push(id);
    id = row.parent_id;
  }
  return out;
}

export async function insertDelivery(db: Kysely<Database>, row: Insertable<WebhookDeliveryTable>): Promise<number> {
  return (await db.insertInto('webhook_deliveries').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export function findDelivery(db: Kysely<Database>, id: number) {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateDelivery(db: Kysely<Database>, id: number, patch: Updateable<WebhookDeliveryTable>) {
  await db.updateTable('webhook_deliveries').set(patch).where('id', '=', id).execute();
}

/** A webhook's deliveries, newest first, optionally only the failed ones. */
export function listDeliveries(
  db: Kysely<Database>,
  webhookId: number,
  opts: { onlyFailures?: boolean; limit: number },
) {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  if (opts.onlyFailures) q = q.where((eb) => eb.or([eb('status', '=', 'failed'), eb('last_error', 'is not', null)]));
  return q.orderBy('id', 'desc').limit(opts.limit).execute();
}

/** Per webhook: deliveries failed for good, and waiting for a retry after a failed try. */
export async function deliveryCounts(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => ['webhook_id', 'status', eb.fn.countAll<number>().as('n')])
    .where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'pending'), eb('attempts', '>', 0)])]))
    .groupBy(['webhook_id', 'status'])
    .execute();
  const out = new Map<number, { failed: number; retrying: number }>();
  for (const r of rows) {
    const c = out.get(r.webhook_id) ?? { failed: 0, retrying: 0 };
    if (r.status === 'failed') c.failed = Number(r.n);
    else c.retrying = Number(r.n);
    out.set(r.webhook_id, c);
  }
  return out;
}
