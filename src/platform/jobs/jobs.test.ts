import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Db, openDb } from '../../db/database.js';
import { createTestDb, type TestDb, testEngines } from '../../testing/db.js';
import { systemActor } from '../audit/audit.service.js';
import { ConflictError } from '../errors.js';
import { addSeconds } from '../time.js';
import {
  backoffSeconds,
  enqueue,
  getJob,
  JobRunner,
  listJobs,
  listRuns,
  pruneJobHistory,
  retryNow,
  scheduleOnce,
  scheduleRecurring,
} from './jobs.service.js';

const T0 = new Date('2026-11-25T01:00:00.000Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Each test registers handlers under its own names: a runner claims only handlers it knows, so tests
// sharing one database never run each other's jobs.
let seq = 0;
const uniq = (base: string) => `${base}.${++seq}`;

async function waitUntil(what: string, cond: () => Promise<boolean>, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

for (const engine of testEngines()) {
  describe(`jobs on ${engine}`, () => {
    let db: TestDb;
    // A second connection pool to the same database stands for a second server process; SQLite in
    // memory has one connection, so there the two runners share it (as two workers in one process).
    let db2: Db;

    before(async () => {
      db = await createTestDb(engine);
      db2 = engine === 'postgres' ? openDb(db.url, { poolSize: 5 }) : db;
    });
    after(async () => {
      if (db2 !== db) await db2.close();
      await db.dispose();
    });

    test('two runners racing for the same due jobs run each exactly once', async () => {
      const handler = uniq('race');
      const ranBy = new Map<number, string[]>();
      const make = (d: Db, who: string) =>
        new JobRunner(d, { workerId: who }).register(handler, async (_p, ctx) => {
          ranBy.set(ctx.jobId, [...(ranBy.get(ctx.jobId) ?? []), who]);
          await sleep(5); // keep the run open while the other runner tries to claim
        });
      const a = make(db, 'worker-a');
      const b = make(db2, 'worker-b');
      const ids: number[] = [];
      for (let i = 0; i < 25; i++) ids.push(await enqueue(db.kysely, { handler, payload: { i }, now: T0 }));

      let total = 0;
      for (let round = 0; round < 10; round++) {
        const [na, nb] = await Promise.all([a.runDue(T0), b.runDue(T0)]);
        total += na + nb;
        if (na + nb === 0) break;
      }

      assert.equal(total, 25);
      for (const id of ids) {
        assert.equal(ranBy.get(id)?.length, 1, `job ${id} ran ${ranBy.get(id)?.length ?? 0} times`);
        const job = await getJob(db, id);
        assert.equal(job?.status, 'done');
        assert.equal(job?.lease_owner, null);
        const runs = await listRuns(db, { jobId: id });
        assert.equal(runs.length, 1);
        assert.equal(runs[0].status, 'ok');
      }
      // On PostgreSQL both pools win some claims, so the race was real. On SQLite the one connection
      // serves queries in arrival order, so the first runner wins every claim the second also tries.
      const workers = new Set([...ranBy.values()].flat());
      if (engine === 'postgres') assert.equal(workers.size, 2);
    });

    test('scheduleOnce adds one job per name, from two servers at once, even after it ran', async () => {
      const handler = uniq('once');
      const name = `${handler}@2026-11-26`;
      let runs = 0;
      const at = addSeconds(T0, 60);
      const added = await Promise.all([
        scheduleOnce(db, name, handler, at, T0),
        scheduleOnce(db2, name, handler, at, T0),
      ]);
      assert.deepEqual(added.sort(), [false, true]);
      const rows = await db.kysely.selectFrom('jobs').selectAll().where('name', '=', name).execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].run_at, at.toISOString());
      assert.equal(rows[0].interval_seconds, null);
      const r = new JobRunner(db).register(handler, async () => {
        runs++;
      });
      assert.equal(await r.runDue(T0), 0, 'not due before its time');
      assert.equal(await r.runDue(at), 1);
      assert.equal(await scheduleOnce(db, name, handler, addSeconds(at, 60), at), false, 'done: not added again');
      assert.equal(await r.runDue(addSeconds(at, 120)), 0);
      assert.equal(runs, 1);
    });

    test('a job whose lease expired is reclaimed by another runner and the stale run is closed', async () => {
      const handler = uniq('lease');
      let release!: () => void;
      const stuck = new Promise<void>((r) => {
        release = r;
      });
      const a = new JobRunner(db, { workerId: 'stuck-worker', leaseSeconds: 60 }).register(handler, () => stuck);
      let bRuns = 0;
      const b = new JobRunner(db2, { workerId: 'healthy-worker', leaseSeconds: 60 }).register(
        handler,
        async (_p, ctx) => {
          bRuns++;
          assert.equal(ctx.attempt, 2, 'the crashed run counts as an attempt');
        },
      );
      const id = await enqueue(db.kysely, { handler, now: T0 });

      const aDone = a.runDue(T0);
      await waitUntil('worker a to claim the job', async () => (await getJob(db, id))?.status === 'running');

      // Within the lease nobody else may take it.
      assert.equal(await b.runDue(addSeconds(T0, 59)), 0);
      // After it, the job is reclaimed and run again.
      assert.equal(await b.runDue(addSeconds(T0, 61)), 1);
      assert.equal(bRuns, 1);
      let job = await getJob(db, id);
      assert.equal(job?.status, 'done');
      assert.equal(job?.attempts, 1);

      // The stalled worker finishing late must not overwrite the new state.
      release();
      await aDone;
      job = await getJob(db, id);
      assert.equal(job?.status, 'done');
      const runs = await listRuns(db, { jobId: id });
      assert.equal(runs.length, 2);
      const stale = runs.find((r) => r.worker === 'stuck-worker');
      const fresh = runs.find((r) => r.worker === 'healthy-worker');
      assert.equal(fresh?.status, 'ok');
      assert.match(stale?.error ?? '', /lease/);
    });

    test('a long run keeps its lease by renewing it while the handler works', async () => {
      const handler = uniq('long');
      let clockNow = T0;
      const id = await enqueue(db.kysely, { handler, now: T0 });
      const renewed = addSeconds(T0, 10 + 3).toISOString();
      const r = new JobRunner(db, { leaseSeconds: 3, clock: () => clockNow }).register(handler, async () => {
        clockNow = addSeconds(T0, 10);
        // The heartbeat (every second for a 3 s lease) pushes the lease to the clock's now + 3 s.
        await waitUntil('the lease to be renewed', async () => (await getJob(db, id))?.lease_until === renewed);
      });
      assert.equal(await r.runDue(T0), 1);
      assert.equal((await getJob(db, id))?.status, 'done');
    });

    test('a job that keeps killing its worker is given up after max attempts', async () => {
      const handler = uniq('poison');
      const id = await enqueue(db.kysely, { handler, maxAttempts: 2, now: T0 });
      // Simulate two crashed runs: claimed, then the lease simply runs out.
      await db.kysely
        .updateTable('jobs')
        .set({ status: 'running', attempts: 1, lease_owner: 'dead', lease_until: T0.toISOString() })
        .where('id', '=', id)
        .execute();
      let ran = 0;
      const r = new JobRunner(db).register(handler, async () => {
        ran++;
      });
      assert.equal(await r.runDue(addSeconds(T0, 1)), 1);
      assert.equal(ran, 0, 'the handler is not run again');
      const job = await getJob(db, id);
      assert.equal(job?.status, 'failed');
      assert.match(job?.last_error ?? '', /did not finish/);
    });

    test('a failing one-off job retries with exponential backoff and fails after max attempts', async () => {
      const handler = uniq('flaky');
      let calls = 0;
      const r = new JobRunner(db).register(handler, async () => {
        calls++;
        throw new Error(`服务不可用 ${calls}`);
      });
      const id = await enqueue(db.kysely, { handler, maxAttempts: 3, now: T0 });

      assert.equal(await r.runDue(T0), 1);
      let job = await getJob(db, id);
      assert.equal(job?.status, 'scheduled');
      assert.equal(job?.attempts, 1);
      assert.equal(job?.last_error, '服务不可用 1');
      assert.equal(job?.run_at, addSeconds(T0, 30).toISOString());

      assert.equal(await r.runDue(addSeconds(T0, 29)), 0, 'not before the backoff');
      assert.equal(await r.runDue(addSeconds(T0, 30)), 1);
      job = await getJob(db, id);
      assert.equal(job?.attempts, 2);
      assert.equal(job?.run_at, addSeconds(T0, 90).toISOString(), 'second wait is 60 s');

      assert.equal(await r.runDue(addSeconds(T0, 90)), 1);
      job = await getJob(db, id);
      assert.equal(job?.status, 'failed');
      assert.equal(job?.attempts, 3);
      assert.equal(job?.last_error, '服务不可用 3');
      assert.equal(await r.runDue(addSeconds(T0, 100_000)), 0, 'a failed job is not run again');
      assert.equal(calls, 3);

      const failures = await listRuns(db, { jobId: id, onlyFailures: true });
      assert.equal(failures.length, 3);
      assert.ok(failures.every((f) => f.status === 'failed' && f.finished_at));
      assert.deepEqual(
        [1, 2, 3, 8, 20].map(backoffSeconds),
        [30, 60, 120, 3600, 3600],
        'backoff doubles and is capped at an hour',
      );
    });

    test('a recurring job is rescheduled by its interval and keeps recurring after repeated failures', async () => {
      const handler = uniq('tick');
      const name = uniq('recurring');
      let fail = false;
      let calls = 0;
      const r = new JobRunner(db).register(handler, async () => {
        calls++;
        if (fail) throw new Error('down');
      });
      await scheduleRecurring(db, name, handler, 60, T0);
      await scheduleRecurring(db, name, handler, 60, T0); // idempotent
      const jobs = (await listJobs(db)).filter((j) => j.name === name);
      assert.equal(jobs.length, 1);
      const id = jobs[0].id;

      assert.equal(await r.runDue(T0), 1);
      let job = await getJob(db, id);
      assert.equal(job?.status, 'scheduled');
      assert.equal(job?.run_at, addSeconds(T0, 60).toISOString());
      assert.equal(await r.runDue(addSeconds(T0, 59)), 0);

      // Scheduling again (a restart) keeps its state rather than running it at once.
      await scheduleRecurring(db, name, handler, 60, addSeconds(T0, 10));
      assert.equal((await getJob(db, id))?.run_at, addSeconds(T0, 60).toISOString());
      // A shorter interval pulls a far next run in.
      await scheduleRecurring(db, name, handler, 20, addSeconds(T0, 10));
      assert.equal((await getJob(db, id))?.run_at, addSeconds(T0, 30).toISOString());
      await scheduleRecurring(db, name, handler, 60, addSeconds(T0, 10));

      fail = true;
      let t = addSeconds(T0, 30);
      for (let i = 1; i <= 5; i++) {
        assert.equal(await r.runDue(t), 1, `failing run ${i}`);
        job = await getJob(db, id);
        t = new Date(job?.run_at ?? '');
      }
      job = await getJob(db, id);
      assert.equal(job?.status, 'scheduled', 'a recurring job is never left failed');
      assert.equal(job?.attempts, 0);
      assert.equal(job?.last_error, 'down');

      fail = false;
      assert.equal(await r.runDue(t), 1);
      job = await getJob(db, id);
      assert.equal(job?.last_error, null);
      assert.equal(job?.run_at, addSeconds(t, 60).toISOString());
      assert.equal(calls, 7);
    });

    test('a job enqueued in a transaction that rolls back does not exist', async () => {
      const handler = uniq('tx');
      await assert.rejects(
        db.kysely.transaction().execute(async (trx) => {
          await enqueue(trx, { handler, payload: { a: 1 }, now: T0 });
          throw new Error('the caller’s write failed');
        }),
        /write failed/,
      );
      let ran: unknown[] = [];
      const r = new JobRunner(db).register(handler, async (p) => {
        ran.push(p);
      });
      assert.equal(await r.runDue(T0), 0);
      assert.equal((await listJobs(db)).filter((j) => j.handler === handler).length, 0);

      await db.kysely.transaction().execute((trx) => enqueue(trx, { handler, payload: { a: 2 }, now: T0 }));
      ran = [];
      assert.equal(await r.runDue(T0), 1);
      assert.deepEqual(ran, [{ a: 2 }]);
    });

    test('a runner does not claim jobs whose handler it does not know', async () => {
      const id = await enqueue(db.kysely, { handler: uniq('unknown'), now: T0 });
      const r = new JobRunner(db).register(uniq('other'), async () => {});
      assert.equal(await r.runDue(T0), 0);
      assert.equal((await getJob(db, id))?.status, 'scheduled');
    });

    test('retry now reschedules a failed job, resets its attempts and is audited', async () => {
      const handler = uniq('retry');
      let ok = false;
      const r = new JobRunner(db).register(handler, async () => {
        if (!ok) throw new Error('no');
      });
      const id = await enqueue(db.kysely, { handler, maxAttempts: 1, now: T0 });
      await r.runDue(T0);
      assert.equal((await getJob(db, id))?.status, 'failed');

      const actor = { userId: null, name: '管理员', ip: '10.0.0.1' };
      const later = addSeconds(T0, 600);
      await retryNow(db, actor, id, later);
      const job = await getJob(db, id);
      assert.equal(job?.status, 'scheduled');
      assert.equal(job?.attempts, 0);
      assert.equal(job?.run_at, later.toISOString());
      const audit = await db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'job.retry')
        .where('entity_id', '=', String(id))
        .executeTakeFirst();
      assert.equal(audit?.actor_name, '管理员');

      ok = true;
      assert.equal(await r.runDue(later), 1);
      assert.equal((await getJob(db, id))?.status, 'done');
    });

    test('retry now refuses a job that is running under a live lease', async () => {
      const id = await enqueue(db.kysely, { handler: uniq('busy'), now: T0 });
      await db.kysely
        .updateTable('jobs')
        .set({ status: 'running', lease_owner: 'x', lease_until: addSeconds(T0, 300).toISOString() })
        .where('id', '=', id)
        .execute();
      await assert.rejects(retryNow(db, systemActor, id, T0), ConflictError);
      await retryNow(db, systemActor, id, addSeconds(T0, 301)); // once the lease has expired it may
      assert.equal((await getJob(db, id))?.status, 'scheduled');
    });

    test('stop waits for the run in flight', async () => {
      const handler = uniq('slow');
      let finished = false;
      const r = new JobRunner(db, { clock: () => T0 }).register(handler, async () => {
        await sleep(100);
        finished = true;
      });
      const id = await enqueue(db.kysely, { handler, now: T0 });
      r.start(60_000);
      assert.equal(r.running, true);
      await waitUntil('the job to start', async () => (await getJob(db, id))?.status === 'running');
      await r.stop();
      assert.equal(finished, true);
      assert.equal((await getJob(db, id))?.status, 'done');
      assert.equal(r.running, false);
    });

    test('pruning deletes old run history and finished one-off jobs only', async () => {
      const handler = uniq('old');
      const r = new JobRunner(db).register(handler, async () => {});
      const old = new Date('2020-01-01T00:00:00.000Z');
      const id = await enqueue(db.kysely, { handler, now: old });
      await r.runDue(old);
      const pending = await enqueue(db.kysely, { handler: uniq('future'), now: old });
      const n = await pruneJobHistory(db, T0, 30);
      assert.ok(n.jobs >= 1 && n.runs >= 1);
      assert.equal(await getJob(db, id), undefined);
      assert.equal((await getJob(db, pending))?.status, 'scheduled');
    });
  });
}
