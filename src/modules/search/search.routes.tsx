import { Hono } from 'hono';
import type { AppEnv, Deps } from '../../platform/context.js';
import { htmlToText } from '../../platform/html/sanitize.js';
import { portalPage } from '../../platform/http/portal.js';
import { PageNumbers } from '../../platform/render/components.js';
import { search, type TextPart } from '../../platform/search/search.service.js';
import { beijingDate, formatDateTime } from '../../platform/time.js';
import { directoryOf } from '../directory/directory.service.js';
import { orgTree } from '../organizations/organizations.service.js';
import { itemHref } from '../publishing/views/public.js';

const PAGE_SIZE = 20;

function Marked({ parts }: { parts: TextPart[] }) {
  return <>{parts.map((p) => (p.hit ? <mark>{p.text}</mark> : p.text))}</>;
}

/** Plain texts of the items' current public versions, for snippets. */
async function bodyTexts(deps: Deps, ids: number[]) {
  const rows = await deps.db.kysely
    .selectFrom('items as i')
    .innerJoin('item_versions as v', (j) =>
      j.onRef('v.item_id', '=', 'i.id').onRef('v.version', '=', 'i.published_version'),
    )
    .select(['i.id', 'v.summary', 'v.body_html'])
    .where('i.id', 'in', ids.length ? ids : [-1])
    .execute();
  return new Map(rows.map((r) => [r.id, `${r.summary}\n${htmlToText(r.body_html)}`]));
}

/** The public search page across all agencies, with filters. */
export function searchRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();
  app.get('/search', async (c) => {
    const q = (c.req.query('q') ?? '').slice(0, 200);
    const num = (v: string | undefined) => {
      const n = Number(v);
      return Number.isInteger(n) && n > 0 ? n : undefined;
    };
    const orgId = num(c.req.query('org'));
    const columnId = num(c.req.query('column'));
    const year = num(c.req.query('year'));
    const page = Math.min(num(c.req.query('page')) ?? 1, 500);
    const tree = await orgTree(deps);
    const org = orgId ? tree.byId.get(orgId) : undefined;
    const dir = org ? await directoryOf(deps, org.id) : undefined;
    const result = await search(
      { db: deps.db, texts: (ids) => bodyTexts(deps, ids) },
      {
        q,
        organizationId: org?.id,
        columnId: dir?.byId.has(columnId ?? -1) ? columnId : undefined,
        year,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      },
    );
    const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
    const link = (p: number) => {
      const s = new URLSearchParams({ q });
      if (org) s.set('org', String(org.id));
      if (columnId) s.set('column', String(columnId));
      if (year) s.set('year', String(year));
      if (p > 1) s.set('page', String(p));
      return `/search?${s}`;
    };
    const thisYear = Number(beijingDate(deps.clock()).slice(0, 4));
    return portalPage(c, deps, {
      title: q ? `搜索：${q}` : '搜索',
      org: null,
      crumbs: [{ label: '首页', href: '/' }, { label: '搜索' }],
      qr: false,
      children: (
        <>
          <h1>搜索公开信息</h1>
          <form method="get" action="/search" class="filters search-form">
            <div class="field">
              <label for="q">关键词</label>
              <input id="q" name="q" type="search" value={q} maxlength={100} />
            </div>
            <div class="field">
              <label for="org">机构</label>
              <select id="org" name="org">
                <option value="">全部机构</option>
                {tree.all
                  .filter((o) => o.active && o.kind !== 'office')
                  .map((o) => (
                    <option value={String(o.id)} selected={o.id === org?.id}>
                      {o.name}
                    </option>
                  ))}
              </select>
            </div>
            {dir ? (
              <div class="field">
                <label for="column">栏目</label>
                <select id="column" name="column">
                  <option value="">全部栏目</option>
                  {dir.all
                    .filter((col) => col.kind !== 'static')
                    .map((col) => (
                      <option value={String(col.id)} selected={col.id === columnId}>
                        {col.name}
                      </option>
                    ))}
                </select>
              </div>
            ) : null}
            <div class="field">
              <label for="year">年份</label>
              <select id="year" name="year">
                <option value="">全部年份</option>
                {Array.from({ length: 12 }, (_, i) => thisYear - i).map((y) => (
                  <option value={String(y)} selected={y === year}>
                    {y} 年
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">搜索</button>
          </form>
          <p class="hint">多个词用空格分开表示同时包含；用引号括起来（如 “政务公开工作”）表示按整个短语查找。</p>
          {result.empty ? (
            q ? (
              <p>请输入至少一个汉字、字母或数字作为关键词。</p>
            ) : null
          ) : result.total === 0 ? (
            <div class="empty">
              <p>没有找到与“{q}”相关的公开信息。</p>
              <ul>
                <li>检查是否有错别字，或换一个更常用的说法；</li>
                <li>减少关键词，或去掉机构、栏目、年份筛选；</li>
                <li>
                  浏览各机构的<a href="/">政府信息公开目录</a>；仍找不到需要的信息，可以依法申请政府信息公开。
                </li>
              </ul>
            </div>
          ) : (
            <>
              <p class="meta" role="status">
                找到 {result.capped ? `${result.total} 条以上` : `${result.total} 条`}结果
                {result.query.truncated ? '（关键词过多，只使用了前 10 个）' : ''}
              </p>
              <ol class="search-results">
                {result.hits.map((h) => {
                  const o = tree.byId.get(h.organizationId);
                  return (
                    <li>
                      <h2>
                        <a href={o ? itemHref(o.slug, h.itemId) : '#'}>
                          <Marked parts={h.titleParts} />
                        </a>
                      </h2>
                      {h.snippet.length ? (
                        <p>
                          <Marked parts={h.snippet} />
                        </p>
                      ) : null}
                      <p class="meta">
                        {o?.name} ｜ {formatDateTime(h.publishedAt).slice(0, 10)}
                      </p>
                    </li>
                  );
                })}
              </ol>
              <PageNumbers page={page} pages={pages} href={link} />
            </>
          )}
        </>
      ),
    });
  });
  return app;
}
