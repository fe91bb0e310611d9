import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Statuses whose statutory clock is running or suspended: the request still has to be answered. */
export const OPEN_STATUSES = ['new', 'in_progress', 'waiting_applicant', 'paused'] as const;
/** Statuses whose clock runs (the agency's own deadline is counting down). */
export const RUNNING_STATUSES = ['new', 'in_progress'] as const;

/** An open request's deadline data (no personal fields). */
export interface DeadlineRow {
  id: number;
  tracking_number: string;
  organization_id: number;
  organization_name: string;
  assigned_to: number | null;
  status: string;
  due_on: string;
}

const deadlineSelect = (db: Kysely<Database>) =>
  db
    .selectFrom('requests')
    .innerJoin('organizations', 'organizations.id', 'requests.organization_id')
    .select([
      'requests.id',
      'requests.tracking_number',
      'requests.organization_id',
      'organizations.name as organization_name',
      'requests.assigned_to',
      'requests.status',
      'requests.due_on',
    ])
    .where('requests.due_on', 'is not', null)
    .where('requests.outcome_code', 'is', null);

/** Open requests assigned to the user, by due date. */
export async function openAssignedTo(db: Kysely<Database>, userId: number): Promise<DeadlineRow[]> {
  const rows = await deadlineSelect(db)
    .where('requests.assigned_to', '=', userId)
    .where('requests.status', 'in', [...OPEN_STATUSES])
    .orderBy('requests.due_on')
    .orderBy('requests.id')
    .execute();
  return rows as DeadlineRow[];
}

/** Requests whose clock runs and that fall due on or before `until` (overdue ones included). */
export async function runningDueBy(db: Kysely<Database>, until: string): Promise<DeadlineRow[]> {
  const rows = await deadlineSelect(db)
    .where('requests.status', 'in', [...RUNNING_STATUSES])
    .where('requests.due_on', '<=', until)
    .orderBy('requests.due_on')
    .orderBy('requests.id')
    .execute();
  return rows as DeadlineRow[];
}

/** Active users with their e-mail and grants (for digests: who handles which organization). */
export async function activeStaffWithGrants(db: Kysely<Database>) {
  const users = await db.selectFrom('users').select(['id', 'display_name', 'email']).where('active', '=', 1).execute();
  const grants = await db.selectFrom('role_grants').select(['user_id', 'organization_id', 'role']).execute();
  return users.map((u) => ({ ...u, grants: grants.filter((g) => g.user_id === u.id) }));
}

/** Records that the user's digest of the day is queued; false when it already was (unique user + date). */
export async function claimDigest(
  db: Kysely<Database>,
  row: { user_id: number; on_date: string; request_count: number; created_at: string },
): Promise<boolean> {
  const existing = await db
    .selectFrom('due_digests')
    .select('id')
    .where('user_id', '=', row.user_id)
    .where('on_date', '=', row.on_date)
    .executeTakeFirst();
  if (existing) return false;
  await db.insertInto('due_digests').values(row).execute();
  return true;
}

// ---- feed tokens ----

export function activeFeedToken(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('deadline_feed_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export function revokeFeedTokens(db: Kysely<Database>, userId: number, now: string) {
  return db
    .updateTable('deadline_feed_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

export function insertFeedToken(db: Kysely<Database>, userId: number, tokenHash: string, now: string) {
  return db
    .insertInto('deadline_feed_tokens')
    .values({ user_id: userId, token_hash: tokenHash, created_at: now, last_used_at: null, revoked_at: null })
    .execute();
}

/** The user of an unrevoked token, if the user is active. */
export function feedTokenUser(db: Kysely<Database>, tokenHash: string) {
  return db
    .selectFrom('deadline_feed_tokens')
    .innerJoin('users', 'users.id', 'deadline_feed_tokens.user_id')
    .select(['deadline_feed_tokens.id as token_id', 'users.id as user_id', 'users.display_name'])
    .where('deadline_feed_tokens.token_hash', '=', tokenHash)
    .where('deadline_feed_tokens.revoked_at', 'is', null)
    .where('users.active', '=', 1)
    .executeTakeFirst();
}

export function touchFeedToken(db: Kysely<Database>, tokenId: number, now: string) {
  return db.updateTable('deadline_feed_tokens').set({ last_used_at: now }).where('id', '=', tokenId).execute();
}
