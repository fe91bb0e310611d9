import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createToken } from '../../platform/api/tokens.service.js';
import type { Principal, Role } from '../../platform/auth/permissions.js';
import { createTestApp, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import {
  application as baseApplication,
  insertGrantedStaff,
  insertOrganization,
  insertRequestRow,
  residentId,
} from '../../testing/requests.js';
import { parseXml } from '../feeds/xml-parse.js';
import { personalCipher } from './requests.privacy.js';
import { act, submitApplication } from './requests.service.js';
import { scrub } from './requests-log.service.js';

// The published request log (依申请公开目录), the consultation guard on decisions in the console, and the
// staff-token API (requests:read).

const SEEDED_ID = residentId('35020319880808123');
const SEEDED_NAME = '欧阳明远';
const SEEDED_PHONE = '13912345678';
const application = (over: Record<string, string> = {}) =>
  baseApplication({
    name: SEEDED_NAME,
    idNumber: SEEDED_ID,
    phone: SEEDED_PHONE,
    email: 'ouyang@example.test',
    address: '福建省厦门市湖里区幸福路 8 号',
    description: '湖里区 2025 年道路维修工程的招标文件',
    ...over,
  });

describe('scrubbing the description', () => {
  test('removes the applicant’s own data and anything shaped like an ID, phone or email', () => {
    const s = scrub(`本人${SEEDED_NAME}（${SEEDED_ID}，电话 ${SEEDED_PHONE}，a@b.cn）申请公开路灯合同`, [SEEDED_NAME]);
    assert.ok(!s.includes(SEEDED_NAME) && !s.includes(SEEDED_ID) && !s.includes(SEEDED_PHONE) && !s.includes('a@b.cn'));
    assert.ok(s.includes('申请公开路灯合同'));
  });
});

for (const engine of testEngines()) {
  describe(`request log, decision guard and staff API (${engine})`, () => {
    let t: TestApp;
    let rootId: number;
    let envId: number;
    let ecoId: number;
    let admin: TestClient;
    let officer: TestClient;
    let officerP: Principal;
    const actor = { userId: null, name: 'tester', ip: '' };
    const people: Record<string, { id: number; username: string; p: Principal }> = {};
    const tokens: Record<string, string> = {};
    const made: Record<string, { id: number; trackingNumber: string }> = {};

    before(async () => {
      t = await createTestApp(engine);
      const org = (code: string, slug: string, name: string, parentId: number | null) =>
        insertOrganization(t.db.kysely, { code, slug, name, parentId });
      rootId = await org('L0', 'huli', '湖里区人民政府', null);
      envId = await org('L1', 'jianshe', '湖里区建设局', rootId);
      ecoId = await org('L2', 'jingji', '湖里区经济局', rootId);
      const staff = async (name: string, role: Role, organizationId: number) => {
        const u = await insertGrantedStaff(t, name, role, organizationId);
        people[name] = { id: u.id, username: name, p: u.principal };
        return u;
      };
      admin = await signedInClient(t, await staff('admin', 'org_admin', envId));
      officer = await signedInClient(t, await staff('officer', 'disclosure_officer', envId));
      await staff('drafter', 'drafter', envId);
      await staff('ecoadmin', 'org_admin', ecoId);
      officerP = people.officer.p;

      const submit = async (key: string, org: number, over: Record<string, string>) => {
        const r = await submitApplication(t.deps, application({ organization: String(org), ...over }), {
          channel: 'online',
        });
        made[key] = { id: r.id, trackingNumber: r.trackingNumber };
      };
      // Decided with consent (the applicant's name and number typed into the description too), decided
      // without consent, open with consent, and one at another agency.
      await submit('consented', envId, {
        publishConsent: '1',
        description: `本人${SEEDED_NAME}（身份证 ${SEEDED_ID}）申请公开湖里区 2025 年道路维修工程的招标文件`,
      });
      await submit('private', envId, { description: '建设局 2024 年部门预算执行明细（不同意公开）' });
      await submit('open', envId, { publishConsent: '1', description: '尚未答复的申请：某小区加装电梯审批材料' });
      await submit('eco', ecoId, { publishConsent: '1', description: '经济局 2025 年企业扶持资金名单' });
      const decide = { outcome: 'partial', onDate: '2026-11-25', publicNote: '部分公开' };
      await act(t.deps, officerP, actor, made.consented.id, 'decide', decide);
      await act(t.deps, officerP, actor, made.private.id, 'decide', { ...decide, outcome: 'granted' });

      const make = async (who: string, scopes: string[], organization_id: number) =>
        (
          await createToken(
            t.deps,
            people[who].p,
            { userId: people[who].id, name: who, ip: '' },
            {
              name: `${who} 系统`,
              organization_id,
              scopes,
            },
          )
        ).token;
      tokens.officer = await make('officer', ['requests:read'], envId);
      tokens.noScope = await make('officer', ['drafts:read'], envId);
      tokens.drafter = await make('drafter', ['requests:read'], envId);
      tokens.eco = await make('ecoadmin', ['requests:read'], ecoId);
    });
    after(() => t.dispose());

    test('a decision is refused in the console while a consultation is open', async () => {
      const r = await submitApplication(
        t.deps,
        application({ organization: String(envId), description: '征求意见测试' }),
        {
          channel: 'online',
        },
      );
      const start = await officer.post(`/console/requests/${r.id}/consult_start`, {
        detail: 'third_party',
        onDate: '2026-11-25',
        internalNote: '涉及第三方',
      });
      assert.equal(start.status, 303);
      const form = new FormData();
      form.set('_csrf', await officer.csrf());
      form.set('outcome', 'granted');
      form.set('onDate', '2026-11-25');
      form.set('publicNote', '予以公开');
      const res = await officer.request(`/console/requests/${r.id}/decide/attachments`, { method: 'POST', body: form });
      const html = await res.text();
      assert.equal(res.status, 422, html.slice(0, 300));
      assert.match(html, /尚有 1 项征求意见（第三方或其他机关）未结束，不能作出答复/);
      const row = await t.db.kysely.selectFrom('requests').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.equal(row.outcome_code, null);
      assert.equal(
        (await officer.post(`/console/requests/${r.id}/consult_end`, { onDate: '2026-11-25', internalNote: '' }))
          .status,
        303,
      );
      const again = new FormData();
      again.set('_csrf', await officer.csrf());
      again.set('outcome', 'granted');
      again.set('onDate', '2026-11-25');
      again.set('publicNote', '予以公开');
      const ok = await officer.request(`/console/requests/${r.id}/decide/attachments`, { method: 'POST', body: again });
      assert.equal(ok.status, 303);
    });

    test('the log is 404 until the administrator switches it on (audited); then only consented, decided requests, nothing personal', async () => {
      assert.equal((await officer.get('/org/jianshe/requests/log')).status, 404);
      // Officers cannot switch it; the agency's administrator can.
      assert.equal((await officer.get('/console/request-log')).status, 403);
      const settings = await admin.get('/console/request-log');
      assert.equal(settings.status, 200);
      const sHtml = await settings.text();
      assert.match(sHtml, /湖里区建设局/);
      assert.ok(!sHtml.includes('湖里区经济局'), 'only the agencies the administrator manages');
      const other = await admin.post('/console/request-log', { organizationId: String(ecoId), enabled: '1' });
      assert.equal(other.status, 403);
      const on = await admin.post('/console/request-log', { organizationId: String(envId), enabled: '1' });
      assert.equal(on.status, 303);
      const audit = await t.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'request_log.update')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0].organization_id, envId);

      const res = await new TestClient(t.app).get('/org/jianshe/requests/log');
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.ok(html.includes(made.consented.trackingNumber), 'the consented, decided request is listed');
      assert.match(html, /道路维修工程的招标文件/);
      assert.match(html, /部分公开/);
      assert.ok(!html.includes(made.private.trackingNumber), 'no consent → absent');
      assert.ok(!html.includes('部门预算执行明细'));
      assert.ok(!html.includes(made.open.trackingNumber), 'not decided → absent');
      assert.ok(!html.includes(made.eco.trackingNumber), 'another agency → absent');
      for (const secret of [
        SEEDED_ID,
        SEEDED_NAME,
        SEEDED_PHONE,
        'ouyang@example.test',
        '幸福路',
        `${SEEDED_ID.slice(0, 6)}*`,
      ])
        assert.ok(!html.includes(secret), `the log shows ${secret}`);
      // The other agency's log stays off.
      assert.equal((await officer.get('/org/jingji/requests/log')).status, 404);
      // Switched off again → 404.
      assert.equal(
        (await admin.post('/console/request-log', { organizationId: String(envId), enabled: '0' })).status,
        303,
      );
      assert.equal((await officer.get('/org/jianshe/requests/log')).status, 404);
    });

    test('the log pages 20 newest first, searches the scrubbed text only, and is a feed; nothing personal', async () => {
      assert.equal(
        (await admin.post('/console/request-log', { organizationId: String(envId), enabled: '1' })).status,
        303,
      );
      const cipher = personalCipher(t.deps.config);
      // 23 more consented decisions, decided 2026-10-01 … 2026-10-23 (older than the consented one above).
      for (let i = 1; i <= 23; i++) {
        const day = String(i).padStart(2, '0');
        await insertRequestRow(t.db.kysely, {
          tracking: `2026-9${String(i).padStart(5, '0')}`,
          organizationId: envId,
          receivedOn: '2026-09-01',
          name_enc: cipher.encrypt(SEEDED_NAME),
          phone_enc: cipher.encrypt(SEEDED_PHONE),
          description: i % 2 ? `本人${SEEDED_NAME}申请第 ${i} 号路段照明合同` : `第 ${i} 号公园绿化养护合同`,
          publish_consent: 1,
          status: 'closed',
          outcome_code: 'granted',
          outcome_date: `2026-10-${day}`,
        });
      }
      const anon = new TestClient(t.app);
      const bodies: string[] = [];
      const get = async (path: string) => {
        const res = await anon.get(path);
        const body = await res.text();
        bodies.push(body);
        return { res, body };
      };
      const rows = (html: string) => [...html.matchAll(/<td>(2026-\d{6})<\/td>/g)].map((m) => m[1]);

      const first = await get('/org/jianshe/requests/log');
      assert.equal(first.res.status, 200);
      assert.equal(rows(first.body).length, 20, 'page size 20');
      assert.equal(rows(first.body)[0], made.consented.trackingNumber, 'newest decision first');
      assert.equal(rows(first.body)[1], '2026-900023');
      assert.match(first.body, /共 24 件，第 1 \/ 2 页/);
      assert.match(first.body, /href="\/org\/jianshe\/requests\/log\?page=2"/);
      const second = await get('/org/jianshe/requests/log?page=2');
      assert.deepEqual(rows(second.body), ['2026-900004', '2026-900003', '2026-900002', '2026-900001']);
      assert.deepEqual(rows((await get('/org/jianshe/requests/log?page=9')).body), rows(second.body), 'clamped');

      const lighting = await get(`/org/jianshe/requests/log?q=${encodeURIComponent('照明 合同')}`);
      assert.equal(rows(lighting.body).length, 12, 'the odd ones, all terms required');
      assert.match(lighting.body, /与“照明 合同”相关的申请 12 件/);
      // (These two pages echo the visitor's own query in the search box; their rows are what matters.)
      const echo = async (path: string) => ({ body: await (await anon.get(path)).text() });
      const byName = await echo(`/org/jianshe/requests/log?q=${encodeURIComponent(SEEDED_NAME)}`);
      assert.deepEqual(rows(byName.body), [], 'a name cut out of the descriptions finds nothing');
      assert.match(byName.body, /没有找到相关的申请办理情况/);
      const byId = await echo(`/org/jianshe/requests/log?q=${SEEDED_ID.slice(0, 12)}`);
      assert.deepEqual(rows(byId.body), [], 'nor does an identity number');
      const byNumber = await get(`/org/jianshe/requests/log?q=2026-900007`);
      assert.deepEqual(rows(byNumber.body), ['2026-900007']);
      assert.deepEqual(rows((await get('/org/jianshe/requests/log?q=%25')).body), [], 'LIKE wildcards are literal');
      const pagedSearch = await get(`/org/jianshe/requests/log?q=${encodeURIComponent('合同')}&page=2`);
      assert.equal(rows(pagedSearch.body).length, 3, '23 matches: 20 + 3');

      const rss = await anon.get('/org/jianshe/requests/log/rss.xml');
      assert.equal(rss.status, 200);
      assert.match(rss.headers.get('content-type') ?? '', /application\/rss\+xml/);
      const rssBody = await rss.text();
      bodies.push(rssBody);
      const channel = parseXml(rssBody).children.find((e) => e.name === 'channel');
      assert.ok(channel);
      const items = channel.children.filter((e) => e.name === 'item');
      assert.equal(items.length, 24);
      assert.match(
        items[0].children.find((e) => e.name === 'title')?.text ?? '',
        new RegExp(made.consented.trackingNumber),
      );
      assert.match(rssBody, /log\?q=2026-900023/, 'an entry links to the log searched for its number');
      const again = await anon.request('/org/jianshe/requests/log/rss.xml', {
        headers: { 'if-none-match': rss.headers.get('etag') ?? '' },
      });
      assert.equal(again.status, 304);
      const atom = await anon.get('/org/jianshe/requests/log/atom.xml');
      assert.equal(atom.status, 200);
      const atomBody = await atom.text();
      bodies.push(atomBody);
      assert.equal(parseXml(atomBody).children.filter((e) => e.name === 'entry').length, 24);
      assert.match(first.body, /href="\/org\/jianshe\/requests\/log\/atom\.xml"/, 'the page offers the feeds');

      for (const body of bodies)
        for (const secret of [SEEDED_ID, SEEDED_NAME, SEEDED_PHONE, 'ouyang@example.test', '幸福路'])
          assert.ok(!body.includes(secret), `the log or its feed shows ${secret}`);

      assert.equal(
        (await admin.post('/console/request-log', { organizationId: String(envId), enabled: '0' })).status,
        303,
      );
      assert.equal((await anon.get('/org/jianshe/requests/log/rss.xml')).status, 404, 'no feed while off');
      assert.equal((await anon.get('/org/jianshe/requests/log/atom.xml')).status, 404);
    });

    const call = (path: string, token?: string) =>
      t.app.request(`http://gk.test${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    test('staff API: 401 without a token, 403 without the scope, the role or for another agency', async () => {
      for (const path of ['/api/v1/staff/requests', `/api/v1/staff/requests/${made.consented.trackingNumber}`]) {
        assert.equal((await call(path)).status, 401, path);
        const noScope = await call(path, tokens.noScope);
        assert.equal(noScope.status, 403, path);
        assert.equal(((await noScope.json()) as { error: { code: string } }).error.code, 'insufficient_scope');
        assert.equal((await call(path, tokens.drafter)).status, 403, `${path}: a drafter may not read requests`);
      }
      const foreign = await call(`/api/v1/staff/requests/${made.consented.trackingNumber}`, tokens.eco);
      assert.equal(foreign.status, 403);
      assert.equal((await call('/api/v1/staff/requests/2026-999999', tokens.officer)).status, 404);
      const ecoList = (await (await call('/api/v1/staff/requests', tokens.eco)).json()) as {
        data: { trackingNumber: string }[];
      };
      assert.deepEqual(
        ecoList.data.map((d) => d.trackingNumber),
        [made.eco.trackingNumber],
      );
    });

    test('staff API: the organization’s requests and one request’s timeline, personal data masked', async () => {
      const list = await call('/api/v1/staff/requests', tokens.officer);
      assert.equal(list.status, 200);
      const text = await list.text();
      const body = JSON.parse(text) as {
        data: {
          trackingNumber: string;
          status: string;
          outcome: { code: string } | null;
          applicant: { idNumber: string };
        }[];
      };
      const numbers = body.data.map((d) => d.trackingNumber);
      for (const k of ['consented', 'private', 'open']) assert.ok(numbers.includes(made[k].trackingNumber), k);
      assert.ok(!numbers.includes(made.eco.trackingNumber));
      const consented = body.data.find((d) => d.trackingNumber === made.consented.trackingNumber)!;
      assert.equal(consented.status, 'decided');
      assert.equal(consented.outcome?.code, 'partial');
      assert.match(consented.applicant.idNumber, /^\d{4}\*+\d{4}$/);
      const decided = (await (await call('/api/v1/staff/requests?status=decided', tokens.officer)).json()) as {
        data: { trackingNumber: string }[];
      };
      assert.ok(!decided.data.some((d) => d.trackingNumber === made.open.trackingNumber));

      const one = await call(`/api/v1/staff/requests/${made.consented.trackingNumber}`, tokens.officer);
      assert.equal(one.status, 200);
      const oneText = await one.text();
      const r = JSON.parse(oneText) as {
        dueExplanation: { summary: string; steps: unknown[] };
        timeline: { kind: string }[];
        applicant: { name: string; phone: string };
      };
      assert.ok(r.dueExplanation.steps.length > 0);
      assert.deepEqual(
        r.timeline.map((e) => e.kind).filter((k) => k === 'received' || k === 'decided'),
        ['received', 'decided'],
      );
      assert.notEqual(r.applicant.name, SEEDED_NAME);
      assert.ok(r.applicant.phone.endsWith(SEEDED_PHONE.slice(-4)));
      // The applicant typed the name and number into the description: the staff API shows the description as
      // is to the office (it is the office's own request), but no personal field is ever given in full.
      for (const [where, s] of [
        ['list', text],
        ['one', oneText.replace(/"description":"[^"]*"/, '')],
      ])
        for (const secret of [SEEDED_ID, SEEDED_NAME, SEEDED_PHONE, 'ouyang@example.test'])
          assert.ok(!s.includes(secret), `${where} shows ${secret}`);

      // The document lists both operations with bearer security and the scope.
      const doc = (await (await call('/api/v1/openapi.json')).json()) as {
        paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
      };
      for (const p of ['/api/v1/staff/requests', '/api/v1/staff/requests/{trackingNumber}']) {
        const sec = doc.paths[p]?.get?.security ?? [];
        assert.ok(sec.length > 0 && JSON.stringify(sec).includes('requests:read'), `${p}: ${JSON.stringify(sec)}`);
      }
    });

    test('the token console offers the requests:read scope', async () => {
      const html = await (await admin.get('/console/api-tokens')).text();
      assert.match(html, /requests:read/);
    });
  });
}
