import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, insertStaff, signedInClient, type TestApp, type TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { mailRoutes } from '../mail/mail.routes.js';
import { enqueueMail } from '../mail/mail.service.js';
import { jobsRoutes } from './jobs.routes.js';
import { enqueue, getJob, JobRunner, scheduleRecurring } from './jobs.service.js';

// The console pages through HTTP on a real database: what each role sees and may do.
for (const engine of testEngines()) {
  describe(`jobs and mail console pages on ${engine}`, () => {
    let t: TestApp;
    let runner: JobRunner;
    let admin: TestClient;
    let auditor: TestClient;
    let failedJob: number;
    let failedMail: number;

    before(async () => {
      t = await createTestApp(engine, {
        routes: (deps) => {
          runner = new JobRunner(deps.db, { clock: deps.clock });
          return [jobsRoutes(deps, runner), mailRoutes(deps)];
        },
      });
      const k = t.db.kysely;
      const now = t.deps.clock();
      const org = await k
        .insertInto('organizations')
        .values({
          code: 'J1',
          slug: 'j1',
          name: '任务测试局',
          short_name: '',
          kind: 'department',
          functions: '',
          address: '',
          postcode: '',
          phone: '',
          fax: '',
          email: '',
          office_hours: '',
          website: '',
          leadership: '[]',
          sort_order: 0,
          active: 1,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      admin = await signedInClient(
        t,
        await insertStaff(t, 'sysadmin', [{ role: 'system_admin', organizationId: org.id }], { totp: true }),
      );
      auditor = await signedInClient(t, await insertStaff(t, 'auditor', [{ role: 'auditor', organizationId: org.id }]));

      runner.register('report.build', async () => {
        throw new Error('模板缺失：年度报告');
      });
      await scheduleRecurring(t.db, 'mail.send', 'mail.send', 15, now);
      failedJob = await enqueue(k, { handler: 'report.build', maxAttempts: 1, now });
      await runner.runDue(now);
      failedMail = await enqueueMail(
        k,
        { to: 'applicant@example.cn', subject: '答复告知书', text: '正文：身份证号 350203199001011234' },
        now,
      );
      await k
        .updateTable('mail_outbox')
        .set({ status: 'failed', attempts: 8, last_error: '550 mailbox unavailable' })
        .execute();
    });
    after(() => t.dispose());

    test('the jobs page lists jobs with status, attempts and last error, and the failed run', async () => {
      const res = await admin.get('/console/jobs');
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /发送邮件/);
      assert.match(html, /定时（每 15 秒）/);
      assert.match(html, /模板缺失：年度报告/);
      assert.match(html, /失败/);
      assert.match(html, new RegExp(`action="/console/jobs/${failedJob}/retry"`));
    });

    test('only failures can be listed', async () => {
      const html = await (await admin.get(`/console/jobs?failures=1&job=${failedJob}`)).text();
      assert.match(html, /（仅失败）/);
      assert.match(html, /模板缺失/);
    });

    test('an auditor sees the jobs page without the retry form and may not retry', async () => {
      const res = await auditor.get('/console/jobs');
      assert.equal(res.status, 200);
      assert.doesNotMatch(await res.text(), /\/retry"/);
      assert.equal((await auditor.post(`/console/jobs/${failedJob}/retry`)).status, 403);
    });

    test('retry now reschedules the job, is audited and redirects with a message', async () => {
      const res = await admin.post(`/console/jobs/${failedJob}/retry`);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/console/jobs');
      const job = await getJob(t.db, failedJob);
      assert.equal(job?.status, 'scheduled');
      assert.equal(job?.attempts, 0);
      const audit = await t.db.kysely
        .selectFrom('audit_events')
        .select(['actor_name', 'action'])
        .where('action', '=', 'job.retry')
        .executeTakeFirst();
      assert.equal(audit?.actor_name, 'sysadmin');
      const page = await (await admin.get('/console/jobs')).text();
      assert.match(page, /已安排任务/);
    });

    test('retry without a CSRF token is refused', async () => {
      const res = await admin.post(`/console/jobs/${failedJob}/retry`, {}, { csrf: false });
      assert.equal(res.status, 403);
    });

    test('retrying a job that does not exist is a 404', async () => {
      assert.equal((await admin.post('/console/jobs/999999/retry')).status, 404);
      assert.equal((await admin.post('/console/jobs/abc/retry')).status, 404);
    });

    test('the outbox shows recipient, subject, status and error but never the body, also to auditors', async () => {
      for (const client of [admin, auditor]) {
        const res = await client.get('/console/mail');
        assert.equal(res.status, 200);
        const html = await res.text();
        assert.match(html, /applicant@example\.cn/);
        assert.match(html, /答复告知书/);
        assert.match(html, /发送失败/);
        assert.match(html, /550 mailbox unavailable/);
        assert.doesNotMatch(html, /350203199001011234/);
        assert.match(html, /尚未配置邮件服务器/);
      }
      assert.doesNotMatch(await (await auditor.get('/console/mail')).text(), /\/retry"/);
      const filtered = await (await admin.get('/console/mail?status=sent')).text();
      assert.doesNotMatch(filtered, /applicant@example\.cn/);
    });

    test('sending a failed message again is audited; an auditor may not', async () => {
      assert.equal((await auditor.post(`/console/mail/${failedMail}/retry`)).status, 403);
      const res = await admin.post(`/console/mail/${failedMail}/retry`);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/console/mail');
      const row = await t.db.kysely
        .selectFrom('mail_outbox')
        .select(['status', 'attempts'])
        .where('id', '=', failedMail)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'pending', attempts: 0 });
      const audit = await t.db.kysely
        .selectFrom('audit_events')
        .select('actor_name')
        .where('action', '=', 'mail.retry')
        .executeTakeFirst();
      assert.equal(audit?.actor_name, 'sysadmin');
    });
  });
}
