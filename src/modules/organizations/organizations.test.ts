import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyAuditChain } from '../../platform/audit/audit.service.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { seedDemo } from '../seed/demo.js';

for (const engine of testEngines()) {
  describe(`organizations and the portal shell (${engine})`, () => {
    let t: TestApp;
    const anon = () => new TestClient(t.app);
    before(async () => {
      t = await createTestApp(engine);
      assert.equal(await seedDemo(t.deps), true);
    });
    after(() => t.dispose());

    test('seeding twice loads the demo organizations once', async () => {
      assert.equal(await seedDemo(t.deps), false);
      const n = await t.db.kysely.selectFrom('organizations').select('id').execute();
      assert.equal(n.length, 9);
    });

    test('the district home lists the government and its bureaus', async () => {
      const res = await anon().get('/');
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /<html lang="zh-CN"/);
      assert.match(html, /厦门市湖里区人民政府/);
      assert.match(html, /href="\/org\/wenti"/);
      assert.match(html, /闽ICP备/);
    });

    test('an agency home shows its contact details, leadership and the page QR code', async () => {
      const html = await (await anon().get('/org/wenti')).text();
      assert.match(html, /厦门市湖里区文体出版旅游局/);
      assert.match(html, /0592-5710000/);
      assert.match(html, /王建华/);
      assert.match(html, /扫一扫在手机上查看当前页面/);
      assert.match(html, /<svg[^>]*role="img"/);
      assert.match(html, /当前位置/);
      assert.match(html, /class="skip-link"/);
    });

    test('the about page carries functions and leadership (Art. 20(2))', async () => {
      const html = await (await anon().get('/org/wenti/about')).text();
      assert.match(html, /机构职能/);
      assert.match(html, /第一解读人/);
      assert.match(html, /<th scope="col">工作分工<\/th>/);
    });

    test('an unknown page answers a Chinese 404 page; an unknown API path answers JSON', async () => {
      const page = await anon().get('/org/nope');
      assert.equal(page.status, 404);
      assert.match(await page.text(), /没有找到该机构/);
      const api = await anon().get('/api/v1/nothing');
      assert.equal(api.status, 404);
      assert.deepEqual(await api.json(), { error: { code: 'not_found', message: '您访问的页面不存在或已被删除。' } });
    });

    test('every response carries a CSP without inline script and the other security headers', async () => {
      const res = await anon().get('/');
      const csp = res.headers.get('content-security-policy')!;
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(res.headers.get('x-request-id'));
    });

    test('health and readiness answer JSON', async () => {
      assert.deepEqual(await (await anon().get('/healthz')).json(), { status: 'ok' });
      const r = await anon().get('/readyz');
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: 'ok', database: engine });
    });

    test('elderly mode is switched on by a link and persists across pages', async () => {
      const c = anon();
      const r = await c.get('/elderly-mode?on=1&back=%2Forg%2Fwenti');
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/org/wenti');
      assert.match(await (await c.get('/org/wenti/about')).text(), /<html lang="zh-CN" class="elderly"/);
      assert.match(await (await c.get('/')).text(), /退出长者模式/);
      await c.get('/elderly-mode?on=0&back=%2F');
      assert.doesNotMatch(await (await c.get('/')).text(), /class="elderly"/);
    });

    test('the elderly-mode link never redirects off-site', async () => {
      const r = await anon().get('/elderly-mode?on=1&back=%2F%2Fevil.example');
      assert.equal(r.headers.get('location'), '/');
    });

    test('an administrator creates an organization in the console and it appears on the portal', async () => {
      const root = await t.db.kysely
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', 'huli')
        .executeTakeFirstOrThrow();
      const admin = await insertStaff(t, 'orgadmin', [{ role: 'system_admin', organizationId: root.id }], {
        totp: true,
      });
      const c = await signedInClient(t, admin);
      const bad = await c.post('/console/organizations', {
        name: '',
        code: 'x',
        slug: 'Bad Slug',
        kind: 'department',
        parent_id: String(root.id),
        postcode: '12',
      });
      assert.equal(bad.status, 422);
      const html = await bad.text();
      assert.match(html, /class="error-summary"/);
      assert.match(html, /href="#slug"/);
      assert.match(html, /邮政编码须为 6 位数字/);
      assert.match(html, /value="12"/, 'what was typed is kept');
      const ok = await c.post('/console/organizations', {
        name: '厦门市湖里区卫生健康局',
        code: 'HLWJJ',
        slug: 'weijian',
        kind: 'department',
        parent_id: String(root.id),
        phone: '0592-5760000',
        leadership: '李四｜局长｜主持全面工作',
        sort_order: '60',
        active: '1',
      });
      assert.equal(ok.status, 303);
      assert.match(await (await anon().get('/org/weijian')).text(), /厦门市湖里区卫生健康局/);
      assert.match(await (await anon().get('/org/weijian/about')).text(), /李四/);
      const dup = await c.post('/console/organizations', {
        name: '重复',
        code: 'HLWJJ',
        slug: 'weijian',
        kind: 'department',
      });
      assert.equal(dup.status, 422);
      assert.match(await dup.text(), /该机构代码已被使用/);
      const ev = await t.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'organization.create')
        .where('actor_user_id', '=', admin.id)
        .execute();
      assert.equal(ev.length, 1);
      assert.ok(ev[0].after_json?.includes('HLWJJ'));
      assert.equal((await verifyAuditChain(t.db.kysely)).ok, true);
    });

    test('an organization administrator edits only organizations in their own subtree', async () => {
      const wenti = await t.db.kysely
        .selectFrom('organizations')
        .selectAll()
        .where('slug', '=', 'wenti')
        .executeTakeFirstOrThrow();
      const fagai = await t.db.kysely
        .selectFrom('organizations')
        .selectAll()
        .where('slug', '=', 'fagai')
        .executeTakeFirstOrThrow();
      const u = await insertStaff(t, 'wenti_admin', [{ role: 'org_admin', organizationId: wenti.id }]);
      const c = await signedInClient(t, u);
      assert.equal((await c.get(`/console/organizations/${wenti.id}`)).status, 200);
      assert.equal((await c.get(`/console/organizations/${fagai.id}`)).status, 403);
      const res = await c.post(`/console/organizations/${fagai.id}`, {
        name: '改名',
        code: fagai.code,
        slug: fagai.slug,
        kind: 'department',
        parent_id: String(fagai.parent_id),
      });
      assert.equal(res.status, 403);
      const office = await t.db.kysely
        .selectFrom('organizations')
        .selectAll()
        .where('slug', '=', 'wenti-office')
        .executeTakeFirstOrThrow();
      const ok = await c.post(`/console/organizations/${office.id}`, {
        name: '区文体出版旅游局办公室',
        code: office.code,
        slug: office.slug,
        kind: 'office',
        parent_id: String(wenti.id),
        phone: '0592-5719999',
        active: '1',
      });
      assert.equal(ok.status, 303);
    });
  });
}
