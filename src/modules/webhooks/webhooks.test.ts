import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { backoffSeconds, JobRunner } from '../../platform/jobs/jobs.service.js';
import { addSeconds } from '../../platform/time.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, type TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import * as publishing from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';
import { type Publisher, publisherFor } from '../subscriptions/test-support.js';
import { webhookUrlProblem } from './webhooks.schema.js';
import { DELIVER_JOB, deliver, registerWebhookJobs, WEBHOOK_MAX_ATTEMPTS } from './webhooks.service.js';

test('webhook URLs must be https, or plain http to this machine', () => {
  assert.equal(webhookUrlProblem('https://hooks.example.gov.cn/gk'), null);
  assert.equal(webhookUrlProblem('http://127.0.0.1:8080/x'), null);
  assert.equal(webhookUrlProblem('http://localhost/x'), null);
  assert.equal(webhookUrlProblem('http://[::1]:9/x'), null);
  assert.match(webhookUrlProblem('http://example.com/x') ?? '', /https:\/\//);
  assert.match(webhookUrlProblem('http://127.0.0.1.example.com/x') ?? '', /https:\/\//);
  assert.match(webhookUrlProblem('ftp://example.com/x') ?? '', /https:\/\//);
  assert.match(webhookUrlProblem('https://user:pw@example.com/x') ?? '', /用户名或密码/);
  assert.match(webhookUrlProblem('not a url') ?? '', /格式不正确/);
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 answering with the queued statuses (200 once the queue is empty). */
async function receiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  let delayMs = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = statuses.shift() ?? 200;
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status >= 300 ? 'receiver is down for maintenance' : 'ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/gongkai`,
    received,
    statuses,
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Posts a form with repeated fields (checkboxes), with the client's CSRF token. */
async function postForm(c: TestClient, path: string, pairs: [string, string][]) {
  const body = new URLSearchParams(pairs);
  body.set('_csrf', await c.csrf());
  return c.request(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

const EVENTS: [string, string][] = [
  ['events', 'item.published'],
  ['events', 'item.updated'],
  ['events', 'item.withdrawn'],
];

for (const engine of testEngines()) {
  describe(`webhooks (${engine})`, () => {
    let t: TestApp;
    let pub: Publisher;
    let runner: JobRunner;
    let rx: Awaited<ReturnType<typeof receiver>>;
    let wentiId: number;
    let fagaiId: number;
    let wentiAdmin: TestClient;
    let fagaiAdmin: TestClient;
    let auditor: TestClient;
    let hookId: number;
    let secret: string;
    let now: Date;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      const orgs = await t.db.kysely.selectFrom('organizations').select(['id', 'slug']).execute();
      wentiId = orgs.find((o) => o.slug === 'wenti')!.id;
      fagaiId = orgs.find((o) => o.slug === 'fagai')!.id;
      pub = await publisherFor(t, 'wenti');
      wentiAdmin = await signedInClient(
        t,
        await insertStaff(t, 'wenti_admin', [{ role: 'org_admin', organizationId: wentiId }]),
      );
      fagaiAdmin = await signedInClient(
        t,
        await insertStaff(t, 'fagai_admin', [{ role: 'org_admin', organizationId: fagaiId }]),
      );
      auditor = await signedInClient(
        t,
        await insertStaff(t, 'auditor1', [{ role: 'auditor', organizationId: wentiId }]),
      );
      runner = new JobRunner(t.db, { clock: t.deps.clock });
      registerWebhookJobs(runner, t.deps, 2000);
      rx = await receiver();
      now = t.deps.clock();
    });
    after(async () => {
      await rx.close();
      await t.dispose();
    });

    const deliveries = (webhookId: number) =>
      t.db.kysely
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .orderBy('id')
        .execute();

    test('the form refuses a non-https address and no events, in Chinese, keeping what was typed', async () => {
      const res = await postForm(wentiAdmin, '/console/webhooks', [
        ['url', 'http://example.com/hook'],
        ['organization_id', String(wentiId)],
        ['description', '对接系统'],
      ]);
      assert.equal(res.status, 422);
      const html = await res.text();
      assert.match(html, /网址须以 https:\/\/ 开头/);
      assert.match(html, /请至少选择一种事件/);
      assert.match(html, /value="http:\/\/example\.com\/hook"/);
      assert.match(html, /value="对接系统"/);
      assert.equal((await t.db.kysely.selectFrom('webhooks').select('id').execute()).length, 0);
    });

    test('an administrator registers a webhook: the secret is shown once and stored encrypted', async () => {
      const res = await postForm(wentiAdmin, '/console/webhooks', [
        ['url', rx.url],
        ['organization_id', String(wentiId)],
        ...EVENTS,
        ['description', '区数据共享平台'],
      ]);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const html = await res.text();
      const m = /<code id="webhook-secret">(whsec_[A-Za-z0-9_-]+)<\/code>/.exec(html);
      assert.ok(m, 'the secret is shown');
      secret = m[1];
      const row = await t.db.kysely.selectFrom('webhooks').selectAll().executeTakeFirstOrThrow();
      hookId = row.id;
      assert.equal(row.organization_id, wentiId);
      assert.match(row.secret, /^v1:/);
      assert.ok(!row.secret.includes(secret));
      const detail = await (await wentiAdmin.get(`/console/webhooks/${hookId}`)).text();
      assert.ok(!detail.includes(secret), 'never shown again');
      assert.match(detail, /区数据共享平台/);
      const audit = await t.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'webhook.create')
        .executeTakeFirstOrThrow();
      assert.ok(!(audit.after_json ?? '').includes(secret));
    });

    test('a publication is delivered once, signed with the secret', async () => {
      const id = await pub.publish({ title: '推送测试：R&D <预算>' });
      const [d] = await deliveries(hookId);
      assert.equal(d.status, 'pending');
      assert.equal(await runner.runDue(now), 1);
      assert.equal(rx.received.length, 1);
      const { headers, body } = rx.received[0];
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers['x-gongkai-event'], 'item.published');
      const ts = headers['x-gongkai-timestamp'] as string;
      assert.equal(ts, String(Math.floor(now.getTime() / 1000)));
      const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
      assert.equal(headers['x-gongkai-signature'], `sha256=${expected}`);
      const json = JSON.parse(body);
      assert.equal(headers['x-gongkai-delivery'], json.id);
      assert.equal(json.type, 'item.published');
      assert.equal(json.occurred_at, now.toISOString());
      assert.deepEqual(json.data.item, {
        id,
        organization_id: wentiId,
        column_id: pub.columnId('policies'),
        index_number: json.data.item.index_number,
        title: '推送测试：R&D <预算>',
        url: `http://gk.test/org/wenti/items/${id}`,
        version: 1,
        withdrawn: false,
      });
      assert.match(json.data.item.index_number, /^HLWT-/);
      const [done] = await deliveries(hookId);
      assert.equal(done.status, 'delivered');
      assert.equal(done.attempts, 1);
      assert.equal(done.last_status_code, 200);
      assert.equal(await runner.runDue(addSeconds(now, 3600)), 0, 'delivered once');
    });

    test('a receiver answering 500 gets the delivery retried after the backoff, then delivered', async () => {
      rx.received.length = 0;
      rx.statuses.push(500);
      const id = await pub.publish({ title: '重试测试' });
      await pub.withdraw(id, 'superseded', '已被新的办法替代。');
      const [pubD, wD] = (await deliveries(hookId)).slice(-2);
      assert.equal(wD.event_type, 'item.withdrawn');
      assert.equal(JSON.parse(wD.payload).data.item.reason, 'superseded');
      assert.equal(JSON.parse(wD.payload).data.item.withdrawn, true);

      assert.equal(await runner.runDue(now), 2);
      const failedOnce = (await deliveries(hookId)).find((d) => d.id === pubD.id)!;
      const withdrawnSent = (await deliveries(hookId)).find((d) => d.id === wD.id)!;
      assert.equal(
        [failedOnce.status, withdrawnSent.status].sort().join(),
        'delivered,pending',
        'one of the two got the 500',
      );
      const retrying = failedOnce.status === 'pending' ? failedOnce : withdrawnSent;
      assert.equal(retrying.attempts, 1);
      assert.equal(retrying.last_status_code, 500);
      assert.match(retrying.last_error ?? '', /HTTP 500/);

      assert.equal(await runner.runDue(addSeconds(now, backoffSeconds(1) - 1)), 0, 'not before the backoff');
      assert.equal(await runner.runDue(addSeconds(now, backoffSeconds(1))), 1);
      const after = (await deliveries(hookId)).find((d) => d.id === retrying.id)!;
      assert.equal(after.status, 'delivered');
      assert.equal(after.attempts, 2);
      assert.equal(after.last_error, null);
      assert.equal(rx.received.length, 3);
      const twice = rx.received.filter((r) => r.headers['x-gongkai-delivery'] === retrying.event_id);
      assert.equal(twice.length, 2, 'the same event id on the retry');
    });

    test('after the last attempt a delivery is failed, listed in the console, and can be redelivered', async () => {
      rx.received.length = 0;
      for (let i = 0; i < WEBHOOK_MAX_ATTEMPTS; i++) rx.statuses.push(503);
      await pub.publish({ title: '始终失败的推送' });
      const d = (await deliveries(hookId)).at(-1)!;
      let at = now;
      for (let i = 1; i <= WEBHOOK_MAX_ATTEMPTS; i++) {
        assert.equal(await runner.runDue(at), 1, `try ${i}`);
        at = addSeconds(at, backoffSeconds(i));
      }
      assert.equal(await runner.runDue(addSeconds(at, 86_400)), 0, 'given up');
      const failed = (await deliveries(hookId)).find((x) => x.id === d.id)!;
      assert.equal(failed.status, 'failed');
      assert.equal(failed.attempts, WEBHOOK_MAX_ATTEMPTS);
      assert.equal(failed.last_status_code, 503);
      const job = await t.db.kysely
        .selectFrom('jobs')
        .select(['status', 'attempts'])
        .where('handler', '=', DELIVER_JOB)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(job.status, 'failed');

      const list = await (await wentiAdmin.get('/console/webhooks')).text();
      assert.match(list, /1 次推送失败/);
      const page = await (await wentiAdmin.get(`/console/webhooks/${hookId}?failures=1`)).text();
      assert.match(page, /HTTP 503/);
      assert.match(page, /失败/);
      assert.match(page, new RegExp(`/console/webhooks/${hookId}/deliveries/${d.id}/redeliver`));
      assert.doesNotMatch(page, /始终失败的推送/, 'payloads are not shown');

      const res = await wentiAdmin.post(`/console/webhooks/${hookId}/deliveries/${d.id}/redeliver`);
      assert.equal(res.status, 303);
      assert.equal(
        (await wentiAdmin.post(`/console/webhooks/${hookId}/deliveries/${d.id}/redeliver`)).status,
        409,
        'not twice while pending',
      );
      assert.equal(await runner.runDue(t.deps.clock()), 1);
      const again = (await deliveries(hookId)).find((x) => x.id === d.id)!;
      assert.equal(again.status, 'delivered');
      const audit = await t.db.kysely
        .selectFrom('audit_events')
        .select('action')
        .where('action', '=', 'webhook.redeliver')
        .execute();
      assert.equal(audit.length, 1);
    });

    test('a receiver that does not answer in time is recorded as a timeout', async () => {
      rx.setDelay(500);
      try {
        await pub.publish({ title: '超时测试' });
        const d = (await deliveries(hookId)).at(-1)!;
        await assert.rejects(deliver(t.deps, { deliveryId: d.id }, { db: t.db, now, attempt: 1 }, 100), /超时/);
        const row = (await deliveries(hookId)).find((x) => x.id === d.id)!;
        assert.equal(row.status, 'pending');
        assert.match(row.last_error ?? '', /超时：0\.1 秒内没有响应/);
        assert.equal(row.last_status_code, null);
      } finally {
        rx.setDelay(0);
      }
      await runner.runDue(addSeconds(now, 7200));
    });

    test('imported items and other organizations’ items are not pushed to the webhook', async () => {
      const before = (await deliveries(hookId)).length;
      await publishing.importPublished(t.deps, { userId: null, name: 'import', ip: '' }, wentiId, {
        sourceRef: 'hook-import',
        columnId: pub.columnId('policies'),
        title: '导入的信息',
        dateCreated: '2026-01-05',
        publishedAt: '2026-01-06T02:00:00.000Z',
        theme: '综合政务',
        genre: '通知',
        bodyHtml: '<p>x</p>',
      });
      const fagai = await publisherFor(t, 'fagai');
      await fagai.publish({ title: '发改局的信息' });
      assert.equal((await deliveries(hookId)).length, before);
    });

    test('an org admin of another organization can neither see nor change the webhook; an auditor only sees it', async () => {
      const list = await (await fagaiAdmin.get('/console/webhooks')).text();
      assert.ok(!list.includes(rx.url));
      assert.equal((await fagaiAdmin.get(`/console/webhooks/${hookId}`)).status, 403);
      for (const action of ['disable', 'enable', 'delete', 'secret'])
        assert.equal((await fagaiAdmin.post(`/console/webhooks/${hookId}/${action}`)).status, 403, action);
      const d = (await deliveries(hookId))[0];
      assert.equal((await fagaiAdmin.post(`/console/webhooks/${hookId}/deliveries/${d.id}/redeliver`)).status, 403);
      for (const scope of [String(wentiId), 'all']) {
        const res = await postForm(fagaiAdmin, '/console/webhooks', [
          ['url', 'https://example.com/x'],
          ['organization_id', scope],
          ...EVENTS,
        ]);
        assert.equal(res.status, 403, scope);
      }

      const seen = await (await auditor.get('/console/webhooks')).text();
      assert.ok(seen.includes(rx.url));
      const detail = await auditor.get(`/console/webhooks/${hookId}`);
      assert.equal(detail.status, 200);
      assert.doesNotMatch(await detail.text(), /重新推送|停用/);
      assert.equal((await auditor.post(`/console/webhooks/${hookId}/disable`)).status, 403);

      const res = await wentiAdmin.post(`/console/webhooks/${hookId}/disable`);
      assert.equal(res.status, 303);
      assert.match(await (await wentiAdmin.get(`/console/webhooks/${hookId}`)).text(), /已停用/);
      const before = (await deliveries(hookId)).length;
      await pub.publish({ title: '停用后发布' });
      assert.equal((await deliveries(hookId)).length, before, 'a disabled webhook gets nothing');

      assert.equal((await wentiAdmin.post(`/console/webhooks/${hookId}/delete`)).status, 303);
      assert.equal((await wentiAdmin.get(`/console/webhooks/${hookId}`)).status, 404);
      assert.equal((await deliveries(hookId)).length, 0);
    });
  });
}
