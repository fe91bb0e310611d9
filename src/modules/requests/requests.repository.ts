import { type Insertable, type Kysely, sql, type Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { RequestEventTable, RequestFileTable, RequestReviewTable, RequestTable } from './requests.table.js';

// SQL of information requests, and only here.

type K = Kysely<Database>;
export type RequestRow = Awaited<ReturnType<typeof findById>> & {};
export type RequestEventRow = Awaited<ReturnType<typeof listEvents>>[number];

export async function nextTrackingSequence(db: K, year: number): Promise<number> {
  const r = await db
    .insertInto('index_sequences')
    .values({ key: `request:${year}`, next_value: 2 })
    .onConflict((oc) => oc.column('key').doUpdateSet({ next_value: sql`index_sequences.next_value + 1` }))
    .returning('next_value')
    .executeTakeFirstOrThrow();
  return r.next_value - 1;
}

export async function insertRequest(db: K, row: Insertable<RequestTable>): Promise<number> {
  const r = await db.insertInto('requests').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** The request a registration form (its one-time submission id) registered, if any. */
export function findBySubmission(db: K, submissionId: string) {
  return db
    .selectFrom('requests')
    .select(['id', 'tracking_number'])
    .where('submission_id', '=', submissionId)
    .executeTakeFirst();
}

export function findById(db: K, id: number) {
  return db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findByTrackingNumber(db: K, trackingNumber: string) {
  return db.selectFrom('requests').selectAll().where('tracking_number', '=', trackingNumber).executeTakeFirst();
}

export async function updateRequest(db: K, id: number, patch: Updateable<RequestTable>): Promise<void> {
  await db.updateTable('requests').set(patch).where('id', '=', id).execute();
}

export async function insertEvent(db: K, row: Insertable<RequestEventTable>): Promise<number> {
  const r = await db.insertInto('request_events').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export function listEvents(db: K, requestId: number) {
  return db.selectFrom('request_events').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
}

export async function insertFile(db: K, row: Insertable<RequestFileTable>): Promise<number> {
  const r = await db.insertInto('request_files').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export function listFiles(db: K, requestId: number) {
  return db
    .selectFrom('request_files')
    .innerJoin('files', 'files.sha256', 'request_files.file_sha256')
    .select([
      'request_files.id',
      'request_files.role',
      'request_files.filename',
      'request_files.file_sha256',
      'request_files.event_id',
      'request_files.created_at',
      'files.size',
      'files.mime',
    ])
    .where('request_files.request_id', '=', requestId)
    .orderBy('request_files.id')
    .execute();
}

export function findFile(db: K, requestId: number, fileId: number) {
  return db
    .selectFrom('request_files')
    .innerJoin('files', 'files.sha256', 'request_files.file_sha256')
    .select([
      'request_files.id',
      'request_files.role',
      'request_files.filename',
      'request_files.file_sha256',
      'files.mime',
    ])
    .where('request_files.request_id', '=', requestId)
    .where('request_files.id', '=', fileId)
    .executeTakeFirst();
}

export async function insertReview(db: K, row: Insertable<RequestReviewTable>): Promise<number> {
  const r = await db.insertInto('request_reviews').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export function listReviews(db: K, requestId: number) {
  return db.selectFrom('request_reviews').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
}

/** Requests of an identity submitted since an instant (per-identity limits, Art. 35 and fee ordinals). */
export async function countByIdentitySince(db: K, identityHmac: string, sinceIso: string): Promise<number> {
  const r = await db
    .selectFrom('requests')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('identity_hmac', '=', identityHmac)
    .where('submitted_at', '>=', sinceIso)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function descriptionsByIdentitySince(db: K, identityHmac: string, sinceIso: string, exceptId: number) {
  return db
    .selectFrom('requests')
    .select(['id', 'tracking_number', 'description'])
    .where('identity_hmac', '=', identityHmac)
    .where('submitted_at', '>=', sinceIso)
    .where('id', '!=', exceptId)
    .execute();
}

export interface QueueFilter {
  organizationIds: number[];
  assignedTo?: number;
  open: boolean;
}

/** Requests of organizations for the console's queues, newest receipt first (no personal fields). */
export function listForQueues(db: K, f: QueueFilter) {
  let q = db
    .selectFrom('requests')
    .leftJoin('users', 'users.id', 'requests.assigned_to')
    .select([
      'requests.id',
      'requests.tracking_number',
      'requests.organization_id',
      'requests.applicant_type',
      'requests.id_masked',
      'requests.description',
      'requests.channel',
      'requests.received_on',
      'requests.status',
      'requests.assigned_to',
      'requests.due_on',
      'requests.outcome_code',
      'requests.excessive_flag',
      'users.display_name as assigned_name',
    ])
    .where('requests.organization_id', 'in', f.organizationIds.length ? f.organizationIds : [-1]);
  if (f.assignedTo !== undefined) q = q.where('requests.assigned_to', '=', f.assignedTo);
  q = f.open
    ? q.where('requests.status', 'in', ['new', 'in_progress', 'waiting_applicant', 'paused'])
    : q.where('requests.status', 'in', ['decided', 'closed']);
  return q.orderBy('requests.received_on', 'desc').orderBy('requests.id', 'desc').limit(500).execute();
}

/** Open requests of every organization whose clock may have run out for the applicant. */
export function listWaitingApplicant(db: K) {
  return db.selectFrom('requests').select(['id']).where('status', '=', 'waiting_applicant').execute();
}

/** Staff of an organization who can be assigned requests. */
export function officersOf(db: K, organizationIds: number[]) {
  return db
    .selectFrom('users')
    .innerJoin('role_grants', 'role_grants.user_id', 'users.id')
    .select(['users.id', 'users.display_name'])
    .where('role_grants.organization_id', 'in', organizationIds.length ? organizationIds : [-1])
    .where('role_grants.role', 'in', ['disclosure_officer', 'org_admin'])
    .where('users.active', '=', 1)
    .distinct()
    .orderBy('users.display_name')
    .execute();
}

export function userName(db: K, id: number) {
  return db.selectFrom('users').select(['id', 'display_name', 'active']).where('id', '=', id).executeTakeFirst();
}

export function grantsOf(db: K, userId: number) {
  return db.selectFrom('role_grants').select(['organization_id', 'role']).where('user_id', '=', userId).execute();
}

/** Requests whose personal fields were written with another key than `keyId` (key rotation). */
export function listOnOtherKey(db: K, keyId: string, limit: number) {
  return db
    .selectFrom('requests')
    .select(['id', 'name_enc', 'id_number_enc', 'legal_representative_enc', 'phone_enc', 'email_enc', 'address_enc'])
    .where('key_id', '!=', keyId)
    .orderBy('id')
    .limit(limit)
    .execute();
}
