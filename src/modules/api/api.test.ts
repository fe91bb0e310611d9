import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openApiChecker } from '../../platform/api/testing.js';
import { createToken } from '../../platform/api/tokens.service.js';
import type { Principal, Role } from '../../platform/auth/permissions.js';
import { countDocuments, indexDocuments } from '../../platform/search/search.repository.js';
import { createTestApp, insertStaff, signedInClient, type TestApp } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { directoryOf } from '../directory/directory.service.js';
import { findItem } from '../publishing/publishing.repository.js';
import * as pub from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';

type Json = Record<string, unknown> & { data?: Record<string, unknown>[] };

const principal = (u: { id: number; username: string }, role: Role, organizationId: number): Principal => ({
  userId: u.id,
  username: u.username,
  displayName: u.username,
  grants: [{ role, organizationId }],
});
const actorOf = (u: { id: number; username: string }) => ({ userId: u.id, name: u.username, ip: '127.0.0.1' });

for (const engine of testEngines()) {
  describe(`API v1 (${engine})`, () => {
    let t: TestApp;
    let orgId: number;
    let otherOrgId: number;
    let policiesId: number;
    let statutoryId: number;
    const people: Record<string, { id: number; username: string; p: Principal }> = {};
    const tokens: Record<string, string> = {};
    let draftId: number; // a draft of wenti made through the API
    let otherDraftId: number; // a draft of fagai
    let publishedId: number; // published through the workflow, with an attachment
    let withdrawnId: number;

    const call = (path: string, init: RequestInit = {}) => t.app.request(`http://gk.test${path}`, init);
    const bearer = (token: string, init: RequestInit = {}) => ({
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
    });
    const jsonBody = (method: string, body: unknown) => ({
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const draftFields = (over: Record<string, unknown> = {}) => ({
      column_id: policiesId,
      title: '关于开展2026年全民健身月活动的通知',
      doc_number: '厦湖文体〔2026〕30号',
      date_created: '2026-11-20',
      theme: '卫生、体育',
      genre: '通知',
      keywords: '全民健身',
      summary: '活动安排。',
      body_html: '<p>详见<a href="/org/wenti">本局网站</a>。</p><script>alert(1)</script>',
      disclosure: 'proactive',
      five_category: 'execution',
      ...over,
    });

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      const k = t.db.kysely;
      const orgs = await k.selectFrom('organizations').select(['id', 'slug']).execute();
      orgId = orgs.find((o) => o.slug === 'wenti')!.id;
      otherOrgId = orgs.find((o) => o.slug === 'fagai')!.id;
      const dir = await directoryOf(t.deps, orgId);
      policiesId = dir.bySlug.get('policies')!.id;
      statutoryId = dir.path(policiesId)[0].id;
      for (const [name, role, org] of [
        ['drafter', 'drafter', orgId],
        ['reviewer', 'reviewer', orgId],
        ['approver', 'approver', orgId],
        ['orgadmin', 'org_admin', orgId],
        ['auditor', 'auditor', orgId],
        ['otherdrafter', 'drafter', otherOrgId],
      ] as const) {
        const u = await insertStaff(t, name, [{ role, organizationId: org }]);
        people[name] = { ...u, p: principal(u, role, org) };
      }
      // Search: index the demo items here if the indexer is not wired in this build.
      if ((await countDocuments(k)) === 0) {
        const rows = await k
          .selectFrom('items as i')
          .innerJoin('item_versions as v', (j) =>
            j.onRef('v.item_id', '=', 'i.id').onRef('v.version', '=', 'i.published_version'),
          )
          .select(['i.id', 'i.organization_id', 'i.column_id', 'i.first_published_at', 'v.title', 'v.body_html'])
          .execute();
        await k.transaction().execute((trx) =>
          indexDocuments(
            trx,
            rows.map((r) => ({
              itemId: r.id,
              organizationId: r.organization_id,
              columnId: r.column_id,
              kind: 'list',
              publishedAt: r.first_published_at!,
              title: r.title,
              body: r.body_html.replace(/<[^>]+>/g, ' '),
            })),
          ),
        );
      }

      // Tokens made through the service (the console flow is tested below).
      const make = async (who: string, scopes: string[], org = orgId) =>
        (
          await createToken(t.deps, people[who].p, actorOf(people[who]), {
            name: `${who} 系统`,
            organization_id: org,
            scopes,
          })
        ).token;
      tokens.drafter = await make('drafter', ['drafts:write', 'drafts:read']);
      tokens.readonly = await make('drafter', ['drafts:read']);
      tokens.orgadmin = await make('orgadmin', ['drafts:write', 'drafts:read']);
      tokens.other = await make('otherdrafter', ['drafts:write', 'drafts:read'], otherOrgId);
      tokens.requests = await make('orgadmin', ['requests:read']);
      // Auditors cannot create tokens in the console; this one is inserted directly (setup, not the code under test).
      const raw = `gk_${'a'.repeat(43)}`;
      await k
        .insertInto('api_tokens')
        .values({
          name: 'auditor',
          token_hash: createHash('sha256').update(raw).digest('hex'),
          token_prefix: raw.slice(0, 10),
          user_id: people.auditor.id,
          organization_id: orgId,
          scopes: JSON.stringify(['drafts:write', 'drafts:read']),
          expires_at: null,
          last_used_at: null,
          revoked_at: null,
          created_at: t.deps.clock().toISOString(),
        })
        .execute();
      tokens.auditor = raw;

      // A draft through the API, one of another organization, a published item with an attachment, a withdrawn one.
      const res = await call('/api/v1/drafts', bearer(tokens.drafter, jsonBody('POST', draftFields())));
      assert.equal(res.status, 201, await res.clone().text());
      draftId = ((await res.json()) as { id: number }).id;
      const otherDir = await directoryOf(t.deps, otherOrgId);
      const otherCol = otherDir.all.find((c) => !c.retired && c.kind !== 'static')!;
      const o = await call(
        '/api/v1/drafts',
        bearer(tokens.other, jsonBody('POST', draftFields({ column_id: otherCol.id, title: '发改局草稿' }))),
      );
      assert.equal(o.status, 201, await o.clone().text());
      otherDraftId = ((await o.json()) as { id: number }).id;

      const d = people.drafter;
      publishedId = await pub.createDraft(t.deps, d.p, actorOf(d), orgId, {
        ...draftFields({ title: '湖里区2026年公共文化服务目录' }),
        column_id: String(policiesId),
        body_html: `<p>目录见<a href="/org/wenti">附件</a>。<img src="/files/${'c'.repeat(64)}/x.png" alt="示意图"></p>`,
      });
      const sha = 'b'.repeat(64);
      await k
        .insertInto('files')
        .values({ sha256: sha, size: 1234, mime: 'application/pdf', ext: 'pdf', created_at: '2026-11-20T00:00:00Z' })
        .execute();
      await pub.attachFile(t.deps, d.p, actorOf(d), publishedId, {
        sha256: sha,
        filename: '服务目录 2026.pdf',
        alt: '',
        inline: false,
      });
      await pub.submit(t.deps, d.p, actorOf(d), publishedId);
      await pub.review(t.deps, people.reviewer.p, actorOf(people.reviewer), publishedId);
      await pub.approve(t.deps, people.approver.p, actorOf(people.approver), publishedId);
      await pub.publishNow(t.deps, people.approver.p, actorOf(people.approver), publishedId);

      const demo = await k
        .selectFrom('items')
        .select('id')
        .where('organization_id', '=', orgId)
        .where('published_version', '>', 0)
        .where('id', '!=', publishedId)
        .orderBy('id')
        .executeTakeFirstOrThrow();
      withdrawnId = demo.id;
      await pub.withdraw(t.deps, people.approver.p, actorOf(people.approver), withdrawnId, {
        reason: 'outdated',
        note: '该信息已过时，仅供查阅。',
      });
    });
    after(() => t.dispose());

    const openapi = async () => (await (await call('/api/v1/openapi.json')).json()) as Record<string, unknown>;

    test('the OpenAPI document is valid OpenAPI 3.1 with bearer security, servers and error answers', async () => {
      const doc = await openapi();
      const checker = openApiChecker(doc);
      assert.deepEqual(await checker.documentErrors(), []);
      assert.equal(doc.openapi, '3.1.0');
      assert.deepEqual(doc.servers, [{ url: 'http://gk.test' }]);
      const components = doc.components as Record<string, Record<string, Record<string, unknown>>>;
      assert.equal(components.securitySchemes.bearerToken.scheme, 'bearer');
      for (const name of ['Organization', 'Column', 'Document', 'DocumentSummary', 'SearchHit', 'Draft', 'Error'])
        assert.ok(components.schemas[name], `component ${name}`);
      const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
      const create = paths['/api/v1/drafts'].post;
      assert.deepEqual(create.security, [{ bearerToken: ['drafts:write'] }]);
      for (const s of ['201', '401', '403', '422']) assert.ok((create.responses as Json)[s], `createDraft ${s}`);
      assert.ok((paths['/api/v1/documents/{id}'].get.responses as Json)['304']);
      // The request body is the console form's schema: required fields as the form requires them.
      const body = (create.requestBody as { content: Record<string, { schema: { required: string[] } }> }).content[
        'application/json'
      ].schema;
      assert.ok(body.required.includes('title') && !body.required.includes('doc_number'));
    });

    test('every operation in the document answers as documented (status and body schema)', async () => {
      const doc = await openapi();
      const checker = openApiChecker(doc);
      type Case = { path: string; init?: RequestInit; status: number };
      const application = {
        applicantType: 'natural_person',
        name: '表驱动测试申请人',
        idType: 'passport',
        idNumber: 'E12345678',
        phone: '13800000000',
        email: 'applicant@example.com',
        address: '厦门市湖里区测试路 1 号',
        description: '请公开 2025 年度文化产业扶持资金的分配结果。',
        form: 'electronic',
        delivery: 'email',
        organization: 'wenti',
      };
      // A request to look up (the POST case below makes a second one).
      const made = (await (await call('/api/v1/requests', jsonBody('POST', application))).json()) as Json;
      const policy = await t.db.kysely.selectFrom('policies').select('id').orderBy('id').executeTakeFirstOrThrow();
      const table: Record<string, Case> = {
        'GET /api/v1/calendar/deadline': { path: '/api/v1/calendar/deadline?from=2025-01-24&workdays=20', status: 200 },
        'POST /api/v1/requests': { path: '/api/v1/requests', init: jsonBody('POST', application), status: 201 },
        'GET /api/v1/requests/{trackingNumber}': {
          path: `/api/v1/requests/${made.trackingNumber}`,
          init: { headers: { 'x-query-code': String(made.queryCode) } },
          status: 200,
        },
        'GET /api/v1/staff/requests': { path: '/api/v1/staff/requests', init: bearer(tokens.requests), status: 200 },
        'GET /api/v1/staff/requests/{trackingNumber}': {
          path: `/api/v1/staff/requests/${made.trackingNumber}`,
          init: bearer(tokens.requests),
          status: 200,
        },
        'GET /api/v1/statistics/requests': {
          path: '/api/v1/statistics/requests?year=2026&organization=wenti',
          status: 200,
        },
        'GET /api/v1/policies': { path: '/api/v1/policies?organization=wenti', status: 200 },
        'GET /api/v1/policies/{id}': { path: `/api/v1/policies/${policy.id}`, status: 200 },
        'GET /api/v1/interpretations': { path: '/api/v1/interpretations', status: 200 },
        'GET /api/v1/statistics/policies': {
          path: '/api/v1/statistics/policies?year=2021&organization=wenti',
          status: 200,
        },
        'GET /api/v1/organizations': { path: '/api/v1/organizations', status: 200 },
        'GET /api/v1/organizations/{id}/columns': { path: `/api/v1/organizations/${orgId}/columns`, status: 200 },
        'GET /api/v1/documents': {
          path: `/api/v1/documents?organization=wenti&limit=3&include_withdrawn=true`,
          status: 200,
        },
        'GET /api/v1/documents/{id}': { path: `/api/v1/documents/${publishedId}`, status: 200 },
        'GET /api/v1/search': {
          path: `/api/v1/search?q=${encodeURIComponent('公开')}&organization=wenti`,
          status: 200,
        },
        'POST /api/v1/drafts': {
          path: '/api/v1/drafts',
          init: bearer(tokens.drafter, jsonBody('POST', draftFields({ title: '表驱动测试草稿' }))),
          status: 201,
        },
        'PUT /api/v1/drafts/{id}': {
          path: `/api/v1/drafts/${draftId}`,
          init: bearer(tokens.drafter, jsonBody('PUT', draftFields({ title: '表驱动测试：修改后的标题' }))),
          status: 200,
        },
        'GET /api/v1/drafts/{id}': { path: `/api/v1/drafts/${draftId}`, init: bearer(tokens.drafter), status: 200 },
        'GET /api/v1/openapi.json': { path: '/api/v1/openapi.json', status: 200 },
      };
      const listed = checker.operations().sort();
      assert.deepEqual(listed, Object.keys(table).sort(), 'the test table covers exactly the documented operations');
      for (const op of listed) {
        const c = table[op];
        const res = await call(c.path, c.init);
        const body = await res.json();
        assert.equal(res.status, c.status, `${op}: ${JSON.stringify(body).slice(0, 300)}`);
        const template = op.slice(op.indexOf(' ') + 1);
        assert.deepEqual(await checker.bodyErrors(template, op.split(' ')[0], res.status, body), [], op);
        if (Array.isArray((body as Json).data)) assert.ok(((body as Json).data ?? []).length > 0, `${op} returns data`);
      }
      // Error answers match the documented Error schema too.
      const missing = await call('/api/v1/documents/999999');
      assert.deepEqual(await checker.bodyErrors('/api/v1/documents/{id}', 'GET', 404, await missing.json()), []);
      const invalid = await call('/api/v1/drafts', bearer(tokens.drafter, jsonBody('POST', { title: '' })));
      assert.deepEqual(await checker.bodyErrors('/api/v1/drafts', 'POST', 422, await invalid.json()), []);
    });

    test('organizations come in tree order with contact fields; columns mark retired ones', async () => {
      const body = (await (await call('/api/v1/organizations')).json()) as { data: Json[] };
      const wenti = body.data.find((o) => o.slug === 'wenti')!;
      const parent = body.data.find((o) => o.id === wenti.parent_id)!;
      assert.ok(body.data.indexOf(parent) < body.data.indexOf(wenti));
      assert.equal(wenti.depth, 1);
      assert.equal((wenti.contact as Json).phone, '0592-5710000');
      assert.equal(wenti.url, 'http://gk.test/org/wenti');
      const cols = (await (await call(`/api/v1/organizations/${orgId}/columns`)).json()) as { data: Json[] };
      const policies = cols.data.find((c) => c.id === policiesId)!;
      assert.equal(policies.parent_id, statutoryId);
      assert.equal(policies.retired, false);
      assert.equal(policies.url, 'http://gk.test/org/wenti/gk/policies');
      assert.equal((await call('/api/v1/organizations/999999/columns')).status, 404);
      assert.equal((await call('/api/v1/organizations/abc/columns')).status, 422);
    });

    test('documents: cursor pagination walks every published item once, newest first', async () => {
      const seen: number[] = [];
      const stamps: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = cursor ? `&cursor=${cursor}` : '';
        const res = await call(`/api/v1/documents?limit=3${q}`);
        assert.equal(res.status, 200);
        const body = (await res.json()) as { data: Json[]; next_cursor: string | null };
        assert.ok(body.data.length <= 3);
        for (const d of body.data) {
          seen.push(d.id as number);
          stamps.push(`${d.first_published_at}|${String(d.id).padStart(9, '0')}`);
        }
        cursor = body.next_cursor;
        pages++;
      } while (cursor && pages < 50);
      const expected = await t.db.kysely
        .selectFrom('items')
        .select('id')
        .where('published_version', '>', 0)
        .where('withdrawn', '=', 0)
        .execute();
      assert.equal(seen.length, expected.length);
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        expected.map((r) => r.id).sort((a, b) => a - b),
      );
      assert.deepEqual(stamps, [...stamps].sort().reverse());
      assert.ok(!seen.includes(withdrawnId), 'withdrawn items are left out by default');
      assert.ok(!seen.includes(draftId), 'drafts never appear');
    });

    test('documents: filters by organization, column with sub-columns, year, theme, updated_since; withdrawn on request', async () => {
      const ids = async (q: string) =>
        ((await (await call(`/api/v1/documents?limit=100&${q}`)).json()) as { data: Json[] }).data.map(
          (d) => d.id as number,
        );
      assert.ok((await ids(`organization=${orgId}`)).includes(publishedId));
      assert.deepEqual(await ids(`organization=fagai`), []);
      // The parent column 法定主动公开内容 includes its sub-column 政策文件.
      assert.ok((await ids(`column=${statutoryId}`)).includes(publishedId));
      assert.ok((await ids(`column=${policiesId}`)).includes(publishedId));
      assert.ok((await ids('year=2026')).includes(publishedId));
      assert.ok(!(await ids('year=2017')).includes(publishedId));
      assert.ok((await ids(`theme=${encodeURIComponent('卫生、体育')}`)).includes(publishedId));
      assert.deepEqual(await ids('updated_since=2030-01-01'), []);
      assert.ok((await ids('updated_since=2026-11-25T00:00:00Z')).includes(publishedId));
      const withdrawn = (await (await call('/api/v1/documents?limit=100&include_withdrawn=true')).json()) as {
        data: Json[];
      };
      const w = withdrawn.data.find((d) => d.id === withdrawnId)!;
      assert.equal(w.withdrawn, true);
      assert.equal((w.withdrawal as Json).reason, 'outdated');
      for (const bad of ['limit=101', 'limit=0', 'cursor=not-a-cursor', 'year=abc', 'theme=x', 'organization=nope']) {
        const res = await call(`/api/v1/documents?${bad}`);
        assert.equal(res.status, 422, bad);
        const body = (await res.json()) as { error: { code: string; fields: Record<string, string> } };
        assert.equal(body.error.code, 'validation_failed');
        assert.ok(Object.keys(body.error.fields).length > 0, bad);
      }
    });

    test('a document shows metadata, absolute body links, attachments with absolute URLs and its history', async () => {
      const d = (await (await call(`/api/v1/documents/${publishedId}`)).json()) as Json;
      assert.equal(d.title, '湖里区2026年公共文化服务目录');
      assert.match(d.index_number as string, /^HLWT-ZCWJ-2026-\d{5}$/);
      assert.equal((d.organization as Json).slug, 'wenti');
      assert.doesNotMatch(d.body_html as string, /script/);
      assert.ok(
        (d.body_html as string).includes(`src="http://gk.test/files/${'c'.repeat(64)}/x.png"`),
        d.body_html as string,
      );
      assert.ok((d.body_html as string).includes('href="http://gk.test/org/wenti"'));
      const [a] = d.attachments as Json[];
      assert.equal(a.url, `http://gk.test/files/${'b'.repeat(64)}/${encodeURIComponent('服务目录 2026.pdf')}`);
      assert.equal(a.size, 1234);
      assert.equal((d.versions as Json[])[0].version, 1);
      assert.equal(d.withdrawal, null);
      assert.ok(!('drafted_by' in d) && !('source_ref' in d), 'no internal columns');
      const w = (await (await call(`/api/v1/documents/${withdrawnId}`)).json()) as Json;
      assert.equal(w.withdrawn, true);
      assert.equal((w.withdrawal as Json).note, '该信息已过时，仅供查阅。');
    });

    test('drafts, other states and unknown ids answer 404 with the error shape', async () => {
      for (const id of [draftId, otherDraftId, 999999]) {
        const res = await call(`/api/v1/documents/${id}`);
        assert.equal(res.status, 404, String(id));
        const body = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'not_found');
        assert.ok(body.error.message.length > 0);
      }
      assert.equal((await call('/api/v1/documents/abc')).status, 422);
      assert.equal((await call('/api/v1/nothing-here')).status, 404);
    });

    test('conditional GET: ETag and Last-Modified, 304 on If-None-Match and If-Modified-Since', async () => {
      for (const path of [
        '/api/v1/organizations',
        `/api/v1/organizations/${orgId}/columns`,
        '/api/v1/documents?limit=5',
        `/api/v1/documents/${publishedId}`,
      ]) {
        const first = await call(path);
        const etag = first.headers.get('etag');
        const lastModified = first.headers.get('last-modified');
        assert.match(etag ?? '', /^W\/".+"$/, path);
        assert.ok(lastModified, `${path} Last-Modified`);
        assert.equal(first.headers.get('cache-control'), 'public, no-cache');
        const again = await call(path, { headers: { 'if-none-match': etag! } });
        assert.equal(again.status, 304, `${path} If-None-Match`);
        assert.equal(again.headers.get('etag'), etag);
        assert.equal(await again.text(), '');
        const since = await call(path, { headers: { 'if-modified-since': lastModified! } });
        assert.equal(since.status, 304, `${path} If-Modified-Since`);
        const older = await call(path, { headers: { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } });
        assert.equal(older.status, 200, `${path} older If-Modified-Since`);
        const other = await call(path, { headers: { 'if-none-match': 'W/"other"' } });
        assert.equal(other.status, 200, `${path} other tag`);
      }
      const s = await call(`/api/v1/search?q=${encodeURIComponent('公开')}`);
      assert.equal(
        (
          await call(`/api/v1/search?q=${encodeURIComponent('公开')}`, {
            headers: { 'if-none-match': s.headers.get('etag')! },
          })
        ).status,
        304,
      );
      const head = await call(`/api/v1/documents/${publishedId}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.ok(head.headers.get('etag'));
    });

    test('a change moves the list ETag and Last-Modified (a withdrawal too)', async () => {
      const before = await call('/api/v1/documents?organization=wenti');
      const etag = before.headers.get('etag')!;
      t.setNow(new Date('2026-11-26T03:00:00Z'));
      try {
        const target = (await t.db.kysely
          .selectFrom('items')
          .select('id')
          .where('organization_id', '=', orgId)
          .where('published_version', '>', 0)
          .where('withdrawn', '=', 0)
          .where('id', '!=', publishedId)
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow())!;
        await pub.withdraw(t.deps, people.approver.p, actorOf(people.approver), target.id, {
          reason: 'superseded',
          note: '已由新的通知替代。',
          replacement_item_id: String(publishedId),
        });
        const after = await call('/api/v1/documents?organization=wenti', {
          headers: { 'if-modified-since': before.headers.get('last-modified')! },
        });
        assert.equal(after.status, 200);
        assert.notEqual(after.headers.get('etag'), etag);
        const w = (await (await call(`/api/v1/documents/${target.id}`)).json()) as Json;
        assert.equal(((w.withdrawal as Json).replacement as Json).id, publishedId);
      } finally {
        t.setNow(new Date('2026-11-25T02:00:00Z'));
      }
    });

    test('CORS: public GETs and their preflight allow any origin; write endpoints do not', async () => {
      const get = await call('/api/v1/documents', { headers: { origin: 'https://example.org' } });
      assert.equal(get.headers.get('access-control-allow-origin'), '*');
      assert.match(get.headers.get('access-control-expose-headers') ?? '', /ETag/);
      assert.equal(get.headers.get('access-control-allow-credentials'), null);
      const notFound = await call('/api/v1/documents/999999', { headers: { origin: 'https://example.org' } });
      assert.equal(notFound.headers.get('access-control-allow-origin'), '*', 'errors of public reads are readable');
      const pre = await call('/api/v1/documents', {
        method: 'OPTIONS',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.match(pre.headers.get('access-control-allow-methods') ?? '', /GET/);
      assert.doesNotMatch(pre.headers.get('access-control-allow-methods') ?? '', /POST|PUT/);
      const writePre = await call('/api/v1/drafts', {
        method: 'OPTIONS',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
      });
      assert.equal(writePre.headers.get('access-control-allow-origin'), null);
      const post = await call(
        '/api/v1/drafts',
        bearer(tokens.drafter, {
          ...jsonBody('POST', draftFields({ title: 'CORS 测试草稿' })),
          headers: { 'content-type': 'application/json', origin: 'https://example.org' },
        }),
      );
      assert.equal(post.status, 201);
      assert.equal(post.headers.get('access-control-allow-origin'), null);
      const draftGet = await call(`/api/v1/drafts/${draftId}`, bearer(tokens.drafter));
      assert.equal(draftGet.headers.get('access-control-allow-origin'), null);
      assert.equal(draftGet.headers.get('cache-control'), 'private, no-cache');
    });

    test('search answers with highlighted titles and snippets, filtered and paged', async () => {
      const q = encodeURIComponent('公开');
      const body = (await (await call(`/api/v1/search?q=${q}&limit=2`)).json()) as Json & { data: Json[] };
      assert.ok((body.total as number) > 0);
      assert.ok(body.data.length > 0 && body.data.length <= 2);
      assert.ok(
        (body.data[0].title_parts as Json[]).some((p) => p.hit) || (body.data[0].snippet as Json[]).some((p) => p.hit),
      );
      assert.deepEqual((body.query as Json).terms, ['公开']);
      const none = (await (await call(`/api/v1/search?q=${q}&organization=fagai`)).json()) as Json & { data: Json[] };
      assert.deepEqual(none.data, []);
      assert.equal((await call('/api/v1/search')).status, 422);
      assert.equal((await call(`/api/v1/search?q=${q}&page=0`)).status, 422);
    });

    test('drafts: created with the form schema and audited as the token; read back; 422 with fields', async () => {
      const res = await call(
        '/api/v1/drafts',
        bearer(tokens.drafter, jsonBody('POST', draftFields({ title: '审计测试草稿' }))),
      );
      assert.equal(res.status, 201);
      const r = (await res.json()) as Json;
      assert.equal(r.status, 'draft');
      assert.match(r.index_number as string, /^HLWT-ZCWJ-2026-\d{5}$/);
      assert.equal(r.url_console, `http://gk.test/console/items/${r.id}`);
      assert.equal(res.headers.get('location'), `/api/v1/drafts/${r.id}`);
      const audit = await t.db.kysely
        .selectFrom('audit_events')
        .select(['actor_name', 'actor_user_id'])
        .where('action', '=', 'item.create')
        .where('entity_id', '=', String(r.id))
        .executeTakeFirstOrThrow();
      assert.equal(audit.actor_name, 'api:drafter 系统 (drafter)');
      assert.equal(audit.actor_user_id, people.drafter.id);
      const item = (await findItem(t.db.kysely, r.id as number))!;
      assert.equal(item.drafted_by, people.drafter.id);
      assert.doesNotMatch(item.body_html, /script/);

      const got = (await (await call(`/api/v1/drafts/${r.id}`, bearer(tokens.readonly))).json()) as Json;
      assert.equal(got.title, '审计测试草稿');
      assert.equal(got.url, null);

      const bad = await call(
        '/api/v1/drafts',
        bearer(tokens.drafter, jsonBody('POST', draftFields({ title: '', theme: '不存在' }))),
      );
      assert.equal(bad.status, 422);
      const e = (await bad.json()) as { error: { code: string; fields: Record<string, string> } };
      assert.equal(e.error.code, 'validation_failed');
      assert.ok(e.error.fields.title && e.error.fields.theme, JSON.stringify(e));
      const exempt = await call(
        '/api/v1/drafts',
        bearer(tokens.drafter, jsonBody('POST', draftFields({ disclosure: 'exempt' }))),
      );
      assert.equal(exempt.status, 422);
      assert.ok(((await exempt.json()) as { error: { fields: Json } }).error.fields.exemption);
      // A column of another organization is refused like in the console form.
      const otherCol = (await directoryOf(t.deps, otherOrgId)).all.find((c) => c.kind !== 'static')!;
      const cross = await call(
        '/api/v1/drafts',
        bearer(tokens.drafter, jsonBody('POST', draftFields({ column_id: otherCol.id }))),
      );
      assert.equal(cross.status, 422);
      assert.ok(((await cross.json()) as { error: { fields: Json } }).error.fields.column_id);
      const notJson = await call('/api/v1/drafts', bearer(tokens.drafter, { method: 'POST', body: 'title=x' }));
      assert.equal(notJson.status, 415);
      const broken = await call(
        '/api/v1/drafts',
        bearer(tokens.drafter, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      );
      assert.equal(broken.status, 400);
    });

    test('drafts: PUT updates a draft, 409 once it is submitted; another organization answers 404', async () => {
      const res = await call(
        `/api/v1/drafts/${draftId}`,
        bearer(tokens.drafter, jsonBody('PUT', draftFields({ title: '第二稿' }))),
      );
      assert.equal(res.status, 200);
      const got = (await (await call(`/api/v1/drafts/${draftId}`, bearer(tokens.drafter))).json()) as Json;
      assert.equal(got.title, '第二稿');
      const fresh = (await (
        await call('/api/v1/drafts', bearer(tokens.drafter, jsonBody('POST', draftFields({ title: '将被提交' }))))
      ).json()) as { id: number };
      await pub.submit(t.deps, people.drafter.p, actorOf(people.drafter), fresh.id);
      const conflict = await call(`/api/v1/drafts/${fresh.id}`, bearer(tokens.drafter, jsonBody('PUT', draftFields())));
      assert.equal(conflict.status, 409);
      assert.equal(((await conflict.json()) as { error: { code: string } }).error.code, 'conflict');
      for (const init of [bearer(tokens.drafter), bearer(tokens.drafter, jsonBody('PUT', draftFields()))]) {
        const r = await call(`/api/v1/drafts/${otherDraftId}`, init);
        assert.equal(r.status, 404, init.method ?? 'GET');
      }
      assert.equal((await call(`/api/v1/drafts/${draftId}`, bearer(tokens.other))).status, 404);
    });

    test('tokens: unknown, missing, revoked and expired answer 401; a missing scope 403', async () => {
      const path = `/api/v1/drafts/${draftId}`;
      const noHeader = await call(path);
      assert.equal(noHeader.status, 401);
      assert.match(noHeader.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal((await call(path, bearer(`gk_${'x'.repeat(43)}`))).status, 401);
      assert.equal((await call(path, bearer('not-a-token'))).status, 401);
      const scope = await call('/api/v1/drafts', bearer(tokens.readonly, jsonBody('POST', draftFields())));
      assert.equal(scope.status, 403);
      assert.equal(((await scope.json()) as { error: { code: string } }).error.code, 'insufficient_scope');

      const d = people.drafter;
      const short = await createToken(t.deps, d.p, actorOf(d), {
        name: '短期令牌',
        organization_id: orgId,
        scopes: ['drafts:read'],
        expires_on: '2026-11-30',
      });
      assert.equal((await call(path, bearer(short.token))).status, 200);
      t.setNow(new Date('2026-12-01T00:00:00Z'));
      try {
        const expired = await call(path, bearer(short.token));
        assert.equal(expired.status, 401);
        assert.match(((await expired.json()) as { error: { message: string } }).error.message, /过期/);
      } finally {
        t.setNow(new Date('2026-11-25T02:00:00Z'));
      }
    });

    test('tokens never exceed their user: an auditor token and an org admin token cannot create drafts', async () => {
      for (const who of ['auditor', 'orgadmin']) {
        const res = await call('/api/v1/drafts', bearer(tokens[who], jsonBody('POST', draftFields())));
        assert.equal(res.status, 403, who);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'forbidden');
      }
      // Reading is within an auditor's role.
      assert.equal((await call(`/api/v1/drafts/${draftId}`, bearer(tokens.auditor))).status, 200);
      // No API operation publishes: a drafter token cannot publish anything.
      const doc = await openapi();
      assert.ok(!Object.keys(doc.paths as Json).some((p) => /publish|approve|submit/.test(p)));
      for (const p of [`/api/v1/drafts/${draftId}/publish`, `/api/v1/documents/${draftId}/publish`]) {
        const res = await call(p, bearer(tokens.drafter, jsonBody('POST', {})));
        assert.equal(res.status, 404, p);
      }
      const item = await t.db.kysely
        .selectFrom('items')
        .select('status')
        .where('id', '=', draftId)
        .executeTakeFirstOrThrow();
      assert.equal(item.status, 'draft');
    });

    test('console: a token is created once-shown, stored only as its SHA-256, listed by prefix, and revoked (audited)', async () => {
      const c = await signedInClient(t, people.drafter);
      const page = await c.get('/console/api-tokens');
      assert.equal(page.status, 200);
      assert.match(await page.text(), /drafts:write/);
      const bad = await c.post('/console/api-tokens', { name: '', organization_id: String(orgId) });
      assert.equal(bad.status, 422);
      const notMine = await c.post('/console/api-tokens', {
        name: '越权令牌',
        organization_id: String(otherOrgId),
        scopes: 'drafts:write',
      });
      assert.equal(notMine.status, 422);
      const created = await c.post('/console/api-tokens', {
        name: '办公系统同步',
        organization_id: String(orgId),
        scopes: 'drafts:write',
      });
      assert.equal(created.status, 200);
      assert.equal(created.headers.get('cache-control'), 'no-store');
      const html = await created.text();
      const token = html.match(/gk_[A-Za-z0-9_-]{43}/)?.[0];
      assert.ok(token, 'the new token is shown');
      const row = await t.db.kysely
        .selectFrom('api_tokens')
        .selectAll()
        .where('name', '=', '办公系统同步')
        .executeTakeFirstOrThrow();
      assert.equal(row.token_hash, createHash('sha256').update(token).digest('hex'));
      assert.ok(!Object.values(row).some((v) => v === token), 'the token itself is not stored');
      assert.equal(row.token_prefix, token.slice(0, 10));
      assert.equal(row.expires_at, '2027-11-25T02:00:00.000Z');
      const listed = await (await c.get('/console/api-tokens')).text();
      assert.ok(!listed.includes(token), 'shown once only');
      assert.ok(listed.includes(`${token.slice(0, 10)}…`));

      const use = await call(
        '/api/v1/drafts',
        bearer(token, jsonBody('POST', draftFields({ title: '控制台令牌草稿' }))),
      );
      assert.equal(use.status, 201);
      assert.match(await (await c.get('/console/api-tokens')).text(), /从未使用|\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);

      const others = await signedInClient(t, people.otherdrafter);
      assert.equal((await others.post(`/console/api-tokens/${row.id}/revoke`)).status, 404);
      const revoked = await c.post(`/console/api-tokens/${row.id}/revoke`);
      assert.equal(revoked.status, 303);
      const after = await call('/api/v1/drafts', bearer(token, jsonBody('POST', draftFields())));
      assert.equal(after.status, 401);
      assert.match(((await after.json()) as { error: { message: string } }).error.message, /撤销/);
      const actions = (
        await t.db.kysely
          .selectFrom('audit_events')
          .select(['action', 'after_json'])
          .where('entity_type', '=', 'api_token')
          .where('entity_id', '=', String(row.id))
          .execute()
      ).map((a) => a.action);
      assert.deepEqual(actions.sort(), ['api_token.create', 'api_token.revoke']);
      const auditText = JSON.stringify(await t.db.kysely.selectFrom('audit_events').selectAll().execute());
      assert.ok(!auditText.includes(token), 'the token never reaches the audit trail');
      // An auditor has no token page.
      const auditor = await signedInClient(t, people.auditor);
      assert.equal((await auditor.get('/console/api-tokens')).status, 403);
    });

    test('the /api page lists the endpoints and links the OpenAPI document', async () => {
      const res = await call('/api');
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /href="\/api\/v1\/openapi\.json"/);
      for (const p of ['/api/v1/documents', '/api/v1/search', '/api/v1/drafts/{id}']) assert.ok(html.includes(p), p);
    });
  });
}
