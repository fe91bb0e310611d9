import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, MailOutboxTable } from '../../db/schema.js';

// All SQL for the mail outbox. The table has no lease owner column, so a claim's `lease_until` value is
// its fencing token: every claim of a row sets a later instant than the claim before it (a row is only
// reclaimed after its lease has passed), so "status = 'sending' and lease_until = mine" is true only
// for the sender holding the current claim.

export type MailRow = Selectable<MailOutboxTable>;

/** What the console may show of a message: everything except its bodies. */
export type MailSummary = Omit<MailRow, 'text_body' | 'html_body' | 'headers'>;

const SUMMARY_COLUMNS = [
  'id',
  'to_address',
  'subject',
  'status',
  'attempts',
  'next_attempt_at',
  'lease_until',
  'last_error',
  'created_at',
  'sent_at',
] as const;

export async function insertMail(
  db: Kysely<Database>,
  m: { to: string; subject: string; text: string; html: string | null; headers: string | null; now: string },
): Promise<number> {
  const row = await db
    .insertInto('mail_outbox')
    .values({
      to_address: m.to,
      subject: m.subject,
      text_body: m.text,
      html_body: m.html,
      headers: m.headers,
      status: 'pending',
      attempts: 0,
      next_attempt_at: m.now,
      created_at: m.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const isDue = (now: string) =>
  sql<boolean>`((status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until < ${now}))`;

/** Ids of messages to send now: pending and due, or left 'sending' by a sender whose lease expired. */
export async function dueMailIds(db: Kysely<Database>, now: string, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select('id')
    .where(isDue(now))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** How many messages are waiting to be sent (for the "held in the outbox" notice). */
export async function countUnsent(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Claims one message with a lease by a conditional UPDATE; of several senders racing for it, exactly
 * one gets the row back. A message reclaimed from a crashed sender counts that try as an attempt.
 */
export function claimMail(
  db: Kysely<Database>,
  id: number,
  now: string,
  leaseUntil: string,
): Promise<MailRow | undefined> {
  return db
    .updateTable('mail_outbox')
    .set({
      status: 'sending',
      lease_until: leaseUntil,
      attempts: sql<number>`case when status = 'sending' then attempts + 1 else attempts end`,
    })
    .where('id', '=', id)
    .where(isDue(now))
    .returningAll()
    .executeTakeFirst();
}

async function releaseMail(
  db: Kysely<Database>,
  id: number,
  leaseUntil: string,
  set: {
    status: 'pending' | 'sent' | 'failed';
    attempts?: number;
    next_attempt_at?: string;
    last_error?: string | null;
    sent_at?: string;
  },
): Promise<boolean> {
  const r = await db
    .updateTable('mail_outbox')
    .set({ ...set, lease_until: null })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('lease_until', '=', leaseUntil)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function markSent(db: Kysely<Database>, id: number, leaseUntil: string, sentAt: string): Promise<boolean> {
  return releaseMail(db, id, leaseUntil, { status: 'sent', sent_at: sentAt, last_error: null });
}

export function markRetry(
  db: Kysely<Database>,
  id: number,
  leaseUntil: string,
  r: { attempts: number; nextAttemptAt: string; lastError: string },
): Promise<boolean> {
  return releaseMail(db, id, leaseUntil, {
    status: 'pending',
    attempts: r.attempts,
    next_attempt_at: r.nextAttemptAt,
    last_error: r.lastError,
  });
}

export function markFailed(
  db: Kysely<Database>,
  id: number,
  leaseUntil: string,
  r: { attempts: number; lastError: string },
): Promise<boolean> {
  return releaseMail(db, id, leaseUntil, { status: 'failed', attempts: r.attempts, last_error: r.lastError });
}

export function selectOutbox(
  db: Kysely<Database>,
  f: { status?: string; limit: number; beforeId?: number },
): Promise<MailSummary[]> {
  let q = db.selectFrom('mail_outbox').select(SUMMARY_COLUMNS);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

export function findMailSummary(db: Kysely<Database>, id: number): Promise<MailSummary | undefined> {
  return db.selectFrom('mail_outbox').select(SUMMARY_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function countByStatus(db: Kysely<Database>): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Makes a message due now with a fresh count of attempts. */
export async function resetForRetry(db: Kysely<Database>, id: number, now: string): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null })
    .where('id', '=', id)
    .execute();
}
