import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { childrenNamed, childText, parseXml } from '../feeds/xml-parse.js';
import { orgTree } from '../organizations/organizations.service.js';
import { seedDemo } from '../seed/demo.js';
import * as svc from './policies.service.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

// The public pages, the feed, the console form and the API, through HTTP.
for (const engine of testEngines()) {
  describe(`policy pages and API (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;
    let client: TestClient;
    let a: { itemId: number; policyId: number };
    let b: { itemId: number; policyId: number };
    let interp: number;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
      client = new TestClient(t.app);
      t.setNow(new Date('2026-11-25T02:00:00Z'));
      a = await desk.draft(
        { title: '湖里区文化产业扶持办法' },
        {
          policy_type: 'normative',
          doc_number: '厦湖文体[2026]3号',
          issuers: '厦门市湖里区文体出版旅游局\n厦门市湖里区财政局',
          theme: '文化产业',
        },
      );
      interp = await desk.draftItem({ title: '《湖里区文化产业扶持办法》政策解读' });
      await desk.interpret(interp, a.policyId);
      await desk.publishDraft(a.itemId);
      b = await desk.publish(
        { title: '湖里区文化产业扶持办法（2027年修订）' },
        { doc_number: '厦湖文体〔2026〕9号', date_signed: '2026-11-20', date_effective: '2026-11-21' },
      );
      await svc.recordRelation(t.deps, desk.people.approver.p, desk.people.approver.actor, b.policyId, {
        kind: 'replaces',
        to_policy_id: String(a.policyId),
      });
    });
    after(() => t.dispose());

    test('the original shows the 已废止 banner at the top, linking to the new document, and 相关解读', async () => {
      const res = await client.get(`/org/wenti/items/${a.itemId}`);
      assert.equal(res.status, 200);
      const html = await res.text();
      const banner = html.indexOf('banner-abolished');
      assert.ok(banner > 0, 'banner shown');
      assert.ok(banner < html.indexOf('item-meta'), 'banner above the metadata');
      assert.match(html, /本文件已废止（效力状态：已废止），自 2026-11-21 起不再执行/);
      assert.ok(html.includes(`href="/org/wenti/items/${b.itemId}"`), 'links the replacing document');
      assert.match(html, /相关解读/);
      assert.match(html, /文字解读/);
      assert.ok(html.includes(`href="/org/wenti/items/${interp}"`));
      assert.match(html, /厦湖文体〔2026〕3号/);
      assert.match(html, /厦门市湖里区财政局/);
      // The interpretation links back to the policy.
      const ih = await (await client.get(`/org/wenti/items/${interp}`)).text();
      assert.match(ih, /解读的政策文件/);
      assert.ok(ih.includes(`href="/org/wenti/items/${a.itemId}"`));
      // The new document says what it replaced, and carries no banner.
      const bh = await (await client.get(`/org/wenti/items/${b.itemId}`)).text();
      assert.match(bh, /替代：/);
      assert.ok(!bh.includes('banner-policy'));
    });

    test('the library lists documents in force first and finds them by 文号 in any bracket style and by words', async () => {
      const html = await (await client.get('/org/wenti/policies')).text();
      assert.ok(html.indexOf('（2027年修订）') < html.indexOf('湖里区文化产业扶持办法</a>'), 'in force first');
      const byNumber = await (
        await client.get(`/org/wenti/policies?q=${encodeURIComponent('厦湖文体(2026)3号')}`)
      ).text();
      assert.match(byNumber, /共 1 件/);
      // The demo data has one replaced document of its own.
      const abolished = await (await client.get('/policies?status=abolished')).text();
      assert.match(abolished, /共 2 件/);
      // Joint issuance: the demo's 2021 measure and the test's document.
      const issuer = await (
        await client.get(`/org/wenti/policies?issuer=${encodeURIComponent('厦门市湖里区财政局')}`)
      ).text();
      assert.match(issuer, /共 2 件/);
      const words = await (await client.get(`/policies?q=${encodeURIComponent('2027年修订')}`)).text();
      assert.match(words, /共 1 件/);
      assert.ok(words.includes(`/org/wenti/items/${b.itemId}"`));
      const none = await (await client.get(`/policies?q=${encodeURIComponent('海洋渔业')}`)).text();
      assert.match(none, /没有符合条件的政策文件/);
    });

    test('the feed of abolished and expired documents lists the repeal, and answers 304 when unchanged', async () => {
      const res = await client.get('/org/wenti/policies/ended.xml');
      assert.equal(res.status, 200);
      const channel = childrenNamed(parseXml(await res.text()), 'channel')[0];
      const items = childrenNamed(channel, 'item');
      const mine = items.filter((i) => /【已废止】湖里区文化产业扶持办法/.test(childText(i, 'title') ?? ''));
      assert.equal(mine.length, 1);
      assert.match(childText(mine[0], 'description') ?? '', /自 2026-11-21 起已废止/);
      // The demo's expired measure is there too.
      assert.ok(items.some((i) => /【已失效】湖里区扶持文化产业发展若干措施/.test(childText(i, 'title') ?? '')));
      const again = await client.request('/org/wenti/policies/ended.xml', {
        headers: { 'if-none-match': res.headers.get('etag')! },
      });
      assert.equal(again.status, 304);
      assert.match(res.headers.get('content-type') ?? '', /^application\/rss\+xml/);
      // Each entry is one status change: a unique, stable guid.
      const guids = items.map((i) => childText(i, 'guid'));
      assert.equal(new Set(guids).size, guids.length);
    });

    test('the same feed in Atom, well-formed, announced on the library page with rel=alternate', async () => {
      for (const path of ['/org/wenti/policies/ended.atom', '/policies/ended.atom']) {
        const res = await client.get(path);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^application\/atom\+xml/);
        const feed = parseXml(await res.text());
        assert.equal(feed.name, 'feed');
        assert.equal(feed.attrs.xmlns, 'http://www.w3.org/2005/Atom');
        assert.equal(childText(feed, 'id'), `http://gk.test${path}`);
        assert.ok(childText(feed, 'updated'));
        const entries = childrenNamed(feed, 'entry');
        const mine = entries.filter((e) => /【已废止】湖里区文化产业扶持办法/.test(childText(e, 'title') ?? ''));
        assert.equal(mine.length, 1);
        assert.match(childText(mine[0], 'summary') ?? '', /自 2026-11-21 起已废止/);
        assert.match(childText(mine[0], 'id') ?? '', /^http:\/\/gk\.test\/org\/wenti\/items\/\d+#status-change-\d+$/);
        assert.match(childText(mine[0], 'updated') ?? '', /^\d{4}-\d\d-\d\dT/);
        const ids = entries.map((e) => childText(e, 'id'));
        assert.equal(new Set(ids).size, ids.length);
        const again = await client.request(path, { headers: { 'if-none-match': res.headers.get('etag')! } });
        assert.equal(again.status, 304);
      }
      // The RSS of the district validates as XML too.
      const rss = parseXml(await (await client.get('/policies/ended.xml')).text());
      assert.equal(rss.name, 'rss');
      for (const path of ['/org/wenti/policies', '/policies']) {
        const html = await (await client.get(path)).text();
        assert.ok(
          html.includes(
            `<link rel="alternate" type="application/atom+xml" title="废止、失效的政策文件（Atom）" href="${path}/ended.atom"`,
          ),
          `${path} announces the Atom feed`,
        );
        assert.ok(
          html.includes(`type="application/rss+xml" title="废止、失效的政策文件（RSS）" href="${path}/ended.xml"`),
        );
        assert.ok(html.includes(`<a href="${path}/ended.atom">Atom</a>`));
      }
    });

    test('the API answers a policy with its status banner, relations and interpretations', async () => {
      const res = await client.get(`/api/v1/policies/${a.policyId}`);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.doc_number, '厦湖文体〔2026〕3号');
      assert.equal(body.status.status, 'abolished');
      assert.equal(body.status.since, '2026-11-21');
      assert.equal(body.status.banner.by.id, b.policyId);
      assert.deepEqual(
        body.relations.map((r: { kind: string; direction: string }) => [r.kind, r.direction]),
        [['replaces', 'in']],
      );
      assert.equal(body.interpretations[0].form, 'text');
      const list = await (
        await client.get(`/api/v1/policies?doc_number=${encodeURIComponent('厦湖文体【2026】9号')}`)
      ).json();
      assert.equal(list.total, 1);
      assert.equal(list.data[0].id, b.policyId);
      const inForce = await (await client.get('/api/v1/policies?status=in_force&organization=wenti')).json();
      assert.ok(inForce.data.every((p: { status: string }) => p.status === 'in_force'));
      const interps = await (await client.get(`/api/v1/interpretations?policy=${a.policyId}`)).json();
      assert.equal(interps.data.length, 1);
      assert.equal(interps.data[0].policies[0].id, a.policyId);
      const openapi = await (await client.get('/api/v1/openapi.json')).json();
      for (const path of [
        '/api/v1/policies',
        '/api/v1/policies/{id}',
        '/api/v1/interpretations',
        '/api/v1/statistics/policies',
      ])
        assert.ok(openapi.paths[path], `${path} in the OpenAPI document`);
    });

    test('statistics count issued, abolished and in-force 规章 and 行政规范性文件 of the year', async () => {
      const body = await (await client.get('/api/v1/statistics/policies?year=2026&organization=wenti')).json();
      const normative = body.rows.find((r: { type: string }) => r.type === 'normative');
      // Issued and abolished in 2026: the test's document; in force at year end: the demo's 2021 measure.
      assert.deepEqual([normative.issued, normative.abolished, normative.in_force], [1, 1, 1]);
      const bad = await client.get('/api/v1/statistics/policies');
      assert.equal(bad.status, 422);
    });

    test('the policy list, interpretation and statistics APIs answer conditional GETs by ETag, documented so', async () => {
      const paths = [
        '/api/v1/policies?organization=wenti',
        `/api/v1/interpretations?policy=${a.policyId}`,
        '/api/v1/statistics/policies?year=2026&organization=wenti',
      ];
      const etags: string[] = [];
      for (const path of paths) {
        const first = await client.get(path);
        assert.equal(first.status, 200, path);
        const etag = first.headers.get('etag');
        assert.match(etag ?? '', /^W\/".+"$/, path);
        assert.equal(first.headers.get('last-modified'), null, `${path}: no one time of last change to tell`);
        assert.equal(first.headers.get('cache-control'), 'public, no-cache');
        const again = await client.request(path, { headers: { 'if-none-match': etag! } });
        assert.equal(again.status, 304, path);
        assert.equal(again.headers.get('etag'), etag);
        assert.equal(await again.text(), '');
        const since = await client.request(path, { headers: { 'if-modified-since': 'Wed, 01 Jan 2100 00:00:00 GMT' } });
        assert.equal(since.status, 200, `${path}: If-Modified-Since is not honoured without Last-Modified`);
        etags.push(etag!);
      }
      // A new document and an interpretation of a: the lists change, and so do their tags (the statistics count
      // only 规章 and 行政规范性文件, which need the whole 三同步 to publish; the tag is made the same way).
      t.setNow(new Date('2026-11-26T02:00:00Z'));
      await desk.publish(
        { title: '湖里区公共文化服务补助办法' },
        { date_signed: '2026-11-25', date_effective: '2026-11-26' },
      );
      await desk.publishInterpretation('《湖里区文化产业扶持办法》一图读懂', a.policyId);
      for (const [i, path] of paths.slice(0, 2).entries()) {
        const changed = await client.request(path, { headers: { 'if-none-match': etags[i] } });
        assert.equal(changed.status, 200, `${path} after a change`);
        assert.notEqual(changed.headers.get('etag'), etags[i]);
      }

      const openapi = await (await client.get('/api/v1/openapi.json')).json();
      for (const path of [
        '/api/v1/policies',
        '/api/v1/interpretations',
        '/api/v1/statistics/policies',
        '/api/v1/search',
      ]) {
        const op = openapi.paths[path].get;
        for (const status of ['200', '304'])
          assert.deepEqual(Object.keys(op.responses[status].headers ?? {}), ['ETag'], `${path} ${status}`);
        assert.deepEqual(
          op.parameters.filter((x: { in: string }) => x.in === 'header').map((x: { name: string }) => x.name),
          ['If-None-Match'],
          path,
        );
        assert.match(op.description, /支持条件请求：响应带 ETag，If-None-Match 命中时答 304。$/, `${path} says so`);
      }
    });

    test('the console form normalizes the 文号 and re-renders errors with a summary', async () => {
      const u = await insertStaff(t, 'pol_form_drafter', [{ role: 'drafter', organizationId: desk.orgId }]);
      const c = await signedInClient(t, u);
      const itemId = await desk.draftItem({ title: '表单测试文件' });
      const bad = await c.post(`/console/items/${itemId}/policy`, {
        policy_type: 'normative',
        doc_number: '厦湖文体2026号',
        date_signed: '2026-11-01',
        date_effective: '2026-11-02',
      });
      assert.equal(bad.status, 422);
      const html = await bad.text();
      assert.match(html, /error-summary/);
      assert.match(html, /href="#doc_number"/);
      const ok = await c.post(`/console/items/${itemId}/policy`, {
        policy_type: 'normative',
        doc_number: '厦湖文体（2026）15号',
        date_signed: '2026-11-01',
        date_effective: '2026-11-02',
      });
      assert.equal(ok.status, 303);
      const page = await (await c.get(`/console/items/${itemId}`)).text();
      assert.match(page, /厦湖文体〔2026〕15号/);
      assert.match(page, /行政规范性文件须与解读一并报送审核/);
    });

    test('撰写解读 on the policy console page opens a new draft of the chosen form, linked to the policy', async () => {
      const k = t.db.kysely;
      const u = await insertStaff(t, 'pol_interp_drafter', [{ role: 'drafter', organizationId: desk.orgId }]);
      const c = await signedInClient(t, u);
      // Drafted by another organization than the publishing one: the interpretation's responsible one.
      // Neither above nor below the publishing organization, so its staff have no say over the policy.
      const tree = await orgTree(t.deps);
      const drafting = tree.all.find(
        (o) => !tree.chain(desk.orgId).includes(o.id) && !tree.chain(o.id).includes(desk.orgId),
      )!;
      const pol = await desk.publish(
        { title: '湖里区非遗保护办法' },
        { drafting_organization_id: String(drafting.id) },
      );
      const page = await (await c.get(`/console/items/${pol.itemId}`)).text();
      assert.match(page, /撰写解读/);
      for (const label of ['文字解读', '图片解读', '视频解读', '访谈解读', '媒体报道', '专家解读', '政策问答'])
        assert.ok(page.includes(`>${label}</button>`), label);
      assert.ok(page.includes(`action="/console/policies/${pol.policyId}/interpretations"`));

      const before = await k
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const res = await c.post(`/console/policies/${pol.policyId}/interpretations`, { form: 'video' });
      assert.equal(res.status, 303);
      const m = /^\/console\/items\/(\d+)$/.exec(res.headers.get('location') ?? '');
      assert.ok(m, 'redirects to the new draft');
      const newId = Number(m[1]);
      const policyItem = await k.selectFrom('items').selectAll().where('id', '=', pol.itemId).executeTakeFirstOrThrow();
      const item = await k.selectFrom('items').selectAll().where('id', '=', newId).executeTakeFirstOrThrow();
      assert.equal(item.status, 'draft');
      assert.equal(item.organization_id, policyItem.organization_id);
      assert.equal(item.column_id, policyItem.column_id);
      assert.equal(item.title, '《湖里区非遗保护办法》视频解读');
      assert.equal(item.drafted_by, u.id);
      const interp = await k
        .selectFrom('interpretations')
        .selectAll()
        .where('item_id', '=', newId)
        .executeTakeFirstOrThrow();
      assert.equal(interp.form, 'video');
      assert.equal(interp.responsible_organization_id, drafting.id);
      const links = await k
        .selectFrom('interpretation_policies')
        .select('policy_id')
        .where('interpretation_id', '=', interp.id)
        .execute();
      assert.deepEqual(links, [{ policy_id: pol.policyId }]);
      const audit = await k
        .selectFrom('audit_events')
        .select('action')
        .where('entity_type', '=', 'interpretation')
        .where('entity_id', '=', String(interp.id))
        .execute();
      assert.deepEqual(
        audit.map((a) => a.action),
        ['interpretation.create'],
      );
      // The draft's page says what it interprets; the policy's page lists it.
      const draftPage = await (await c.get(`/console/items/${newId}`)).text();
      assert.match(draftPage, /解读形式：视频解读；解读的文件：《湖里区非遗保护办法》/);
      assert.ok(
        (await (await c.get(`/console/items/${pol.itemId}`)).text()).includes(`href="/console/items/${newId}"`),
      );

      // An unknown form: refused, nothing created.
      const bad = await c.post(`/console/policies/${pol.policyId}/interpretations`, { form: 'poem' });
      assert.equal(bad.status, 303);
      assert.equal(bad.headers.get('location'), `/console/items/${pol.itemId}`);
      const after = await k
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n) + 1);
      // Staff of another organization may not.
      const other = await insertStaff(t, 'pol_interp_other', [{ role: 'drafter', organizationId: drafting.id }]);
      const oc = await signedInClient(t, other);
      assert.equal((await oc.post(`/console/policies/${pol.policyId}/interpretations`, { form: 'text' })).status, 403);
    });
  });
}
