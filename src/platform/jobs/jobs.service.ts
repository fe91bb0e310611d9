import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../audit/audit.service.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { addSeconds, type Clock, systemClock } from '../time.js';
import {
  claimJob,
  closeStaleRuns,
  deleteHistory,
  dueJobIds,
  extendLease,
  findJob,
  finishRun,
  insertJob,
  insertJobIfAbsent,
  insertRun,
  type JobRow,
  type JobRunRow,
  releaseJob,
  rescheduleNow,
  selectJobs,
  selectRuns,
  upsertRecurring,
} from './jobs.repository.js';

export type { JobRow, JobRunRow } from './jobs.repository.js';

// Background jobs live in the `jobs` table, so they survive restarts, are shared by every server on one
// PostgreSQL, and a one-off job can be written in the same transaction as the change that needs it.
// Delivery is at-least-once: a run whose worker dies is reclaimed when its lease expires, so handlers
// must be safe to run again.

/** What a handler is given besides its payload. */
export interface JobContext {
  jobId: number;
  name: string;
  /** 1 for the first run; counts failed and crashed runs before this one. */
  attempt: number;
  /** The instant the run was claimed at; handlers use it instead of reading the clock. */
  now: Date;
  db: Db;
  logger: Logger;
}

export type JobHandler<P = unknown> = (payload: P, ctx: JobContext) => Promise<void>;

const MAX_ERROR_LENGTH = 2000;
const BACKOFF_BASE_SECONDS = 30;
const BACKOFF_CAP_SECONDS = 3600;

/** Seconds to wait before the next try after `failures` failed runs: 30 s, 60 s, 120 s, … up to one hour. */
export function backoffSeconds(failures: number): number {
  return Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.max(0, failures - 1));
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

function assertPositiveInt(value: number, what: string) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive integer, got ${value}`);
}

/**
 * Creates the recurring job `name` or updates its handler and interval; idempotent, keeps its state.
 * A new job first runs at `now`.
 */
export async function scheduleRecurring(
  db: Db | Kysely<Database>,
  name: string,
  handler: string,
  intervalSeconds: number,
  now: Date,
): Promise<void> {
  assertPositiveInt(intervalSeconds, 'intervalSeconds');
  await upsertRecurring(kyselyOf(db), {
    name,
    handler,
    intervalSeconds,
    now: now.toISOString(),
    latestNextRun: addSeconds(now, intervalSeconds).toISOString(),
  });
}

/**
 * Schedules a one-off run of `handler` at `runAt` under a unique `name`, unless a job of that name already
 * exists (scheduled, running or done): several servers scheduling the same run (e.g. "the sweep after
 * midnight on 2026-12-01", named by its date) add one job, which one worker claims. True when this call added it.
 */
export async function scheduleOnce(
  db: Db | Kysely<Database>,
  name: string,
  handler: string,
  runAt: Date,
  now: Date,
  maxAttempts = 5,
): Promise<boolean> {
  assertPositiveInt(maxAttempts, 'maxAttempts');
  return insertJobIfAbsent(kyselyOf(db), {
    name,
    handler,
    payload: '{}',
    runAt: runAt.toISOString(),
    intervalSeconds: null,
    maxAttempts,
    now: now.toISOString(),
  });
}

export interface EnqueueInput {
  handler: string;
  payload?: unknown;
  /** Defaults to `now`: as soon as a worker polls. */
  runAt?: Date;
  /** Failed runs before the job is given up as 'failed'; default 5. */
  maxAttempts?: number;
  /** Defaults to a unique name made from the handler. */
  name?: string;
  now?: Date;
}

/**
 * Adds a one-off job inside the caller's transaction, so the job exists exactly when the caller's write
 * commits. Returns the job's id.
 */
export async function enqueue(trx: Kysely<Database>, input: EnqueueInput): Promise<number> {
  const now = input.now ?? new Date();
  const maxAttempts = input.maxAttempts ?? 5;
  assertPositiveInt(maxAttempts, 'maxAttempts');
  const payload = JSON.stringify(input.payload ?? {});
  return insertJob(trx, {
    name: input.name ?? `${input.handler}#${randomUUID()}`,
    handler: input.handler,
    payload,
    runAt: (input.runAt ?? now).toISOString(),
    intervalSeconds: null,
    maxAttempts,
    now: now.toISOString(),
  });
}

/** All jobs, failed and running first, then by next run. */
export function listJobs(db: Db): Promise<JobRow[]> {
  return selectJobs(db.kysely);
}

/** Recent runs, newest first, of one job or of all, optionally only the failed ones. */
export function listRuns(
  db: Db,
  filter: { jobId?: number; onlyFailures?: boolean; limit?: number } = {},
): Promise<JobRunRow[]> {
  return selectRuns(db.kysely, { ...filter, limit: Math.min(Math.max(filter.limit ?? 50, 1), 500) });
}

/** One job by id, or undefined. */
export function getJob(db: Db, id: number): Promise<JobRow | undefined> {
  return findJob(db.kysely, id);
}

/**
 * Schedules the job to run at `now` with a fresh count of attempts, and records who asked, in one
 * transaction. Refuses a job that is running under a live lease.
 */
export async function retryNow(db: Db, actor: Actor, jobId: number, now: Date): Promise<JobRow> {
  return db.kysely.transaction().execute(async (trx) => {
    let q = trx.selectFrom('jobs').selectAll().where('id', '=', jobId);
    // Lock the row so a worker cannot claim it between our check and our update.
    if (db.engine === 'postgres') q = q.forUpdate();
    const job = await q.executeTakeFirst();
    if (!job) throw new NotFoundError('后台任务不存在。');
    if (job.status === 'running' && job.lease_until !== null && job.lease_until >= now.toISOString()) {
      throw new ConflictError('该任务正在运行，请在运行结束后再重试。');
    }
    await rescheduleNow(trx, jobId, now.toISOString());
    await recordAudit(
      trx,
      db.engine,
      actor,
      {
        action: 'job.retry',
        entityType: 'job',
        entityId: jobId,
        summary: `手动立即重试后台任务「${job.name}」`,
        before: { status: job.status, run_at: job.run_at, attempts: job.attempts, last_error: job.last_error },
        after: { status: 'scheduled', run_at: now.toISOString(), attempts: 0 },
      },
      now,
    );
    return {
      ...job,
      status: 'scheduled',
      run_at: now.toISOString(),
      attempts: 0,
      lease_owner: null,
      lease_until: null,
    };
  });
}

/** Deletes run history and finished one-off jobs older than `keepDays`; returns how many rows went. */
export function pruneJobHistory(db: Db, now: Date, keepDays = 30): Promise<{ runs: number; jobs: number }> {
  return deleteHistory(db.kysely, new Date(now.getTime() - keepDays * 86_400_000).toISOString());
}

function kyselyOf(db: Db | Kysely<Database>): Kysely<Database> {
  return 'kysely' in db && 'engine' in db ? db.kysely : (db as Kysely<Database>);
}

export interface JobRunnerOptions {
  logger?: Logger;
  clock?: Clock;
  /** How long a claimed job is reserved for this worker; renewed while it runs. Default 300 s. */
  leaseSeconds?: number;
  /** The most jobs one poll claims and runs side by side. Default 10. */
  batchSize?: number;
  /** Names this worker in leases and runs; default host:pid:random. */
  workerId?: string;
}

/**
 * Claims due jobs with a lease and runs their handlers. Any number of runners, in one process or on
 * several servers sharing PostgreSQL, can poll the same table: each job run is claimed by exactly one.
 */
export class JobRunner {
  readonly db: Db;
  readonly clock: Clock;
  readonly workerId: string;
  private readonly logger: Logger;
  private readonly leaseSeconds: number;
  private readonly batchSize: number;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(db: Db, opts: JobRunnerOptions = {}) {
    this.db = db;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? pino({ level: 'silent' });
    this.leaseSeconds = opts.leaseSeconds ?? 300;
    this.batchSize = opts.batchSize ?? 10;
    this.workerId = opts.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    assertPositiveInt(this.leaseSeconds, 'leaseSeconds');
    assertPositiveInt(this.batchSize, 'batchSize');
  }

  /** Makes this runner claim jobs whose handler is `name`; runners only claim handlers they know. */
  register<P = unknown>(name: string, handler: JobHandler<P>): this {
    if (this.handlers.has(name)) throw new Error(`job handler "${name}" is already registered`);
    this.handlers.set(name, handler as JobHandler);
    return this;
  }

  handlerNames(): string[] {
    return [...this.handlers.keys()].sort();
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Claims and runs every job due at `now` (up to the batch size); resolves to how many ran. */
  async runDue(now: Date): Promise<number> {
    const nowIso = now.toISOString();
    const ids = await dueJobIds(this.db.kysely, nowIso, this.handlerNames(), this.batchSize);
    const runs: Promise<void>[] = [];
    let claimError: unknown = null;
    try {
      for (const id of ids) {
        const leaseUntil = addSeconds(now, this.leaseSeconds).toISOString();
        const job = await claimJob(this.db.kysely, id, this.workerId, nowIso, leaseUntil);
        if (!job) continue; // another worker got there first
        runs.push(this.runClaimed(job, now));
      }
    } catch (err) {
      claimError = err;
    }
    // Wait for every started run even if a claim failed, so stop() never leaves one behind.
    const settled = await Promise.allSettled(runs);
    if (claimError) throw claimError;
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return runs.length;
  }

  /** Polls every `intervalMs` (first poll right away) until stop(); the timer does not keep Node alive. */
  start(intervalMs = 5000): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
    this.tick();
  }

  /** Asks for a poll now instead of at the next interval, if the runner is started. */
  poke(): void {
    if (this.timer) this.tick();
  }

  /** Stops polling and resolves once every run already started has finished. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private tick(): void {
    const p = this.runDue(this.clock())
      .catch((err) => this.logger.error({ err }, 'background job poll failed'))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async runClaimed(job: JobRow, now: Date): Promise<void> {
    const db = this.db.kysely;
    const nowIso = now.toISOString();
    const started = performance.now();
    // Times after the claim are `now` plus the real time elapsed, so a fixed clock in tests stays fixed
    // while production records true durations.
    const later = () => new Date(now.getTime() + Math.round(performance.now() - started)).toISOString();
    const log = this.logger.child({ job: job.name, jobId: job.id });

    await closeStaleRuns(db, job.id, nowIso, 'lease expired: the worker stopped before the run finished');
    const runId = await insertRun(db, { jobId: job.id, jobName: job.name, worker: this.workerId, startedAt: nowIso });

    // Only a reclaimed job can arrive here with its attempts used up: its runs kept killing the worker.
    if (job.attempts >= job.max_attempts) {
      const error = `gave up after ${job.attempts} runs that did not finish`;
      await finishRun(db, runId, { status: 'failed', error, finishedAt: nowIso });
      await releaseJob(db, job.id, this.workerId, this.afterFailure(job, job.attempts, error, now), nowIso);
      log.error({ attempts: job.attempts }, 'background job gave up: its runs did not finish');
      return;
    }

    const heartbeat = setInterval(
      () => {
        extendLease(db, job.id, this.workerId, addSeconds(this.clock(), this.leaseSeconds).toISOString())
          .then((held) => {
            if (!held) log.warn('background job lost its lease while running');
          })
          .catch((err) => log.error({ err }, 'could not extend background job lease'));
      },
      Math.max(1000, (this.leaseSeconds * 1000) / 3),
    );
    heartbeat.unref();

    let error: string | null = null;
    try {
      const handler = this.handlers.get(job.handler);
      if (!handler) throw new Error(`no handler registered for "${job.handler}"`);
      const payload: unknown = JSON.parse(job.payload);
      await handler(payload, {
        jobId: job.id,
        name: job.name,
        attempt: job.attempts + 1,
        now,
        db: this.db,
        logger: log,
      });
    } catch (err) {
      error = errorText(err);
      log.warn({ err, attempt: job.attempts + 1 }, 'background job failed');
    } finally {
      clearInterval(heartbeat);
    }

    const finishedAt = later();
    const next =
      error === null
        ? job.interval_seconds === null
          ? { status: 'done' as const, attempts: job.attempts, lastError: null }
          : {
              status: 'scheduled' as const,
              runAt: addSeconds(now, job.interval_seconds).toISOString(),
              attempts: 0,
              lastError: null,
            }
        : this.afterFailure(job, job.attempts + 1, error, now);
    const held = await releaseJob(db, job.id, this.workerId, next, finishedAt);
    if (!held) log.warn('background job finished after its lease was taken over; its result was not applied');
    await finishRun(db, runId, {
      status: error === null ? 'ok' : 'failed',
      error: held ? error : `${error ?? 'finished'} (lease lost: the job had been reclaimed by another worker)`,
      finishedAt,
    });
  }

  private afterFailure(job: JobRow, failures: number, error: string, now: Date) {
    if (failures < job.max_attempts) {
      // A recurring job retries sooner than its backoff would say if its next regular run is sooner.
      const wait =
        job.interval_seconds === null
          ? backoffSeconds(failures)
          : Math.min(backoffSeconds(failures), job.interval_seconds);
      return {
        status: 'scheduled' as const,
        runAt: addSeconds(now, wait).toISOString(),
        attempts: failures,
        lastError: error,
      };
    }
    if (job.interval_seconds === null) return { status: 'failed' as const, attempts: failures, lastError: error };
    // Recurring jobs keep recurring: start a fresh series at the next regular run, keeping the error.
    return {
      status: 'scheduled' as const,
      runAt: addSeconds(now, job.interval_seconds).toISOString(),
      attempts: 0,
      lastError: error,
    };
  }
}

/** Keeps the job tables small: a daily job deletes run history and finished one-off jobs after `keepDays`. */
export async function registerJobHousekeeping(runner: JobRunner, keepDays = 30): Promise<void> {
  runner.register('jobs.prune', async (_payload, ctx) => {
    const n = await pruneJobHistory(ctx.db, ctx.now, keepDays);
    if (n.runs + n.jobs > 0) ctx.logger.info(n, 'pruned background job history');
  });
  await scheduleRecurring(runner.db, 'jobs.prune', 'jobs.prune', 86_400, runner.clock());
}
