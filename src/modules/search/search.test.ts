import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, insertStaff, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import * as svc from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';

for (const engine of testEngines()) {
  describe(`public search (${engine})`, () => {
    let t: TestApp;
    const anon = () => new TestClient(t.app);
    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
    });
    after(() => t.dispose());

    test('demo items are indexed when loaded: a two-character word finds them, highlighted', async () => {
      const html = await (await anon().get(`/search?q=${encodeURIComponent('预算')}`)).text();
      assert.match(html, /湖里区文体出版旅游局2017年部门<mark>预算<\/mark>/);
      assert.match(html, /找到 \d+ 条结果/);
    });

    test('several words mean all of them; a quoted phrase matches as a phrase', async () => {
      const both = await (await anon().get(`/search?q=${encodeURIComponent('双随机 抽查')}`)).text();
      assert.match(both, /“<mark>双随机<\/mark>”<mark>抽查<\/mark>情况/);
      const phrase = await (await anon().get(`/search?q=${encodeURIComponent('"最多跑一趟"')}`)).text();
      assert.match(phrase, /“<mark>最多跑一趟<\/mark>”事项清单/);
    });

    test('no result gives a helpful page; an empty query asks for a word', async () => {
      const none = await anon().get(`/search?q=${encodeURIComponent('量子引力')}`);
      assert.equal(none.status, 200);
      assert.match(await none.text(), /没有找到与“量子引力”相关的公开信息/);
      const empty = await (await anon().get('/search?q=%20%22%22')).text();
      assert.match(empty, /请输入至少一个汉字/);
    });

    test('a withdrawn item leaves the index; FTS syntax in the query causes no error', async () => {
      const org = await t.db.kysely
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', 'wenti')
        .executeTakeFirstOrThrow();
      const u = await insertStaff(t, 'officer', [{ role: 'disclosure_officer', organizationId: org.id }]);
      const item = await t.db.kysely
        .selectFrom('items')
        .select('id')
        .where('title', 'like', '%部门预算%')
        .executeTakeFirstOrThrow();
      await svc.withdraw(
        t.deps,
        {
          userId: u.id,
          username: 'officer',
          displayName: 'officer',
          grants: [{ role: 'disclosure_officer', organizationId: org.id }],
        },
        { userId: u.id, name: 'officer', ip: '' },
        item.id,
        { reason: 'outdated', note: '预算年度已结束。' },
      );
      const html = await (await anon().get(`/search?q=${encodeURIComponent('部门预算')}`)).text();
      assert.doesNotMatch(html, /2017年部门<mark>预算/);
      for (const q of ['" OR "', 'NEAR(a b)', 'a*', '-预算', '(公开', 'title:x ^y']) {
        assert.equal((await anon().get(`/search?q=${encodeURIComponent(q)}`)).status, 200, q);
      }
    });

    test('filters by organization and year', async () => {
      const fagai = await t.db.kysely
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', 'fagai')
        .executeTakeFirstOrThrow();
      assert.match(
        await (await anon().get(`/search?q=${encodeURIComponent('公开')}&org=${fagai.id}`)).text(),
        /没有找到/,
      );
      assert.match(
        await (await anon().get(`/search?q=${encodeURIComponent('查阅')}&year=2026`)).text(),
        /政府信息<mark>查阅<\/mark>点/,
      );
    });
  });
}
