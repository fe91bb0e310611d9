import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { residentIdCheckChar } from '../../platform/identity/identity.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { application as baseApplication, insertOrganization, postMultipart } from '../../testing/requests.js';
import { checkChallenge, newChallenge } from './requests.privacy.js';

// The public form, the status page, the API and the console, through HTTP on both engines; and the privacy
// rule: a seeded identity number appears in no public page, API answer or log line.

const ID_BODY = '35020319800101123';
const SEEDED_ID = ID_BODY + residentIdCheckChar(ID_BODY);
const PHONE = '13905921234';
const NUMS = '零一二三四五六七八九十';
const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** Answers the form's arithmetic question, as a person would. */
function solve(html: string): { token: string; answer: string } {
  const q = /验证问题：([零一二三四五六七八九十])([加减])([零一二三四五六七八九十])等于几/.exec(html);
  const t = /name="challengeToken" value="([^"]+)"/.exec(html);
  assert.ok(q && t, 'the form carries a challenge');
  const a = NUMS.indexOf(q[1]);
  const b = NUMS.indexOf(q[3]);
  return { token: t[1], answer: String(q[2] === '加' ? a + b : a - b) };
}

const application = (over: Record<string, string> = {}) =>
  baseApplication({ idNumber: SEEDED_ID, phone: PHONE, purpose: '了解工程进度', ...over });
const multipart = postMultipart;

describe('the form challenge', () => {
  test('accepts the right answer before expiry only', () => {
    const now = new Date('2026-03-02T02:00:00Z');
    const ch = newChallenge('s'.repeat(40), now);
    const html = `验证问题：${ch.question} <input name="challengeToken" value="${ch.token}">`;
    const { answer } = solve(html);
    assert.equal(checkChallenge('s'.repeat(40), ch.token, answer, now), 'ok');
    assert.equal(checkChallenge('s'.repeat(40), ch.token, String(Number(answer) + 1), now), 'wrong');
    assert.equal(checkChallenge('t'.repeat(40), ch.token, answer, now), 'wrong');
    assert.equal(checkChallenge('s'.repeat(40), ch.token, answer, new Date(now.getTime() + 31 * 60_000)), 'expired');
  });
});

for (const engine of testEngines()) {
  describe(`information requests over HTTP (${engine})`, () => {
    let t: TestApp;
    let orgId: number;
    const logLines: string[] = [];
    const publicBodies: { where: string; body: string }[] = [];
    let officer: TestClient;
    let officer2: TestClient;
    let head: TestClient;
    let officerId: number;
    const users: Record<string, Awaited<ReturnType<typeof insertStaff>>> = {};
    /** Moves the clock and signs the staff in again (sessions expire when idle). */
    const moveTo = async (iso: string) => {
      t.setNow(new Date(iso));
      officer = await signedInClient(t, users.officer);
      officer2 = await signedInClient(t, users.officer2);
      head = await signedInClient(t, users.head);
    };
    let tracking = '';
    let code = '';
    let requestId = 0;

    const record = async (where: string, res: Response) => {
      const body = await res.text();
      publicBodies.push({ where, body });
      return body;
    };

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
      orgId = await insertOrganization(t.db.kysely, { code: 'R0', slug: 'huli', name: '湖里区人民政府' });
      await insertOrganization(t.db.kysely, { code: 'R1', slug: 'env', name: '湖里区生态环境局', parentId: orgId });
      users.officer = await insertStaff(t, 'officer', [{ role: 'disclosure_officer', organizationId: orgId }]);
      officerId = users.officer.id;
      users.officer2 = await insertStaff(t, 'officer2', [{ role: 'disclosure_officer', organizationId: orgId }]);
      users.head = await insertStaff(t, 'head', [{ role: 'org_admin', organizationId: orgId }]);
      await moveTo('2025-01-20T02:00:00Z'); // Monday, before the 2025 Spring Festival
    });
    after(() => t.dispose());

    test('the form shows errors beside each field and keeps what was typed', async () => {
      const citizen = new TestClient(t.app);
      const form = await record('form', await citizen.get('/requests/new'));
      const { token } = solve(form);
      const res = await multipart(
        citizen,
        '/requests/new/uploads',
        application({ idNumber: `${ID_BODY}0`, challengeToken: token, challenge: '99', description: '' }),
      );
      assert.equal(res.status, 422);
      const html = await record('form errors', res);
      assert.match(html, /身份证号码校验位不正确/);
      assert.match(html, /请填写所需信息的内容描述/);
      assert.match(html, /验证问题的答案不正确/);
      assert.match(html, /id="idNumber-error"/);
      assert.match(html, /value="张三丰"/, 'the name typed is kept');
      assert.match(html, /value="13905921234"/);
    });

    test('a citizen applies online and gets a tracking number and a query code shown once', async () => {
      const citizen = new TestClient(t.app);
      const { token, answer } = solve(await record('form', await citizen.get('/requests/new')));
      const res = await multipart(
        citizen,
        '/requests/new/uploads',
        application({ organization: String(orgId), challengeToken: token, challenge: answer }),
        [{ name: '身份证明.pdf', bytes: PDF }],
      );
      const html = await record('submitted', res);
      assert.equal(res.status, 200, html.slice(0, 500));
      tracking = /id="tracking-number">([^<]+)</.exec(html)?.[1] ?? '';
      code = /id="query-code">([^<]+)</.exec(html)?.[1] ?? '';
      assert.match(tracking, /^2025-\d{6}$/);
      assert.match(code, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
      assert.match(html, /2025-02-21/, 'due in 20 working days, Spring Festival skipped');
      const row = await t.db.kysely
        .selectFrom('requests')
        .selectAll()
        .where('tracking_number', '=', tracking)
        .executeTakeFirstOrThrow();
      requestId = row.id;
      assert.equal(row.id_masked, `3502**********${SEEDED_ID.slice(-4)}`);
      assert.ok(!JSON.stringify(row).includes(SEEDED_ID), 'the number is stored only encrypted');
      assert.ok(!JSON.stringify(row).includes(PHONE));
      assert.ok(!JSON.stringify(row).includes(code), 'the query code is not stored');
      assert.match(row.id_number_enc ?? '', /^v1:s1:/);
      const files = await t.db.kysely
        .selectFrom('request_files')
        .selectAll()
        .where('request_id', '=', row.id)
        .execute();
      assert.equal(files.length, 1);
      const mail = await t.db.kysely.selectFrom('mail_outbox').selectAll().execute();
      assert.ok(mail.some((m) => m.to_address === 'zhang@example.test' && m.subject.includes(tracking)));
      assert.ok(!mail.some((m) => m.text_body.includes(code)), 'the query code is not mailed');
    });

    test('the status page needs the right query code and explains the due date', async () => {
      const c = new TestClient(t.app);
      await record('lookup', await c.get('/requests/status'));
      const wrong = await c.post('/requests/status', { trackingNumber: tracking, queryCode: 'AAAAA-AAAAA' });
      assert.equal(wrong.status, 422);
      assert.match(await record('lookup wrong', wrong), /受理编号或查询码不正确/);
      const ok = await c.post('/requests/status', { trackingNumber: tracking, queryCode: code.toLowerCase() });
      assert.equal(ok.status, 303);
      const page = await record('status', await c.get('/requests/status/view'));
      assert.match(page, /id="due-on">2025-02-21/);
      assert.match(page, /不计春节假期 8 天/);
      assert.match(page, /计入调休上班日 2025年1月26日、2025年2月8日/);
      assert.doesNotMatch(page, /张三丰/, 'the status page repeats no personal data');
    });

    test('the API answers the status with the query code in a header or parameter, 404 otherwise', async () => {
      const c = new TestClient(t.app);
      const res = await c.request(`/api/v1/requests/${tracking}`, { headers: { 'X-Query-Code': code } });
      const body = await record('api get', res);
      assert.equal(res.status, 200, body);
      const json = JSON.parse(body);
      assert.equal(json.trackingNumber, tracking);
      assert.equal(json.dueOn, '2025-02-21');
      assert.equal(json.status, 'new');
      assert.equal(json.dueExplanation.counted.length, 20);
      assert.equal(json.timeline[0].kind, 'received');
      const q = await c.get(`/api/v1/requests/${tracking}?code=${encodeURIComponent(code)}`);
      assert.equal(q.status, 200);
      await record('api get q', q);
      const none = await c.get(`/api/v1/requests/${tracking}`);
      assert.equal(none.status, 404);
      assert.equal(JSON.parse(await record('api 404', none)).error.code, 'not_found');
    });

    test('POST /api/v1/requests validates like the form and answers 201', async () => {
      const c = new TestClient(t.app);
      const bad = await c.request('/api/v1/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(application({ idNumber: `${ID_BODY}0` })),
      });
      assert.equal(bad.status, 422);
      const err = JSON.parse(await record('api post bad', bad));
      assert.equal(err.error.code, 'validation_failed');
      assert.match(err.error.fields.idNumber, /校验位/);
      const legal = await c.request('/api/v1/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          application({
            applicantType: 'legal_person',
            organizationKind: 'legal_service',
            name: '某律师事务所',
            creditCode: '91350200MA2XXXXXX0',
            legalRepresentative: '李四',
            organization: 'env',
          }),
        ),
      });
      assert.equal(legal.status, 422, 'a bad credit code is refused');
      assert.ok(JSON.parse(await record('api post legal', legal)).error.fields.creditCode);
      const ok = await c.request('/api/v1/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(application({ organization: 'env', description: '另一项信息：2024 年环境监测数据' })),
      });
      const body = await record('api post ok', ok);
      assert.equal(ok.status, 201, body);
      const json = JSON.parse(body);
      assert.equal(json.organization.slug, 'env');
      assert.match(json.queryCode, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
      const doc = await (await c.get('/api/v1/openapi.json')).json();
      assert.ok(doc.paths['/api/v1/requests']?.post, 'POST is in the OpenAPI document');
      assert.ok(doc.paths['/api/v1/requests/{trackingNumber}']?.get);
    });

    test('the console lists the request masked; full data only for the assigned officer, audited', async () => {
      const list = await officer.get('/console/requests');
      const html = await list.text();
      assert.equal(list.status, 200);
      assert.match(html, new RegExp(tracking));
      assert.match(html, /3502\*{10}/);
      assert.ok(!html.includes(SEEDED_ID));
      const dashboard = await (await officer.get('/console')).text();
      assert.match(dashboard, /件新收申请待分派/, 'the dashboard points to new requests');
      // Not assigned yet: the officer may not see the full data.
      assert.equal((await officer.post(`/console/requests/${requestId}/personal`)).status, 403);
      const assigned = await officer.post(`/console/requests/${requestId}/assign`, { userId: String(officerId) });
      assert.equal(assigned.status, 303);
      const page = await (await officer.get(`/console/requests/${requestId}`)).text();
      assert.ok(!page.includes(SEEDED_ID), 'masked until asked for');
      assert.match(page, /张\*\*/);
      const full = await officer.post(`/console/requests/${requestId}/personal`);
      assert.equal(full.status, 200);
      assert.ok((await full.text()).includes(SEEDED_ID));
      assert.equal(
        (await officer2.post(`/console/requests/${requestId}/personal`)).status,
        403,
        'another officer may not',
      );
      assert.equal((await head.post(`/console/requests/${requestId}/personal`)).status, 200, 'the administrator may');
      const audits = await t.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'request.personal_view')
        .execute();
      assert.equal(audits.length, 2);
      assert.ok(!audits.some((a) => JSON.stringify(a).includes(SEEDED_ID)));
    });

    test('clarification, answer on the status page, extension by the head, partial disclosure, delivery', async () => {
      await moveTo('2025-01-22T02:00:00Z');
      const clar = await officer.post(`/console/requests/${requestId}/clarify`, {
        publicNote: '请说明所需报告的项目名称',
        deadline: '2025-02-14',
      });
      assert.equal(clar.status, 303);
      const again = await officer.post(`/console/requests/${requestId}/clarify`, {
        publicNote: '再补正',
        deadline: '2025-02-20',
      });
      assert.equal(again.status, 422, 'a clarification is asked once');

      await moveTo('2025-02-10T02:00:00Z');
      const citizen = new TestClient(t.app);
      await citizen.post('/requests/status', { trackingNumber: tracking, queryCode: code });
      const waiting = await record('status waiting', await citizen.get('/requests/status/view'));
      assert.match(waiting, /请说明所需报告的项目名称/);
      assert.match(waiting, /id="expected"/);
      const answered = await multipart(
        citizen,
        '/requests/status/uploads',
        { kind: 'answer', answer: '湖里大道改造工程' },
        [{ name: '补正.pdf', bytes: PDF }],
      );
      assert.equal(answered.status, 303);
      const restarted = await record('status restarted', await citizen.get('/requests/status/view?done=answer'));
      assert.match(restarted, /id="due-on">2025-03-10/, 'the clock restarts in full from the answer');

      await moveTo('2025-03-03T02:00:00Z');
      assert.equal(
        (
          await officer.post(`/console/requests/${requestId}/extend`, {
            workdays: '20',
            publicNote: '需要检索的档案较多',
          })
        ).status,
        403,
        'only the head approves an extension',
      );
      assert.equal(
        (await head.post(`/console/requests/${requestId}/extend`, { workdays: '20', publicNote: '需要检索的档案较多' }))
          .status,
        303,
      );
      const twice = await head.post(`/console/requests/${requestId}/extend`, { workdays: '5', publicNote: '再延长' });
      assert.equal(twice.status, 422);
      const ext = await (
        await new TestClient(t.app).request(`/api/v1/requests/${tracking}`, { headers: { 'X-Query-Code': code } })
      ).json();
      assert.equal(ext.dueOn, '2025-04-08', 'extended by 20 working days (Qingming skipped)');
      assert.deepEqual(ext.dueExplanation.extension, { onDate: '2025-03-03', workdays: 20 });

      await moveTo('2025-03-20T02:00:00Z');
      const decided = await multipart(
        officer,
        `/console/requests/${requestId}/decide/attachments`,
        { outcome: 'partial', onDate: '2025-03-20', publicNote: '部分内容涉及商业秘密，已作区分处理。' },
        [{ name: '环评报告（公开部分）.pdf', bytes: PDF }],
      );
      assert.equal(decided.status, 303);
      assert.equal(
        (await officer.post(`/console/requests/${requestId}/deliver`, { via: 'email', onDate: '2025-03-20' })).status,
        303,
      );
      const row = await t.db.kysely
        .selectFrom('requests')
        .selectAll()
        .where('id', '=', requestId)
        .executeTakeFirstOrThrow();
      assert.equal(row.outcome_code, 'partial');
      assert.equal(row.status, 'closed');
      assert.equal((await citizen.get('/requests/status/view')).status, 303, 'access from the lookup lasts an hour');
      await citizen.post('/requests/status', { trackingNumber: tracking, queryCode: code });
      const done = await record('status done', await citizen.get('/requests/status/view'));
      assert.match(done, /部分公开/);
      const fileLink = /href="(\/requests\/status\/files\/\d+)"/.exec(done)?.[1];
      assert.ok(fileLink, 'the released file is offered');
      const dl = await citizen.get(fileLink);
      assert.equal(dl.status, 200);
      assert.equal(dl.headers.get('content-type'), 'application/pdf');
      assert.equal((await new TestClient(t.app).get(fileLink)).status, 404, 'not without the query code');
      // The reply letter (告知书), as the applicant and as the assigned officer download it.
      assert.match(done, /href="\/requests\/status\/letter\.pdf"/);
      const letter = await citizen.get('/requests/status/letter.pdf');
      assert.equal(letter.status, 200);
      assert.equal(letter.headers.get('content-type'), 'application/pdf');
      assert.match(letter.headers.get('content-disposition') ?? '', /attachment/);
      assert.equal(
        Buffer.from(await letter.arrayBuffer())
          .subarray(0, 5)
          .toString(),
        '%PDF-',
      );
      const docx = await citizen.get('/requests/status/letter.docx');
      assert.equal(docx.status, 200);
      assert.equal(
        Buffer.from(await docx.arrayBuffer())
          .subarray(0, 2)
          .toString(),
        'PK',
        'a DOCX is a zip',
      );
      assert.equal(
        (await new TestClient(t.app).get('/requests/status/letter.pdf')).status,
        404,
        'not without the code',
      );
      const staffPage = await (await officer.get(`/console/requests/${requestId}`)).text();
      assert.match(staffPage, new RegExp(`/console/requests/${requestId}/letter\\.pdf`));
      const before = await t.db.kysely
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'request.personal_view')
        .execute();
      const staffLetter = await officer.get(`/console/requests/${requestId}/letter.docx`);
      assert.equal(staffLetter.status, 200);
      assert.equal(
        (await officer2.get(`/console/requests/${requestId}/letter.pdf`)).status,
        403,
        'not another officer',
      );
      const afterViews = await t.db.kysely
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'request.personal_view')
        .execute();
      assert.equal(
        afterViews.length,
        before.length + 1,
        'the letter download by the officer is audited as a full view',
      );
      const audit = await t.db.kysely
        .selectFrom('audit_events')
        .select('action')
        .where('entity_type', '=', 'request')
        .execute();
      for (const a of ['request.assign', 'request.clarify', 'request.extend', 'request.decide', 'request.deliver'])
        assert.ok(
          audit.some((x) => x.action === a),
          a,
        );
    });

    test('a clarification left unanswered closes the request as 其他处理-1', async () => {
      await moveTo('2025-03-03T02:00:00Z');
      const res = await new TestClient(t.app).request('/api/v1/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.0.0.9' },
        body: JSON.stringify(
          application({
            idNumber: `11010519491231002${residentIdCheckChar('11010519491231002')}`,
            description: '第三项：路灯维护合同',
          }),
        ),
      });
      assert.equal(res.status, 201, await res.clone().text());
      const { trackingNumber } = await res.json();
      const id = (
        await t.db.kysely
          .selectFrom('requests')
          .select('id')
          .where('tracking_number', '=', trackingNumber)
          .executeTakeFirstOrThrow()
      ).id;
      assert.equal(
        (
          await officer.post(`/console/requests/${id}/clarify`, {
            publicNote: '请明确合同年份',
            deadline: '2025-03-14',
          })
        ).status,
        303,
      );
      await moveTo('2025-03-17T02:00:00Z');
      const q = await (await officer.get('/console/requests')).text();
      assert.ok(q.includes(trackingNumber));
      const row = await t.db.kysely.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.outcome_code, 'other.no_clarification');
      assert.equal(row.status, 'decided');
    });

    test('privacy: no public page, API answer or log line contains the seeded identity number or phone', () => {
      assert.ok(publicBodies.length >= 15, `checked ${publicBodies.length} public answers`);
      for (const b of publicBodies) {
        assert.ok(!b.body.includes(SEEDED_ID), `${b.where} contains the identity number`);
        // The form re-rendered with errors gives the applicant back what they typed (no-store); nothing else may.
        if (b.where !== 'form errors') assert.ok(!b.body.includes(PHONE), `${b.where} contains the phone number`);
      }
      assert.ok(logLines.length > 20, 'requests were logged');
      for (const line of logLines) {
        assert.ok(!line.includes(SEEDED_ID), `log line contains the identity number: ${line.slice(0, 200)}`);
        assert.ok(!line.includes(PHONE));
        assert.ok(!code || !line.includes(code), 'no query code in the log');
      }
    });
  });
}
