import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import pino from 'pino';
import { type Db, openDb } from '../../db/database.js';
import { createTestDb, type TestDb, testEngines } from '../../testing/db.js';
import { ConflictError } from '../errors.js';
import { JobRunner } from '../jobs/jobs.service.js';
import { addSeconds } from '../time.js';
import {
  enqueueMail,
  InvalidMailError,
  listOutbox,
  MailSender,
  mailBackoffSeconds,
  outboxCounts,
  registerMailJob,
  retryMailNow,
} from './mail.service.js';
import { decodeHeader, parseMessage, startSmtpSink } from './smtp-sink.js';

const T0 = new Date('2026-11-25T02:00:00.000Z');
const silent = pino({ level: 'silent' });
const FROM = '湖里区人民政府 <noreply@huli.example.gov.cn>';

let seq = 0;
const addr = (name: string) => `${name}.${++seq}@example.cn`;

/** A port that nothing listens on (it was free a moment ago), for an SMTP server that is down. */
async function freePort(): Promise<number> {
  const s = await startSmtpSink();
  await s.close();
  return s.port;
}

async function statusOf(db: Db, to: string) {
  return db.kysely.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).executeTakeFirstOrThrow();
}

describe('the SMTP sink’s parser', () => {
  test('decodes RFC 2047 words in B and Q encoding, joining a character split across two words', () => {
    assert.equal(decodeHeader('=?UTF-8?Q?=E4=B8=AD=E6=96=87_abc?='), '中文 abc');
    // 中 is E4 B8 AD: split after its first byte.
    assert.equal(decodeHeader('=?UTF-8?B?5A==?= =?UTF-8?B?uK0=?= 公开'), '中 公开');
    assert.equal(decodeHeader('Re: =?gb18030?B?1eO9rQ==?='), 'Re: 浙江');
    assert.equal(decodeHeader('plain'), 'plain');
  });

  test('reads a quoted-printable body with soft line breaks', () => {
    const raw = Buffer.from(
      [
        'From: a@b.cn',
        'To: c@d.cn',
        'Subject: =?UTF-8?Q?=E9=80=9A=E7=9F=A5?=',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'line one =E4=B8=AD=',
        '=E6=96=87 continues',
        'second line',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const m = parseMessage(raw);
    assert.equal(m.subject, '通知');
    assert.equal(m.text, 'line one 中文 continues\nsecond line');
    assert.deepEqual(m.to, ['c@d.cn']);
  });
});

for (const engine of testEngines()) {
  describe(`mail on ${engine}`, () => {
    let db: TestDb;
    let sink: Awaited<ReturnType<typeof startSmtpSink>>;

    before(async () => {
      db = await createTestDb(engine);
      sink = await startSmtpSink();
    });
    after(async () => {
      await sink.close();
      await db.dispose();
    });
    // An empty outbox per test: a drain stops at the first unreachable server, so another test's
    // leftover messages would change which message is tried.
    beforeEach(async () => {
      await db.kysely.deleteFrom('mail_outbox').execute();
    });

    const sender = (opts: { url?: string; maxAttempts?: number; d?: Db } = {}) =>
      new MailSender(opts.d ?? db, {
        smtpUrl: 'url' in opts ? opts.url : sink.url,
        from: FROM,
        logger: silent,
        maxAttempts: opts.maxAttempts,
        timeoutMs: 2000,
      });

    test('a message with a Chinese subject and body reaches the SMTP server and decodes correctly', async () => {
      const to = addr('applicant');
      const subject = '关于《政府信息公开申请》的答复告知书——请于十五个工作日内查收（编号：2026-0001）';
      const text = '张三：\n\n您于2026年11月20日提出的政府信息公开申请已受理。\n.以句点开头的一行\n特此告知。';
      const html = '<p>张三：</p><p>您的申请已受理 &amp; 正在办理。</p>';
      await db.kysely.transaction().execute((trx) => enqueueMail(trx, { to, subject, text, html }, T0));

      assert.deepEqual(await sender().sendDue(T0), { sent: 1, failed: 0 });
      const m = await sink.waitFor((x) => x.to.includes(to));
      assert.equal(m.subject, subject);
      assert.equal(m.text, text);
      assert.equal(m.html, html);
      assert.equal(m.from, FROM);
      const row = await statusOf(db, to);
      assert.equal(row.status, 'sent');
      assert.ok(row.sent_at && row.sent_at >= T0.toISOString());
      assert.equal(row.lease_until, null);
    });

    test('mail written in a transaction that rolls back is never sent', async () => {
      const to = addr('rolledback');
      await assert.rejects(
        db.kysely.transaction().execute(async (trx) => {
          await enqueueMail(trx, { to, subject: '不应发送', text: '回滚' }, T0);
          throw new Error('the caller’s write failed');
        }),
        /write failed/,
      );
      await sender().sendDue(addSeconds(T0, 1));
      assert.ok(!sink.messages.some((m) => m.to.includes(to)));
      assert.equal((await listOutbox(db)).filter((m) => m.to_address === to).length, 0);
    });

    test('an invalid address is refused with a clear error and nothing is queued', async () => {
      await assert.rejects(
        db.kysely
          .transaction()
          .execute((trx) => enqueueMail(trx, { to: 'not-an-address', subject: '主题', text: 'x' }, T0)),
        (err: unknown) =>
          err instanceof InvalidMailError && /invalid recipient address "not-an-address"/.test(err.message),
      );
      await assert.rejects(
        enqueueMail(db.kysely, { to: addr('ok'), subject: 'a\r\nBcc: victim@example.cn', text: 'x' }, T0),
        InvalidMailError,
      );
      assert.equal((await listOutbox(db)).filter((m) => m.to_address === 'not-an-address').length, 0);
    });

    test('while the SMTP server is down mail stays pending, and is delivered once it is up', async () => {
      const port = await freePort();
      const s = sender({ url: `smtp://127.0.0.1:${port}` });
      const first = addr('first');
      const second = addr('second');
      await enqueueMail(db.kysely, { to: first, subject: '第一封', text: '一' }, T0);
      await enqueueMail(db.kysely, { to: second, subject: '第二封', text: '二' }, T0);

      // The server is unreachable: one try fails and the drain stops rather than try every message.
      const t1 = addSeconds(T0, 3600);
      assert.deepEqual(await s.sendDue(t1), { sent: 0, failed: 1 });
      const a = await statusOf(db, first);
      const b = await statusOf(db, second);
      assert.equal(a.status, 'pending');
      assert.equal(a.attempts, 1);
      assert.match(a.last_error ?? '', /ECONNREFUSED|connect/i);
      assert.equal(a.next_attempt_at, addSeconds(t1, mailBackoffSeconds(1)).toISOString());
      assert.equal(b.status, 'pending');
      assert.equal(b.attempts, 0);

      const late = await startSmtpSink({ port });
      try {
        const r1 = await s.sendDue(t1); // the second is due, the first waits for its backoff
        assert.deepEqual(r1, { sent: 1, failed: 0 });
        const r2 = await s.sendDue(addSeconds(t1, 60));
        assert.deepEqual(r2, { sent: 1, failed: 0 });
        await late.waitFor((m) => m.to.includes(first));
        await late.waitFor((m) => m.to.includes(second));
        assert.equal((await statusOf(db, first)).status, 'sent');
        assert.equal((await statusOf(db, first)).last_error, null);
        assert.equal(late.messages.length, 2);
      } finally {
        await late.close();
      }
    });

    test('a message is given up as failed after the maximum number of tries', async () => {
      const port = await freePort();
      const s = sender({ url: `smtp://127.0.0.1:${port}`, maxAttempts: 3 });
      const to = addr('never');
      await enqueueMail(db.kysely, { to, subject: '无法送达', text: 'x' }, T0);
      let t = addSeconds(T0, 7200);
      for (let i = 1; i <= 3; i++) {
        await s.sendDue(t);
        const row = await statusOf(db, to);
        assert.equal(row.attempts, i);
        t = new Date(row.next_attempt_at);
      }
      const row = await statusOf(db, to);
      assert.equal(row.status, 'failed');
      assert.match(row.last_error ?? '', /ECONNREFUSED|connect/i);
      await s.sendDue(addSeconds(t, 86_400));
      assert.equal((await statusOf(db, to)).attempts, 3, 'a failed message is not tried again');
    });

    test('a permanent 5xx rejection fails the message at once', async () => {
      const rejecting = await startSmtpSink({
        rejectRecipient: (a) => (a.startsWith('nobody') ? 'mailbox unavailable' : null),
      });
      try {
        const to = addr('nobody');
        await enqueueMail(db.kysely, { to, subject: '退信', text: 'x' }, T0);
        await sender({ url: rejecting.url }).sendDue(addSeconds(T0, 10_000));
        const row = await statusOf(db, to);
        assert.equal(row.status, 'failed');
        assert.equal(row.attempts, 1);
        assert.match(row.last_error ?? '', /550/);
      } finally {
        await rejecting.close();
      }
    });

    test('without SMTP_URL mail is held in the outbox and the log says so', async () => {
      const lines: string[] = [];
      const logger = pino(
        { level: 'info' },
        new Writable({
          write(chunk, _enc, cb) {
            lines.push(String(chunk));
            cb();
          },
        }),
      );
      const s = new MailSender(db, { from: FROM, logger });
      assert.equal(s.configured, false);
      const to = addr('held');
      await enqueueMail(db.kysely, { to, subject: '暂存', text: 'x' }, T0);
      assert.deepEqual(await s.sendDue(addSeconds(T0, 20_000)), { sent: 0, failed: 0 });
      assert.equal((await statusOf(db, to)).status, 'pending');
      assert.equal((await statusOf(db, to)).attempts, 0);
      assert.ok(lines.some((l) => /held in the outbox/.test(l)));
      // Delivered as soon as a server is configured.
      await sender().sendDue(addSeconds(T0, 20_000));
      await sink.waitFor((m) => m.to.includes(to));
    });

    test('two senders draining the same outbox send each message exactly once', async () => {
      const other = engine === 'postgres' ? openDb(db.url, { poolSize: 3 }) : db;
      try {
        const tos = Array.from({ length: 12 }, () => addr('race'));
        for (const to of tos) await enqueueMail(db.kysely, { to, subject: '并发', text: 'x' }, T0);
        const t = addSeconds(T0, 30_000);
        const a = sender();
        const b = sender({ d: other });
        await Promise.all([a.sendDue(t), b.sendDue(t)]);
        for (const to of tos) {
          assert.equal(sink.messages.filter((m) => m.to.includes(to)).length, 1, `${to} delivered once`);
          assert.equal((await statusOf(db, to)).status, 'sent');
        }
      } finally {
        if (other !== db) await other.close();
      }
    });

    test('the mail.send job drains the outbox through the job runner', async () => {
      const runner = new JobRunner(db, { clock: () => addSeconds(T0, 40_000) });
      await registerMailJob(runner, sender());
      const to = addr('byjob');
      await enqueueMail(db.kysely, { to, subject: '任务发送', text: 'x' }, T0);
      assert.equal(await runner.runDue(addSeconds(T0, 40_000)), 1);
      await sink.waitFor((m) => m.to.includes(to));
      const job = await db.kysely
        .selectFrom('jobs')
        .selectAll()
        .where('name', '=', 'mail.send')
        .executeTakeFirstOrThrow();
      assert.equal(job.interval_seconds, 15);
      assert.equal(job.run_at, addSeconds(T0, 40_015).toISOString());
    });

    test('the console list never carries bodies; retry now is audited and refused for sent mail', async () => {
      const to = addr('console');
      const id = await enqueueMail(db.kysely, { to, subject: '机密正文', text: '正文内容', html: '<p>正文</p>' }, T0);
      const listed = (await listOutbox(db)).find((m) => m.id === id);
      assert.ok(listed);
      assert.equal(listed.subject, '机密正文');
      assert.ok(!('text_body' in listed) && !('html_body' in listed));
      assert.ok((await outboxCounts(db)).pending >= 1);

      await db.kysely
        .updateTable('mail_outbox')
        .set({ status: 'failed', attempts: 8, last_error: '550' })
        .where('id', '=', id)
        .execute();
      const actor = { userId: null, name: '系统管理员', ip: '10.0.0.2' };
      const t = addSeconds(T0, 50_000);
      await retryMailNow(db, actor, id, t);
      const row = await statusOf(db, to);
      assert.equal(row.status, 'pending');
      assert.equal(row.attempts, 0);
      assert.equal(row.next_attempt_at, t.toISOString());
      const audit = await db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'mail.retry')
        .where('entity_id', '=', String(id))
        .executeTakeFirst();
      assert.equal(audit?.actor_name, '系统管理员');

      await sender().sendDue(t);
      assert.equal((await statusOf(db, to)).status, 'sent');
      await assert.rejects(retryMailNow(db, actor, id, t), ConflictError);
    });
  });
}
