import { raw } from 'hono/html';
import { typeLabel } from '../../../platform/files/files.service.js';
import { humanSize } from '../../../platform/files/size.js';
import { PageNumbers } from '../../../platform/render/components.js';
import { formatDateTime } from '../../../platform/time.js';
import type { Column, Directory } from '../../directory/directory.service.js';
import type { Organization } from '../../organizations/organizations.service.js';
import { DISCLOSURE, THEMES, WITHDRAWAL_REASONS, type WithdrawalReason } from '../publishing.schema.js';

export interface ListedItem {
  id: number;
  title: string;
  first_published_at: string | null;
  index_number: string;
}

const day = (iso: string | null) => (iso ? formatDateTime(iso).slice(0, 10) : '');

export const itemHref = (orgSlug: string, id: number) => `/org/${orgSlug}/items/${id}`;
export const columnHref = (orgSlug: string, col: { slug: string }) => `/org/${orgSlug}/gk/${col.slug}`;

export function ItemList({ org, items, empty }: { org: Organization; items: ListedItem[]; empty?: string }) {
  if (items.length === 0) return <p class="empty">{empty ?? '本栏目暂无信息。'}</p>;
  return (
    <ul class="list-plain item-list">
      {items.map((i) => (
        <li>
          <a href={itemHref(org.slug, i.id)}>{i.title}</a>
          <span class="meta">{day(i.first_published_at)}</span>
        </li>
      ))}
    </ul>
  );
}

function ColumnTree({ org, dir, parent }: { org: Organization; dir: Directory; parent: number | null }) {
  const cols = dir.children(parent).filter((c) => !c.retired);
  if (cols.length === 0) return null;
  return (
    <ul class="directory-tree">
      {cols.map((c) => (
        <li>
          <a href={columnHref(org.slug, c)}>{c.name}</a>
          <ColumnTree org={org} dir={dir} parent={c.id} />
        </li>
      ))}
    </ul>
  );
}

export function DirectoryPage({
  org,
  dir,
  latest,
}: {
  org: Organization;
  dir: Directory;
  latest: { column: Column; items: ListedItem[] }[];
}) {
  return (
    <>
      <h1>{org.name}政府信息公开目录</h1>
      <div class="directory-layout">
        <nav aria-label="公开目录" class="directory-nav">
          <h2>公开目录</h2>
          <ColumnTree org={org} dir={dir} parent={null} />
        </nav>
        <div>
          <form method="get" action="/search" aria-label="搜索本机构公开信息" class="filters">
            <input type="hidden" name="org" value={String(org.id)} />
            <div class="field">
              <label for="dir-q">在本机构公开信息中搜索</label>
              <input id="dir-q" name="q" type="search" maxlength={100} />
            </div>
            <button type="submit">搜索</button>
          </form>
          {latest.map(({ column, items }) => (
            <section class="card" aria-labelledby={`col-${column.id}`}>
              <h2 id={`col-${column.id}`}>
                <a href={columnHref(org.slug, column)}>{column.name}</a>
              </h2>
              <ItemList org={org} items={items} />
            </section>
          ))}
        </div>
      </div>
    </>
  );
}

export function ColumnPage(p: {
  org: Organization;
  dir: Directory;
  column: Column;
  items: ListedItem[];
  total: number;
  page: number;
  pages: number;
  year?: number;
  theme?: string;
  years: number[];
}) {
  const { org, column } = p;
  const sub = p.dir.children(column.id).filter((c) => !c.retired);
  const qs = (page: number) => {
    const q = new URLSearchParams();
    if (p.year) q.set('year', String(p.year));
    if (p.theme) q.set('theme', p.theme);
    if (page > 1) q.set('page', String(page));
    const s = q.toString();
    return `${columnHref(org.slug, column)}${s ? `?${s}` : ''}`;
  };
  return (
    <>
      <h1>{column.name}</h1>
      {column.retired ? <div class="notice notice-warning">本栏目已停止更新，以下为历史信息。</div> : null}
      {column.description ? <p>{column.description}</p> : null}
      {column.kind === 'static' ? (
        <div class="article-body">{column.staticHtml ? raw(column.staticHtml) : <p>本栏目内容正在整理中。</p>}</div>
      ) : (
        <>
          {sub.length > 0 ? (
            <nav aria-label="子栏目" class="subcolumns">
              <ul class="list-inline">
                {sub.map((c) => (
                  <li>
                    <a href={columnHref(org.slug, c)}>{c.name}</a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          <form method="get" action={columnHref(org.slug, column)} class="filters">
            <div class="field">
              <label for="f-year">年份</label>
              <select id="f-year" name="year">
                <option value="">全部</option>
                {p.years.map((y) => (
                  <option value={String(y)} selected={y === p.year}>
                    {y} 年
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="f-theme">主题分类</label>
              <select id="f-theme" name="theme">
                <option value="">全部</option>
                {THEMES.map((t) => (
                  <option value={t} selected={t === p.theme}>
                    {t}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">筛选</button>
          </form>
          <p class="meta">共 {p.total} 条</p>
          <ItemList
            org={org}
            items={p.items}
            empty={p.year || p.theme ? '没有符合筛选条件的信息，请调整年份或主题分类。' : '本栏目暂无信息。'}
          />
          <PageNumbers page={p.page} pages={p.pages} href={qs} />
        </>
      )}
    </>
  );
}

export interface PublicItemView {
  id: number;
  /** Sections other modules add (item-sections.ts): banners at the top, related content at the bottom. */
  sections?: { top: unknown[]; bottom: unknown[] };
  indexNumber: string;
  title: string;
  docNumber: string;
  orgName: string;
  dateCreated: string;
  firstPublishedAt: string;
  lastPublishedAt: string;
  theme: string;
  genre: string;
  keywords: string;
  summary: string;
  disclosure: string;
  disclosureMethod: string;
  bodyHtml: string;
  attachments: { sha256: string; filename: string; size: number; ext: string; inline: number }[];
  history: { version: number; publishedAt: string; changeKind: string; changeNote: string }[];
  withdrawn: null | {
    at: string;
    reason: WithdrawalReason;
    note: string;
    replacement: { href: string; title: string } | null;
  };
}

export function WithdrawnBanner({ w }: { w: NonNullable<PublicItemView['withdrawn']> }) {
  return (
    <div class="banner banner-withdrawn" role="note" aria-label="撤回说明">
      <p>
        <strong>
          本信息已于 {day(w.at)} 撤回（{WITHDRAWAL_REASONS[w.reason]}）。
        </strong>
      </p>
      <p>{w.note}</p>
      {w.replacement ? (
        <p>
          请查看：<a href={w.replacement.href}>{w.replacement.title}</a>
        </p>
      ) : null}
    </div>
  );
}

export function ItemPage({ v, columnTrail }: { v: PublicItemView; columnTrail: string }) {
  const files = v.attachments.filter((a) => !a.inline);
  return (
    <article class="item">
      {v.withdrawn ? <WithdrawnBanner w={v.withdrawn} /> : null}
      {v.sections?.top}
      <div class="table-scroll">
        <table class="item-meta">
          <caption class="visually-hidden">信息基本情况</caption>
          <tbody>
            <tr>
              <th scope="row">索引号</th>
              <td>{v.indexNumber}</td>
              <th scope="row">发布机构</th>
              <td>{v.orgName}</td>
            </tr>
            <tr>
              <th scope="row">生成日期</th>
              <td>{v.dateCreated}</td>
              <th scope="row">主题分类</th>
              <td>{v.theme}</td>
            </tr>
            <tr>
              <th scope="row">公开方式</th>
              <td>{v.disclosureMethod}</td>
              <th scope="row">公开属性</th>
              <td>{DISCLOSURE[v.disclosure as keyof typeof DISCLOSURE] ?? v.disclosure}</td>
            </tr>
            <tr>
              <th scope="row">发布日期</th>
              <td>{day(v.firstPublishedAt)}</td>
              <th scope="row">体裁分类</th>
              <td>{v.genre}</td>
            </tr>
            {v.docNumber || v.keywords ? (
              <tr>
                <th scope="row">文号</th>
                <td>{v.docNumber || '无'}</td>
                <th scope="row">关键词</th>
                <td>{v.keywords || '无'}</td>
              </tr>
            ) : null}
            {v.summary ? (
              <tr>
                <th scope="row">内容概述</th>
                <td colspan={3}>{v.summary}</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <h1 class="item-title">{v.title}</h1>
      <p class="meta item-byline">
        {columnTrail} ｜ 发布日期：{day(v.firstPublishedAt)}
        {v.lastPublishedAt !== v.firstPublishedAt ? ` ｜ 更新日期：${day(v.lastPublishedAt)}` : ''}
      </p>
      <div class="article-body">{raw(v.bodyHtml)}</div>
      {files.length > 0 ? (
        <section aria-labelledby="attachments">
          <h2 id="attachments">附件</h2>
          <ul class="list-plain attachments">
            {files.map((a) => (
              <li>
                <a href={`/files/${a.sha256}/${encodeURIComponent(a.filename)}`}>{a.filename}</a>
                <span class="meta">
                  {typeLabel(a.ext)}，{humanSize(a.size)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {v.history.length > 1 ? (
        <section aria-labelledby="history">
          <h2 id="history">修订记录</h2>
          <ul class="list-plain">
            {v.history.map((h) => (
              <li>
                <span>
                  {h.version === 1
                    ? '首次发布'
                    : h.changeKind === 'major'
                      ? `修订：${h.changeNote}`
                      : '细微修改（文字校正）'}
                </span>
                <span class="meta">{formatDateTime(h.publishedAt)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {v.sections?.bottom}
    </article>
  );
}

export function WithdrawnNotice({ v }: { v: PublicItemView }) {
  return (
    <>
      <h1>信息已撤回</h1>
      <WithdrawnBanner w={v.withdrawn!} />
      <p>索引号：{v.indexNumber}</p>
    </>
  );
}
