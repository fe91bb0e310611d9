import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import type { AppEnv } from '../../platform/context.js';
import { renderError } from '../../platform/http/errors.js';
import { createTestApp, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import * as publishing from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';
import { type Publisher, publisherFor } from '../subscriptions/test-support.js';
import { feedRoutes, notModified } from './feeds.routes.js';
import { escapeXml, stripIllegalXmlChars } from './xml.js';
import { childrenNamed, childText, type ParsedElement, parseXml, XmlSyntaxError } from './xml-parse.js';

describe('the XML writer', () => {
  test('escapes & < > " \' and drops characters XML 1.0 forbids', () => {
    assert.equal(escapeXml(`R&D <b> "q" 'a'`), 'R&amp;D &lt;b&gt; &quot;q&quot; &apos;a&apos;');
    assert.equal(stripIllegalXmlChars('a\u0000b\u0007c\u000bd\u001fe\ufffef\uffffg\ud800h'), 'abcdefgh');
    assert.equal(stripIllegalXmlChars('tab\tnl\ncr\r中文😀'), 'tab\tnl\ncr\r中文😀');
  });

  test('the checker rejects what is not well-formed and accepts what is', () => {
    for (const bad of [
      '<a><b></a></b>',
      '<a>&</a>',
      '<a>x &foo; y</a>',
      '<a>\u0001</a>',
      '<a x="1" x="2"/>',
      '<a>1</a><b/>',
      '<a>&#1;</a>',
      '<a><b></a>',
      'text<a/>',
      '<a x="<"/>',
    ]) {
      assert.throws(() => parseXml(bad), XmlSyntaxError, bad);
    }
    const ok = parseXml('<?xml version="1.0"?>\n<a x="&amp;1"><b>R&amp;D &lt;x&gt; &#20013;</b><c/></a>');
    assert.equal(ok.attrs.x, '&1');
    assert.equal(childText(ok, 'b'), 'R&D <x> 中');
  });

  test('conditional GET: If-None-Match wins; If-Modified-Since compares whole seconds', () => {
    const lm = '2026-11-25T02:00:00.500Z';
    assert.ok(notModified({ ifNoneMatch: '"abc"' }, '"abc"', lm));
    assert.ok(notModified({ ifNoneMatch: 'W/"abc", "def"' }, '"abc"', lm));
    assert.ok(!notModified({ ifNoneMatch: '"x"', ifModifiedSince: new Date(lm).toUTCString() }, '"abc"', lm));
    assert.ok(notModified({ ifModifiedSince: new Date(lm).toUTCString() }, '"abc"', lm));
    assert.ok(!notModified({ ifModifiedSince: 'Wed, 25 Nov 2026 01:59:59 GMT' }, '"abc"', lm));
    assert.ok(!notModified({ ifModifiedSince: 'garbage' }, '"abc"', lm));
  });
});

const items = (rss: ParsedElement) => childrenNamed(childrenNamed(rss, 'channel')[0], 'item');

for (const engine of testEngines()) {
  describe(`feeds and sitemap (${engine})`, () => {
    let t: TestApp;
    let pub: Publisher;
    let client: TestClient;
    const base = 'http://gk.test';

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      pub = await publisherFor(t, 'wenti');
      client = new TestClient(t.app);
    });
    after(() => t.dispose());

    test('a title with & < > quotes and a control character gives well-formed RSS and Atom', async () => {
      const title = `R&D <预算> "说明" '附表' 第\u0007一季度`;
      const id = await pub.publish({ title, summary: '收入 & 支出 < 预算' });
      const shown = `R&D <预算> "说明" '附表' 第一季度`;
      for (const path of ['/org/wenti/gk/policies/rss.xml', '/org/wenti/rss.xml']) {
        const res = await client.get(path);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.get('content-type'), 'application/rss+xml; charset=utf-8');
        const xml = await res.text();
        assert.ok(!xml.includes('\u0007'));
        assert.match(xml, /R&amp;D &lt;预算&gt; &quot;说明&quot; &apos;附表&apos;/);
        const rss = parseXml(xml);
        assert.equal(rss.name, 'rss');
        assert.equal(rss.attrs.version, '2.0');
        const entry = items(rss).find((i) => childText(i, 'title') === shown);
        assert.ok(entry, `${path} lists the item`);
        const link = `${base}/org/wenti/items/${id}`;
        assert.equal(childText(entry, 'link'), link);
        assert.equal(childText(entry, 'guid'), link);
        assert.equal(childText(entry, 'description'), '收入 & 支出 < 预算');
        assert.equal(new Date(childText(entry, 'pubDate')!).toISOString(), '2026-11-25T02:00:00.000Z');
        const channel = childrenNamed(rss, 'channel')[0];
        assert.equal(childrenNamed(channel, 'atom:link')[0].attrs.href, `${base}${path}`);
      }
      for (const path of ['/org/wenti/gk/policies/atom.xml', '/org/wenti/atom.xml']) {
        const res = await client.get(path);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.get('content-type'), 'application/atom+xml; charset=utf-8');
        const feed = parseXml(await res.text());
        assert.equal(feed.name, 'feed');
        assert.equal(feed.attrs.xmlns, 'http://www.w3.org/2005/Atom');
        assert.ok(childText(feed, 'updated'));
        const entry = childrenNamed(feed, 'entry').find((e) => childText(e, 'title') === shown);
        assert.ok(entry, `${path} lists the item`);
        assert.equal(childText(entry, 'id'), `${base}/org/wenti/items/${id}`);
        assert.equal(childrenNamed(entry, 'link')[0].attrs.href, `${base}/org/wenti/items/${id}`);
      }
    });

    test('a feed has the latest 50 items, newest first; withdrawn ones move to the withdrawals feed', async () => {
      const actor = { userId: null, name: 'test', ip: '' };
      for (let i = 0; i < 55; i++) {
        await publishing.importPublished(t.deps, actor, pub.orgId, {
          sourceRef: `feed-bulk-${i}`,
          columnId: pub.columnId('news'),
          title: `批量信息 ${i}`,
          dateCreated: '2026-11-24',
          publishedAt: new Date(Date.UTC(2026, 10, 24, 0, i)).toISOString(),
          theme: '综合政务',
          genre: '其他',
          bodyHtml: '<p>x</p>',
        });
      }
      const rss = parseXml(await (await client.get('/org/wenti/gk/news/rss.xml')).text());
      const list = items(rss);
      assert.equal(list.length, 50);
      const dates = list.map((i) => Date.parse(childText(i, 'pubDate')!));
      assert.deepEqual(
        dates,
        [...dates].sort((a, b) => b - a),
      );
      assert.equal(childText(list[0], 'title'), '批量信息 54');

      const id = await pub.publish({ title: '将被撤回的信息' });
      assert.ok(items(parseXml(await (await client.get('/org/wenti/rss.xml')).text())).length > 0);
      await pub.withdraw(id, 'outdated', '该办法已于 2026 年 11 月废止。');
      const after = items(parseXml(await (await client.get('/org/wenti/rss.xml')).text()));
      assert.ok(!after.some((i) => childText(i, 'title') === '将被撤回的信息'));
      const res = await client.get('/org/wenti/withdrawn.xml');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/rss+xml; charset=utf-8');
      const w = items(parseXml(await res.text()));
      const entry = w.find((i) => childText(i, 'title') === '【已撤回】将被撤回的信息');
      assert.ok(entry);
      assert.match(childText(entry, 'description')!, /撤回原因：已过时/);
      assert.match(childText(entry, 'description')!, /该办法已于 2026 年 11 月废止。/);
      assert.equal(childText(entry, 'link'), `${base}/org/wenti/items/${id}`);
    });

    test('conditional GET answers 304 until the feed changes', async () => {
      const path = '/org/wenti/gk/policies/rss.xml';
      const first = await client.get(path);
      const etag = first.headers.get('etag')!;
      const lastModified = first.headers.get('last-modified')!;
      assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
      assert.ok(lastModified);
      assert.equal(first.headers.get('cache-control'), 'public, no-cache');

      const byEtag = await client.request(path, { headers: { 'If-None-Match': etag } });
      assert.equal(byEtag.status, 304);
      assert.equal(await byEtag.text(), '');
      assert.equal(byEtag.headers.get('etag'), etag);
      const byDate = await client.request(path, { headers: { 'If-Modified-Since': lastModified } });
      assert.equal(byDate.status, 304);
      const older = new Date(Date.parse(lastModified) - 3600_000).toUTCString();
      assert.equal((await client.request(path, { headers: { 'If-Modified-Since': older } })).status, 200);

      t.setNow(new Date('2026-11-25T03:00:00Z'));
      await pub.publish({ title: '一小时后发布的信息' });
      const changed = await client.request(path, { headers: { 'If-None-Match': etag } });
      assert.equal(changed.status, 200);
      assert.notEqual(changed.headers.get('etag'), etag);
      assert.equal(
        (await client.request(path, { headers: { 'If-Modified-Since': lastModified } })).status,
        200,
        'a newer Last-Modified',
      );
    });

    test('feeds of unknown organizations and columns, and of static columns, answer 404', async () => {
      assert.equal((await client.get('/org/nope/rss.xml')).status, 404);
      assert.equal((await client.get('/org/wenti/gk/nope/atom.xml')).status, 404);
      const staticCol = await t.db.kysely
        .selectFrom('columns')
        .select('slug')
        .where('organization_id', '=', pub.orgId)
        .where('kind', '=', 'static')
        .executeTakeFirst();
      if (staticCol) assert.equal((await client.get(`/org/wenti/gk/${staticCol.slug}/rss.xml`)).status, 404);
    });

    test('agency and column pages link their feeds and the email subscription', async () => {
      const col = await (await client.get('/org/wenti/gk/policies')).text();
      assert.match(
        col,
        /<link rel="alternate" type="application\/rss\+xml" title="[^"]*" href="\/org\/wenti\/gk\/policies\/rss\.xml"/,
      );
      assert.match(col, /href="\/org\/wenti\/gk\/policies\/atom\.xml"/);
      assert.match(col, /href="\/org\/wenti\/subscribe\?column=policies"/);
      const home = await (await client.get('/org/wenti')).text();
      assert.match(
        home,
        /<link rel="alternate" type="application\/rss\+xml" title="RSS 订阅" href="\/org\/wenti\/rss\.xml"/,
      );
      assert.match(home, /href="\/org\/wenti\/subscribe"/);
      const about = await (await client.get('/org/wenti/about')).text();
      assert.doesNotMatch(about, /rel="alternate"/);
    });

    test('robots.txt names the sitemap', async () => {
      const body = await (await client.get('/robots.txt')).text();
      assert.match(body, /^Sitemap: http:\/\/gk\.test\/sitemap\.xml$/m);
    });

    test('the sitemap index splits pages at the limit; together they list every public page once', async () => {
      const draftOnly = await pub.draft({ title: '草稿不进站点地图' });
      const published = await pub.publish({ title: '进入站点地图的信息' });
      const withdrawn = await pub.publish({ title: '撤回后不进站点地图' });
      await pub.withdraw(withdrawn);

      const small = new Hono<AppEnv>();
      small.route('/', feedRoutes(t.deps, { sitemapPageSize: 3 }));
      small.onError((err, c) => renderError(c, t.deps, err));
      const get = (path: string) => small.request(`${base}${path}`);

      const idx = await get('/sitemap.xml');
      assert.equal(idx.status, 200);
      assert.equal(idx.headers.get('content-type'), 'application/xml; charset=utf-8');
      const index = parseXml(await idx.text());
      assert.equal(index.name, 'sitemapindex');
      const pages = childrenNamed(index, 'sitemap').map((s) => childText(s, 'loc')!);
      assert.ok(pages.length > 10, `${pages.length} pages`);
      const seen: string[] = [];
      for (const [i, loc] of pages.entries()) {
        assert.equal(loc, `${base}/sitemaps/${i + 1}.xml`);
        const res = await get(loc.slice(base.length));
        assert.equal(res.status, 200, loc);
        const set = parseXml(await res.text());
        assert.equal(set.name, 'urlset');
        const urls = childrenNamed(set, 'url');
        assert.ok(urls.length <= 3, `${loc} has ${urls.length} URLs`);
        seen.push(...urls.map((u) => childText(u, 'loc')!));
      }
      assert.equal(new Set(seen).size, seen.length, 'no URL twice');
      for (const p of ['/', '/org/wenti', '/org/wenti/about', '/org/wenti/gk', '/org/wenti/gk/policies', '/org/fagai'])
        assert.ok(seen.includes(`${base}${p}`), p);
      assert.ok(seen.includes(`${base}/org/wenti/items/${published}`));
      assert.ok(!seen.includes(`${base}/org/wenti/items/${withdrawn}`));
      assert.ok(!seen.includes(`${base}/org/wenti/items/${draftOnly}`));
      const publicCount = await t.db.kysely
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('published_version', '>', 0)
        .where('withdrawn', '=', 0)
        .executeTakeFirstOrThrow();
      assert.equal(seen.filter((u) => u.includes('/items/')).length, Number(publicCount.n));

      assert.equal((await get('/sitemaps/0.xml')).status, 404);
      assert.equal((await get(`/sitemaps/${pages.length + 1}.xml`)).status, 404);
      assert.equal((await get('/sitemaps/x.xml')).status, 404);

      // The application's own sitemap: one page of public pages and one range of item ids.
      const full = parseXml(await (await client.get('/sitemap.xml')).text());
      assert.equal(childrenNamed(full, 'sitemap').length, 2);
      const items1 = parseXml(await (await client.get('/sitemaps/2.xml')).text());
      assert.equal(childrenNamed(items1, 'url').length, Number(publicCount.n));
      const lastmod = childText(childrenNamed(items1, 'url')[0], 'lastmod');
      assert.ok(lastmod && !Number.isNaN(Date.parse(lastmod)));
    });
  });
}
