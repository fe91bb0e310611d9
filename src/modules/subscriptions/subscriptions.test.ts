import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { JobRunner } from '../../platform/jobs/jobs.service.js';
import { MailSender } from '../../platform/mail/mail.service.js';
import { type SinkMessage, type SmtpSink, startSmtpSink } from '../../platform/mail/smtp-sink.js';
import { createTestApp, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import * as publishing from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';
import { maskEmail, NOTIFY_JOB, registerSubscriptionJobs } from './subscriptions.service.js';
import { type Publisher, publisherFor } from './test-support.js';

test('addresses are masked to their first characters and domain', () => {
  assert.equal(maskEmail('zhangsan@example.com'), 'zh***@example.com');
  assert.equal(maskEmail('ab@example.com'), 'a***@example.com');
  assert.equal(maskEmail('x@example.com'), 'x***@example.com');
});

const ORG = '厦门市湖里区文体出版旅游局';
const confirmLink = (m: SinkMessage) => {
  const x = /http:\/\/gk\.test(\/subscriptions\/confirm\?token=[A-Za-z0-9_-]+)/.exec(m.text);
  assert.ok(x, `no confirmation link in: ${m.text}`);
  return x[1];
};
const unsubscribeLink = (m: SinkMessage) => {
  const x = /退订：http:\/\/gk\.test(\/subscriptions\/unsubscribe\?token=[0-9]+\.[A-Za-z0-9_-]+)/.exec(m.text);
  assert.ok(x, `no unsubscribe link in: ${m.text}`);
  return x[1];
};
const tokenOf = (path: string) => new URL(path, 'http://gk.test').searchParams.get('token')!;

for (const engine of testEngines()) {
  describe(`email subscriptions (${engine})`, () => {
    let t: TestApp;
    let sink: SmtpSink;
    let sender: MailSender;
    let runner: JobRunner;
    let pub: Publisher;
    let client: TestClient;
    let policies: number;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      sink = await startSmtpSink();
      sender = new MailSender(t.db, {
        smtpUrl: sink.url,
        from: 'gongkai <noreply@gk.test>',
        logger: pino({ level: 'silent' }),
        timeoutMs: 2000,
      });
      runner = new JobRunner(t.db, { clock: t.deps.clock });
      registerSubscriptionJobs(runner, t.deps);
      pub = await publisherFor(t, 'wenti');
      policies = pub.columnId('policies');
      client = new TestClient(t.app);
    });
    after(async () => {
      sender.close();
      await sink.close();
      await t.dispose();
    });

    /** Runs the due jobs and drains the outbox, as the server's runner would. */
    const flush = async () => {
      while ((await runner.runDue(t.deps.clock())) > 0) {}
      for (;;) {
        const r = await sender.sendDue(t.deps.clock());
        if (r.sent + r.failed === 0) break;
      }
    };
    const mailsTo = (addr: string) => sink.messages.filter((m) => m.to.includes(addr));
    const subscribe = (email: string, scope: string) =>
      client.post('/org/wenti/subscribe', { email, scope }).then((r) => {
        assert.equal(r.status, 303);
        assert.equal(r.headers.get('location'), '/org/wenti/subscribe/sent');
      });
    const confirmFromMail = async (addr: string) => {
      await flush();
      const mail = [...mailsTo(addr)].reverse().find((m) => m.subject.includes('请确认'));
      assert.ok(mail, `a confirmation mail to ${addr}`);
      const path = confirmLink(mail);
      const res = await client.post('/subscriptions/confirm', { token: tokenOf(path) });
      assert.equal(res.status, 303);
      return path;
    };

    test('the form re-renders with Chinese errors beside the fields, keeping what was typed', async () => {
      const page = await client.get('/org/wenti/subscribe?column=policies');
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /name="_csrf"/);
      assert.match(html, new RegExp(`<option value="column:${policies}" selected`));

      const bad = await client.post('/org/wenti/subscribe', { email: 'not-an-address', scope: `column:${policies}` });
      assert.equal(bad.status, 422);
      const b = await bad.text();
      assert.match(b, /class="error-summary"/);
      assert.match(b, /id="email-error"[^>]*>.*电子邮箱地址格式不正确/s);
      assert.match(b, /value="not-an-address"/);
      assert.match(b, new RegExp(`<option value="column:${policies}" selected`));

      const empty = await (await client.post('/org/wenti/subscribe', { email: '', scope: 'organization' })).text();
      assert.match(empty, /请填写电子邮箱地址/);
      const scope = await client.post('/org/wenti/subscribe', { email: 'a@example.com', scope: 'column:999999' });
      assert.equal(scope.status, 422);
      assert.match(await scope.text(), /请选择本机构的一个信息栏目/);
      const forged = await client.post(
        '/org/wenti/subscribe',
        { email: 'a@example.com', scope: 'organization' },
        { csrf: 'forged' },
      );
      assert.equal(forged.status, 403);
      assert.equal(await t.db.kysely.selectFrom('subscriptions').select('id').executeTakeFirst(), undefined);
    });

    test('double opt-in: nothing is sent until the link in the confirmation mail is used; then publications are', async () => {
      const addr = 'zhangsan@example.com';
      await subscribe('ZhangSan@Example.com ', `column:${policies}`);
      await flush();
      const [confirmation] = mailsTo(addr);
      assert.ok(confirmation);
      assert.equal(confirmation.subject, `【${ORG}】请确认订阅信息更新`);
      const path = confirmLink(confirmation);
      const token = tokenOf(path);
      const row = await t.db.kysely
        .selectFrom('subscriptions')
        .selectAll()
        .where('email', '=', addr)
        .executeTakeFirstOrThrow();
      assert.equal(row.confirmed_at, null);
      assert.match(row.token_hash, /^[0-9a-f]{64}$/);
      assert.notEqual(row.token_hash, token, 'only a hash of the token is stored');

      await pub.publish({ title: '确认之前发布的政策' });
      await flush();
      assert.equal(mailsTo(addr).length, 1, 'no notification before confirmation');

      const page = await client.get(path);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /zh\*\*\*@example\.com/);
      assert.doesNotMatch(html, /zhangsan@example\.com/i);
      assert.match(html, /政策文件/);
      const confirmed = await client.post('/subscriptions/confirm', { token });
      assert.equal(confirmed.status, 303);
      assert.equal(confirmed.headers.get('location'), '/subscriptions/confirmed?org=wenti');
      assert.equal((await client.get('/subscriptions/confirmed?org=wenti')).status, 200);
      assert.equal((await client.get(path)).status, 404, 'the link works once');
      assert.equal((await client.post('/subscriptions/confirm', { token })).status, 404);

      const id = await pub.publish({ title: '关于文化产业扶持的通知', summary: '明确扶持对象和申报程序。' });
      await flush();
      const note = mailsTo(addr).find((m) => m.subject === `【${ORG}】新发布：关于文化产业扶持的通知`);
      assert.ok(note, 'the publication is mailed');
      assert.match(note.text, /标题：关于文化产业扶持的通知/);
      assert.match(note.text, /发布日期：2026-11-25/);
      assert.match(note.text, /内容概述：明确扶持对象和申报程序。/);
      assert.ok(note.text.includes(`http://gk.test/org/wenti/items/${id}`));
      unsubscribeLink(note);
      assert.equal(mailsTo(addr).length, 2);
    });

    test('subscribing twice does not duplicate, and an address subscribed twice over gets one mail', async () => {
      const addr = 'lisi@example.com';
      await subscribe(addr, 'organization');
      await confirmFromMail(addr);
      await subscribe(addr, 'organization');
      await flush();
      const rows = await t.db.kysely.selectFrom('subscriptions').selectAll().where('email', '=', addr).execute();
      assert.equal(rows.length, 1);
      assert.ok(rows[0].confirmed_at, 'still confirmed');
      assert.ok(mailsTo(addr).some((m) => m.subject === `【${ORG}】您已订阅信息更新`));

      await subscribe(addr, `column:${policies}`);
      await confirmFromMail(addr);
      const before = mailsTo(addr).length;
      await pub.publish({ title: '订阅了两次的人只收到一封' });
      await flush();
      const got = mailsTo(addr).slice(before);
      assert.equal(got.length, 1);
      assert.match(got[0].subject, /新发布：订阅了两次的人只收到一封/);
    });

    test('minor revisions notify nobody; major revisions and withdrawals do', async () => {
      const addr = 'wangwu@example.com';
      await subscribe(addr, `column:${policies}`);
      await confirmFromMail(addr);
      const id = await pub.publish({ title: '修订测试政策' });
      await flush();
      const n0 = mailsTo(addr).length;
      await pub.revise(id, 'minor');
      await flush();
      assert.equal(mailsTo(addr).length, n0, 'a typo fix is not mailed');
      await pub.revise(id, 'major');
      await flush();
      const upd = mailsTo(addr).slice(n0);
      assert.equal(upd.length, 1);
      assert.equal(upd[0].subject, `【${ORG}】更新：修订测试政策`);
      assert.match(upd[0].text, /修订说明：调整了申报条件和截止日期。/);
      await pub.withdraw(id, 'outdated', '该政策已废止，不再执行。');
      await flush();
      const w = mailsTo(addr).slice(n0 + 1);
      assert.equal(w.length, 1);
      assert.equal(w[0].subject, `【${ORG}】撤回：修订测试政策`);
      assert.match(w[0].text, /撤回原因：已过时/);
      assert.match(w[0].text, /撤回说明：该政策已废止，不再执行。/);
    });

    test('the unsubscribe link stops notifications; subscribing again needs a new confirmation', async () => {
      const addr = 'zhaoliu@example.com';
      await subscribe(addr, 'organization');
      await confirmFromMail(addr);
      await pub.publish({ title: '退订之前' });
      await flush();
      const note = [...mailsTo(addr)].reverse().find((m) => m.subject.includes('退订之前'));
      assert.ok(note);
      const link = unsubscribeLink(note);
      const page = await client.get(link);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /确认退订/);
      assert.doesNotMatch(html, /zhaoliu/);
      assert.equal((await client.get(`${link}x`)).status, 404, 'a tampered token is refused');
      const res = await client.post('/subscriptions/unsubscribe', { token: tokenOf(link) });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/subscriptions/unsubscribed?org=wenti');

      const n = mailsTo(addr).length;
      await pub.publish({ title: '退订之后' });
      await flush();
      assert.equal(mailsTo(addr).length, n, 'nothing after unsubscribing');

      await subscribe(addr, 'organization');
      await flush();
      assert.equal(mailsTo(addr).length, n + 1, 'only the confirmation');
      await pub.publish({ title: '重新订阅但未确认' });
      await flush();
      assert.equal(mailsTo(addr).length, n + 1);
      await confirmFromMail(addr);
      await pub.publish({ title: '重新订阅之后' });
      await flush();
      assert.ok(mailsTo(addr).some((m) => m.subject.includes('重新订阅之后')));
      assert.ok(!mailsTo(addr).some((m) => m.subject.includes('重新订阅但未确认')));
      const rows = await t.db.kysely.selectFrom('subscriptions').select('id').where('email', '=', addr).execute();
      assert.equal(rows.length, 1);
    });

    test('notifications carry List-Unsubscribe headers whose one-click POST (RFC 8058) unsubscribes without a cookie', async () => {
      const addr = 'oneclick@example.com';
      await subscribe(addr, 'organization');
      await confirmFromMail(addr);
      await pub.publish({ title: '一键退订之前' });
      await flush();
      const note = [...mailsTo(addr)].reverse().find((m) => m.subject.includes('一键退订之前'));
      assert.ok(note);
      assert.equal(note.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
      const x = /^<http:\/\/gk\.test(\/subscriptions\/one-click\?token=[0-9]+\.[A-Za-z0-9_-]+)>$/.exec(
        note.headers['list-unsubscribe'] ?? '',
      );
      assert.ok(x, `List-Unsubscribe: ${note.headers['list-unsubscribe']}`);
      const oneClick = x[1]!;
      // A mail client posts from nowhere: no CSRF cookie, no token field.
      const post = (path: string, body: string) =>
        t.app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
      assert.equal((await post(oneClick, 'something=else')).status, 400, 'the RFC 8058 body is required');
      assert.equal((await post(`${oneClick}x`, 'List-Unsubscribe=One-Click')).status, 404, 'a tampered token');
      assert.equal((await post(oneClick, 'List-Unsubscribe=One-Click')).status, 200);
      const opened = await client.get(oneClick);
      assert.equal(opened.status, 303, 'a browser opening the address goes to the unsubscribe page');
      const n = mailsTo(addr).length;
      await pub.publish({ title: '一键退订之后' });
      await flush();
      assert.equal(mailsTo(addr).length, n, 'nothing after the one-click unsubscribe');
      // Confirmation mails are not list mail: they have no unsubscribe header.
      const confirmation = mailsTo(addr).find((m) => m.subject.includes('请确认'));
      assert.equal(confirmation?.headers['list-unsubscribe'], undefined);
    });

    test('an address has one subscription row per scope, enforced by the database', async () => {
      const ts = new Date().toISOString();
      const row = {
        email: 'unique@example.com',
        scope: 'organization',
        scope_id: 1,
        confirmed_at: null,
        unsubscribed_at: null,
        created_at: ts,
        updated_at: ts,
      };
      await t.db.kysely
        .insertInto('subscriptions')
        .values({ ...row, token_hash: 'unique-a' })
        .execute();
      await assert.rejects(
        t.db.kysely
          .insertInto('subscriptions')
          .values({ ...row, token_hash: 'unique-b' })
          .execute(),
      );
    });

    test('imported items notify nobody', async () => {
      const before = sink.messages.length;
      await publishing.importPublished(t.deps, { userId: null, name: 'import', ip: '' }, pub.orgId, {
        sourceRef: 'import-no-mail',
        columnId: policies,
        title: '导入的历史信息',
        dateCreated: '2026-01-05',
        publishedAt: '2026-01-06T02:00:00.000Z',
        theme: '综合政务',
        genre: '通知',
        bodyHtml: '<p>x</p>',
      });
      await flush();
      assert.equal(sink.messages.length, before);
      const jobs = await t.db.kysely.selectFrom('jobs').select('payload').where('handler', '=', NOTIFY_JOB).execute();
      const item = await t.db.kysely
        .selectFrom('items')
        .select('id')
        .where('source_ref', '=', 'import-no-mail')
        .executeTakeFirstOrThrow();
      assert.ok(!jobs.some((j) => JSON.parse(j.payload).itemId === item.id));
    });
  });
}
