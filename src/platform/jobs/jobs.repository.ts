import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, JobRunTable, JobTable } from '../../db/schema.js';

// All SQL for background jobs. Timestamps are ISO-8601 UTC strings of one fixed width, so `<` and `<=`
// on them compare instants on both engines.

export type JobRow = Selectable<JobTable>;
export type JobRunRow = Selectable<JobRunTable>;

export interface NewJob {
  name: string;
  handler: string;
  payload: string;
  runAt: string;
  intervalSeconds: number | null;
  maxAttempts: number;
  now: string;
}

/**
 * Inserts a recurring job, or updates the handler and interval of the existing one with that name. Its
 * state (status, attempts, last error) is kept; a next run further away than the new interval is pulled
 * in, and a recurring job left done or failed by an older version is put back on the schedule.
 */
export async function upsertRecurring(
  db: Kysely<Database>,
  j: { name: string; handler: string; intervalSeconds: number; now: string; latestNextRun: string },
): Promise<void> {
  await db
    .insertInto('jobs')
    .values({
      name: j.name,
      handler: j.handler,
      payload: '{}',
      run_at: j.now,
      interval_seconds: j.intervalSeconds,
      status: 'scheduled',
      attempts: 0,
      max_attempts: 5,
      created_at: j.now,
      updated_at: j.now,
    })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({
        handler: j.handler,
        interval_seconds: j.intervalSeconds,
        run_at: sql<string>`case when jobs.status = 'scheduled' and jobs.run_at > ${j.latestNextRun} then ${j.latestNextRun} else jobs.run_at end`,
        status: sql<string>`case when jobs.status in ('done', 'failed') then 'scheduled' else jobs.status end`,
        updated_at: j.now,
      }),
    )
    .execute();
}

function jobRow(j: NewJob) {
  return {
    name: j.name,
    handler: j.handler,
    payload: j.payload,
    run_at: j.runAt,
    interval_seconds: j.intervalSeconds,
    status: 'scheduled' as const,
    attempts: 0,
    max_attempts: j.maxAttempts,
    created_at: j.now,
    updated_at: j.now,
  };
}

export async function insertJob(db: Kysely<Database>, j: NewJob): Promise<number> {
  const row = await db.insertInto('jobs').values(jobRow(j)).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Inserts a job unless one with that name exists (any status); true when this call added it. */
export async function insertJobIfAbsent(db: Kysely<Database>, j: NewJob): Promise<boolean> {
  const r = await db
    .insertInto('jobs')
    .values(jobRow(j))
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export function findJob(db: Kysely<Database>, id: number): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Ids of jobs this worker could claim now: due, or running under a lease that has expired. */
export async function dueJobIds(
  db: Kysely<Database>,
  now: string,
  handlers: readonly string[],
  limit: number,
): Promise<number[]> {
  if (handlers.length === 0) return [];
  const rows = await db
    .selectFrom('jobs')
    .select('id')
    .where('handler', 'in', handlers)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'scheduled'), eb('run_at', '<=', now)]),
        eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)]),
      ]),
    )
    .orderBy('run_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Claims one job with a lease. The condition is re-checked by the UPDATE itself, so of several workers
 * racing for the same row exactly one gets it back (PostgreSQL re-evaluates the WHERE clause on the
 * row version left by a concurrent committed update; SQLite runs writers one at a time). A reclaimed
 * job's crashed run counts as a failed attempt, so a job that kills its worker cannot loop for ever.
 */
export function claimJob(
  db: Kysely<Database>,
  id: number,
  owner: string,
  now: string,
  leaseUntil: string,
): Promise<JobRow | undefined> {
  return db
    .updateTable('jobs')
    .set({
      status: 'running',
      lease_owner: owner,
      lease_until: leaseUntil,
      attempts: sql<number>`case when status = 'running' then attempts + 1 else attempts end`,
      last_error: sql<
        string | null
      >`case when status = 'running' then ${'lease expired: the previous run did not finish'} else last_error end`,
      updated_at: now,
    })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'scheduled'), eb('run_at', '<=', now)]),
        eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

/** Pushes the lease of a job this worker still holds further out; false when the lease was lost. */
export async function extendLease(
  db: Kysely<Database>,
  id: number,
  owner: string,
  leaseUntil: string,
): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ lease_until: leaseUntil })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Writes the outcome of a run, only while this worker still holds the lease: a worker whose lease ran
 * out must not overwrite the state left by the one that reclaimed the job.
 */
export async function releaseJob(
  db: Kysely<Database>,
  id: number,
  owner: string,
  next: { status: 'scheduled' | 'done' | 'failed'; runAt?: string; attempts: number; lastError: string | null },
  now: string,
): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({
      status: next.status,
      ...(next.runAt ? { run_at: next.runAt } : {}),
      attempts: next.attempts,
      last_error: next.lastError,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Closes runs of a job left 'running' by a worker that lost its lease (crashed or stalled). */
export async function closeStaleRuns(db: Kysely<Database>, jobId: number, finishedAt: string, error: string) {
  await db
    .updateTable('job_runs')
    .set({ status: 'failed', finished_at: finishedAt, error })
    .where('job_id', '=', jobId)
    .where('status', '=', 'running')
    .execute();
}

export async function insertRun(
  db: Kysely<Database>,
  r: { jobId: number; jobName: string; worker: string; startedAt: string },
): Promise<number> {
  const row = await db
    .insertInto('job_runs')
    .values({
      job_id: r.jobId,
      job_name: r.jobName,
      worker: r.worker,
      started_at: r.startedAt,
      status: 'running',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishRun(
  db: Kysely<Database>,
  runId: number,
  r: { status: 'ok' | 'failed'; error: string | null; finishedAt: string },
): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({ status: r.status, error: r.error, finished_at: r.finishedAt })
    .where('id', '=', runId)
    .execute();
}

export function selectJobs(db: Kysely<Database>): Promise<JobRow[]> {
  // Failed and running first: they are what an administrator opens the page for.
  return db
    .selectFrom('jobs')
    .selectAll()
    .orderBy(sql`case status when 'failed' then 0 when 'running' then 1 when 'scheduled' then 2 else 3 end`)
    .orderBy('run_at')
    .orderBy('id')
    .limit(500)
    .execute();
}

export function selectRuns(
  db: Kysely<Database>,
  f: { jobId?: number; onlyFailures?: boolean; limit: number },
): Promise<JobRunRow[]> {
  let q = db.selectFrom('job_runs').selectAll();
  if (f.jobId !== undefined) q = q.where('job_id', '=', f.jobId);
  if (f.onlyFailures) q = q.where('status', '=', 'failed');
  return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

/** Puts a job back on the schedule to run at `now` with a fresh count of attempts. */
export async function rescheduleNow(db: Kysely<Database>, id: number, now: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'scheduled', run_at: now, attempts: 0, lease_owner: null, lease_until: null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Deletes run history older than `before`, and finished one-off jobs last touched before it. */
export async function deleteHistory(db: Kysely<Database>, before: string): Promise<{ runs: number; jobs: number }> {
  const runs = await db
    .deleteFrom('job_runs')
    .where('started_at', '<', before)
    .where('status', '!=', 'running')
    .executeTakeFirst();
  const jobs = await db
    .deleteFrom('jobs')
    .where('interval_seconds', 'is', null)
    .where('status', '=', 'done')
    .where('updated_at', '<', before)
    .executeTakeFirst();
  return { runs: Number(runs.numDeletedRows), jobs: Number(jobs.numDeletedRows) };
}
