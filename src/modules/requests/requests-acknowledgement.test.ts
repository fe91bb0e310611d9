import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { createTestApp, type StaffUser, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import {
  application,
  docxDocumentXml,
  insertGrantedStaff,
  insertOrganization,
  postMultipart,
} from '../../testing/requests.js';

// The acknowledgement (受理回执) of a request the office registers: the tracking number and the query code
// shown once, printable, as PDF and Word from the code posted back; and the reissue of a lost code.

const codeIn = (html: string) => /id="query-code">([^<]+)</.exec(html)?.[1] ?? '';
const trackingIn = (html: string) => /id="tracking-number">([^<]+)</.exec(html)?.[1] ?? '';

for (const engine of testEngines()) {
  describe(`request acknowledgement and query-code reissue (${engine})`, () => {
    let t: TestApp;
    let officer: TestClient;
    let stranger: TestClient;
    let drafter: TestClient;
    const users: Record<string, StaffUser> = {};
    const logLines: string[] = [];
    const setCookies: string[] = [];
    let id = 0;
    let tracking = '';
    let firstCode = '';
    let secondCode = '';

    const lookup = async (code: string) =>
      (await new TestClient(t.app).post('/requests/status', { trackingNumber: tracking, queryCode: code })).status;

    before(async () => {
      t = await createTestApp(engine);
      t.deps.logger = pino(
        { level: 'trace' },
        new Writable({
          write(chunk, _enc, cb) {
            logLines.push(String(chunk));
            cb();
          },
        }),
      );
      t.setNow(new Date('2025-03-03T02:00:00Z')); // Monday
      const root = await insertOrganization(t.db.kysely, { slug: 'huli', name: '湖里区人民政府' });
      const other = await insertOrganization(t.db.kysely, { slug: 'other', name: '思明区人民政府' });
      users.officer = await insertGrantedStaff(t, 'officer', 'disclosure_officer', root);
      users.stranger = await insertGrantedStaff(t, 'stranger', 'disclosure_officer', other);
      users.drafter = await insertGrantedStaff(t, 'drafter', 'drafter', root);
      officer = await signedInClient(t, users.officer);
      stranger = await signedInClient(t, users.stranger);
      drafter = await signedInClient(t, users.drafter);
    });
    after(() => t.dispose());

    test('registering a paper request answers with the acknowledgement, showing the code once', async () => {
      const res = await postMultipart(
        officer,
        '/console/requests/new/attachments',
        application({ channel: 'post', receivedOn: '2025-02-28', organization: 'huli' }),
      );
      const html = await res.text();
      assert.equal(res.status, 200, html.slice(0, 400));
      setCookies.push(...res.headers.getSetCookie());
      assert.match(res.headers.get('cache-control') ?? '', /no-store/);
      tracking = trackingIn(html);
      firstCode = codeIn(html);
      assert.match(tracking, /^2025-\d{6}$/);
      assert.match(firstCode, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
      assert.match(html, /政府信息公开申请受理回执/);
      assert.match(html, /以邮寄方式提交的，以行政机关签收之日为收到申请之日/);
      assert.match(html, /id="due-on">2025-03-28</, '20 working days from the day after 2025-02-28');
      assert.match(html, /张\*\*/, 'the applicant is named masked');
      assert.ok(!html.includes('张三丰'));
      assert.match(html, /data-print="1"/, 'a print button');
      assert.match(html, /acknowledgement\.pdf/);
      id = (
        await t.db.kysely
          .selectFrom('requests')
          .select('id')
          .where('tracking_number', '=', tracking)
          .executeTakeFirstOrThrow()
      ).id;
      assert.equal(await lookup(firstCode), 303, 'the code opens the status page');
    });

    test('the acknowledgement downloads as PDF and Word for the right code only', async () => {
      const pdf = await officer.post(`/console/requests/${id}/acknowledgement.pdf`, { queryCode: firstCode });
      assert.equal(pdf.status, 200);
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      assert.match(pdf.headers.get('content-disposition') ?? '', /attachment/);
      assert.equal(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
        '%PDF-',
      );
      const docx = await officer.post(`/console/requests/${id}/acknowledgement.docx`, {
        queryCode: firstCode.toLowerCase(),
      });
      assert.equal(docx.status, 200);
      const xml = docxDocumentXml(Buffer.from(await docx.arrayBuffer()));
      assert.match(xml, /政府信息公开申请受理回执/);
      assert.ok(xml.includes(firstCode), 'the code is printed on the acknowledgement');
      assert.ok(xml.includes(tracking));
      assert.match(xml, /2025年3月28日前/);
      const wrong = await officer.post(`/console/requests/${id}/acknowledgement.pdf`, { queryCode: 'AAAAA-AAAAA' });
      assert.equal(wrong.status, 422);
      assert.match(await wrong.text(), /查询码不正确或已失效/);
      assert.equal(
        (await stranger.post(`/console/requests/${id}/acknowledgement.pdf`, { queryCode: firstCode })).status,
        403,
        'not another organization’s officer',
      );
      assert.equal(
        (await drafter.post(`/console/requests/${id}/acknowledgement.pdf`, { queryCode: firstCode })).status,
        403,
      );
    });

    test('a new query code replaces the old one, audited and mailed without the code', async () => {
      t.setNow(new Date('2025-03-10T02:00:00Z'));
      // Sessions end when idle: sign everyone in again after moving the clock.
      officer = await signedInClient(t, users.officer);
      stranger = await signedInClient(t, users.stranger);
      drafter = await signedInClient(t, users.drafter);
      assert.equal((await drafter.post(`/console/requests/${id}/query-code`)).status, 403);
      assert.equal((await stranger.post(`/console/requests/${id}/query-code`)).status, 403);
      const page = await (await officer.get(`/console/requests/${id}`)).text();
      assert.match(page, /action="\/console\/requests\/\d+\/query-code"/, 'the request page offers the reissue');
      assert.ok(!page.includes(firstCode), 'the request page never shows the code');
      const res = await officer.post(`/console/requests/${id}/query-code`);
      const html = await res.text();
      assert.equal(res.status, 200);
      setCookies.push(...res.headers.getSetCookie());
      secondCode = codeIn(html);
      assert.match(secondCode, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
      assert.notEqual(secondCode, firstCode);
      assert.match(html, /已重新生成查询码，原查询码已失效/);
      assert.equal(await lookup(firstCode), 422, 'the old code stops working');
      assert.equal(await lookup(secondCode), 303, 'the new one works');
      const stale = await officer.post(`/console/requests/${id}/acknowledgement.pdf`, { queryCode: firstCode });
      assert.equal(stale.status, 422, 'no acknowledgement for the old code');
      const docx = await officer.post(`/console/requests/${id}/acknowledgement.docx`, { queryCode: secondCode });
      assert.match(docxDocumentXml(Buffer.from(await docx.arrayBuffer())), /2025年3月10日重新生成/);

      const audit = await t.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'request.reissue_query_code')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(String(audit[0].entity_id), String(id));
      const events = await t.db.kysely
        .selectFrom('request_events')
        .selectAll()
        .where('request_id', '=', id)
        .where('kind', '=', 'query_code_reissued')
        .execute();
      assert.equal(events.length, 1);
      const mail = await t.db.kysely
        .selectFrom('mail_outbox')
        .selectAll()
        .where('subject', 'like', '%查询码已重新生成%')
        .execute();
      assert.equal(mail.length, 1);
      assert.equal(mail[0].to_address, 'zhang@example.test');
      // The applicant sees the reissue in the status page's timeline.
      const citizen = new TestClient(t.app);
      await citizen.post('/requests/status', { trackingNumber: tracking, queryCode: secondCode });
      assert.match(await (await citizen.get('/requests/status/view')).text(), /重新生成查询码/);
    });

    test('posting the same registration form again (a reload of the acknowledgement) registers nothing new', async () => {
      const form = await (await officer.get('/console/requests/new')).text();
      const submissionId = /name="submissionId" value="([^"]+)"/.exec(form)?.[1] ?? '';
      assert.match(submissionId, /^[A-Za-z0-9_-]{16,64}$/, 'each form carries a one-time submission id');
      const fields = application({
        channel: 'in_person',
        receivedOn: '2025-03-10',
        organization: 'huli',
        description: '重复提交测试：某道路养护合同',
        submissionId,
      });
      const first = await postMultipart(officer, '/console/requests/new/attachments', fields);
      assert.equal(first.status, 200);
      const firstHtml = await first.text();
      setCookies.push(...first.headers.getSetCookie());
      const again = await postMultipart(officer, '/console/requests/new/attachments', fields);
      assert.equal(again.status, 303);
      setCookies.push(...again.headers.getSetCookie());
      const rows = await t.db.kysely
        .selectFrom('requests')
        .select(['id', 'tracking_number'])
        .where('description', '=', '重复提交测试：某道路养护合同')
        .execute();
      assert.equal(rows.length, 1, 'registered once');
      assert.equal(again.headers.get('location'), `/console/requests/${rows[0].id}`);
      assert.equal(trackingIn(firstHtml), rows[0].tracking_number);
      const page = await (await officer.get(`/console/requests/${rows[0].id}`)).text();
      assert.match(page, /该申请已经登记（受理编号 \d{4}-\d{6}），未重复登记/);
      assert.ok(!page.includes(codeIn(firstHtml)), 'the code is not shown again');
      const stored = await t.db.kysely
        .selectFrom('requests')
        .select('submission_id')
        .where('id', '=', rows[0].id)
        .executeTakeFirstOrThrow();
      assert.equal(stored.submission_id, submissionId, 'kept with the request, so any server finds it');
    });

    test('the same form posted twice at once (a double click) registers one request', async () => {
      const form = await (await officer.get('/console/requests/new')).text();
      const submissionId = /name="submissionId" value="([^"]+)"/.exec(form)?.[1] ?? '';
      const fields = application({
        channel: 'in_person',
        receivedOn: '2025-03-10',
        organization: 'huli',
        description: '双击提交测试：某公园改造工程验收报告',
        submissionId,
      });
      const answers = await Promise.all([
        postMultipart(officer, '/console/requests/new/attachments', fields),
        postMultipart(officer, '/console/requests/new/attachments', fields),
      ]);
      for (const a of answers) setCookies.push(...a.headers.getSetCookie());
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 303]);
      const rows = await t.db.kysely
        .selectFrom('requests')
        .select('id')
        .where('description', '=', '双击提交测试：某公园改造工程验收报告')
        .execute();
      assert.equal(rows.length, 1, 'registered once');
      assert.equal(answers.find((a) => a.status === 303)?.headers.get('location'), `/console/requests/${rows[0].id}`);
      // A form without a submission id (an old page) still registers; it is not a duplicate of anything.
      const plain = await postMultipart(
        officer,
        '/console/requests/new/attachments',
        application({
          channel: 'in_person',
          receivedOn: '2025-03-10',
          organization: 'huli',
          description: '无编号的表单',
        }),
      );
      assert.equal(plain.status, 200);
      setCookies.push(...plain.headers.getSetCookie());
    });

    test('no code in the database, an audit event, a mail, a cookie or a log line', async () => {
      const codes = [firstCode, secondCode].filter(Boolean);
      assert.equal(codes.length, 2);
      const bare = codes.flatMap((c) => [c, c.replace('-', '')]);
      const dump = JSON.stringify([
        await t.db.kysely.selectFrom('requests').selectAll().execute(),
        await t.db.kysely.selectFrom('request_events').selectAll().execute(),
        await t.db.kysely.selectFrom('audit_events').selectAll().execute(),
        await t.db.kysely.selectFrom('mail_outbox').selectAll().execute(),
      ]);
      assert.ok(logLines.length > 5, 'requests were logged');
      for (const c of bare) {
        assert.ok(!dump.includes(c), 'the code is not stored anywhere');
        assert.ok(!setCookies.some((s) => decodeURIComponent(s).includes(c)), 'the code is in no cookie');
        assert.ok(!logLines.some((l) => l.includes(c)), 'the code is in no log line');
      }
    });
  });
}
