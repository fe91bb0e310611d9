import type { Kysely } from 'kysely';
import type { AuditEventTable, Database } from '../../db/schema.js';

export type AuditRow = Omit<AuditEventTable, 'id'> & { id: number };
export type NewAuditRow = Omit<AuditEventTable, 'id'>;

export interface AuditFilter {
  actorUserId?: number;
  action?: string;
  entityType?: string;
  entityId?: string;
  organizationId?: number;
  from?: string; // ISO
  to?: string; // ISO, exclusive
  q?: string;
}

/** Reads and locks the chain head; on PostgreSQL the row lock serializes concurrent writers. */
export async function lockHead(trx: Kysely<Database>, engine: 'sqlite' | 'postgres') {
  let q = trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  if (engine === 'postgres') q = q.forUpdate();
  return q.executeTakeFirstOrThrow();
}

export async function insertEvent(trx: Kysely<Database>, row: NewAuditRow): Promise<void> {
  await trx.insertInto('audit_events').values(row).execute();
  await trx.updateTable('audit_head').set({ seq: row.seq, hash: row.hash }).where('id', '=', 1).execute();
}

export async function listEvents(db: Kysely<Database>, f: AuditFilter, limit: number, beforeSeq?: number) {
  let q = db.selectFrom('audit_events').selectAll();
  if (f.actorUserId !== undefined) q = q.where('actor_user_id', '=', f.actorUserId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.entityType) q = q.where('entity_type', '=', f.entityType);
  if (f.entityId) q = q.where('entity_id', '=', f.entityId);
  if (f.organizationId !== undefined) q = q.where('organization_id', '=', f.organizationId);
  if (f.from) q = q.where('occurred_at', '>=', f.from);
  if (f.to) q = q.where('occurred_at', '<', f.to);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    q = q.where((eb) => eb.or([eb('summary', 'like', like), eb('actor_name', 'like', like)]));
  }
  if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq);
  return q.orderBy('seq', 'desc').limit(limit).execute() as Promise<AuditRow[]>;
}

export async function distinctActions(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('audit_events').select('action').distinct().orderBy('action').execute();
  return rows.map((r) => r.action);
}

/** Streams the chain in order, a page at a time. */
export async function* iterateChain(db: Kysely<Database>, pageSize = 1000) {
  let after = 0;
  for (;;) {
    const rows = (await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(pageSize)
      .execute()) as AuditRow[];
    if (rows.length === 0) return;
    yield* rows;
    after = rows[rows.length - 1].seq;
  }
}

export async function head(db: Kysely<Database>) {
  return db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
}
