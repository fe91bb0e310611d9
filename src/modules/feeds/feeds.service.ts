import type { Deps } from '../../platform/context.js';
import { NotFoundError } from '../../platform/errors.js';
import { type Directory, directoryOf } from '../directory/directory.service.js';
import { orgTree, publicOrganization } from '../organizations/organizations.service.js';
import { WITHDRAWAL_REASONS, type WithdrawalReason } from '../publishing/publishing.schema.js';
import { columnHref, itemHref } from '../publishing/views/public.js';
import * as repo from './feeds.repository.js';
import { el, escapeXml, XML_DECLARATION, xmlDocument } from './xml.js';

// RSS 2.0 and Atom 1.0 feeds of an organization or a column, a feed of withdrawals, and the sitemap.

/** Entries in a feed: the latest 50, as most portals and readers expect. */
export const FEED_SIZE = 50;
/** The sitemap protocol's limit of URLs per file. */
export const SITEMAP_MAX_URLS = 50_000;
/** Rows read per query while streaming a sitemap page. */
const SITEMAP_CHUNK = 5000;

export interface FeedEntry {
  title: string;
  link: string;
  summary: string;
  published: string; // ISO
  updated: string; // ISO
  /** A unique IRI when several entries share a link (e.g. one per status change of a document); else the link. */
  id?: string;
}

export interface FeedDoc {
  title: string;
  description: string;
  /** The HTML page the feed follows. */
  htmlUrl: string;
  author: string;
  /** The newest change the feed reflects (also a withdrawal that removed an entry); null when nothing ever. */
  lastModified: string | null;
  /** Atom requires a feed `updated` even when empty. */
  fallbackUpdated: string;
  entries: FeedEntry[];
}

function descendants(dir: Directory, id: number): number[] {
  const out = [id];
  for (const c of dir.children(id)) out.push(...descendants(dir, c.id));
  return out;
}

const maxIso = (...xs: (string | null | undefined)[]): string | null =>
  xs.reduce<string | null>((m, x) => (x && (!m || x > m) ? x : m), null);

async function publishedFeed(
  deps: Pick<Deps, 'db' | 'config'>,
  org: { id: number; slug: string; name: string; updatedAt: string },
  scope: repo.FeedScope,
  title: string,
  description: string,
  htmlPath: string,
): Promise<FeedDoc> {
  const base = deps.config.publicBaseUrl;
  const [rows, lastWithdrawal] = await Promise.all([
    repo.latestPublished(deps.db.kysely, scope, FEED_SIZE),
    repo.lastWithdrawalAt(deps.db.kysely, scope),
  ]);
  const entries = rows.map((r) => ({
    title: r.title,
    link: `${base}${itemHref(org.slug, r.id)}`,
    summary: r.summary,
    published: r.first_published_at!,
    updated: r.last_published_at ?? r.first_published_at!,
  }));
  return {
    title,
    description,
    htmlUrl: `${base}${htmlPath}`,
    author: org.name,
    lastModified: maxIso(lastWithdrawal, ...entries.map((e) => e.updated)),
    fallbackUpdated: org.updatedAt,
    entries,
  };
}

/** The organization's feed: its latest 50 published, not withdrawn items, newest first. */
export async function organizationFeed(deps: Pick<Deps, 'db' | 'config'>, slug: string): Promise<FeedDoc> {
  const org = await publicOrganization(deps, slug);
  return publishedFeed(
    deps,
    org,
    { organizationId: org.id },
    `${org.name} - 政府信息公开`,
    `${org.name}最新主动公开的政府信息`,
    `/org/${org.slug}/gk`,
  );
}

/** A column's feed: the latest 50 items of the column and its sub-columns. Static columns have none. */
export async function columnFeed(
  deps: Pick<Deps, 'db' | 'config'>,
  slug: string,
  columnSlug: string,
): Promise<FeedDoc> {
  const org = await publicOrganization(deps, slug);
  const dir = await directoryOf(deps, org.id);
  const column = dir.bySlug.get(columnSlug);
  if (!column || column.kind === 'static') throw new NotFoundError('该栏目不存在或没有可订阅的信息。');
  const trail = dir
    .path(column.id)
    .map((c) => c.name)
    .join(' - ');
  return publishedFeed(
    deps,
    org,
    { organizationId: org.id, columnIds: descendants(dir, column.id) },
    `${org.name} - ${trail}`,
    column.description || `${org.name}“${column.name}”栏目最新公开的政府信息`,
    columnHref(org.slug, column),
  );
}

/** The organization's withdrawals, newest first, each with its reason and public explanation. */
export async function withdrawalsFeed(deps: Pick<Deps, 'db' | 'config'>, slug: string): Promise<FeedDoc> {
  const org = await publicOrganization(deps, slug);
  const base = deps.config.publicBaseUrl;
  const rows = await repo.latestWithdrawn(deps.db.kysely, { organizationId: org.id }, FEED_SIZE);
  const entries = rows.map((r) => {
    const reason = WITHDRAWAL_REASONS[r.withdrawal_reason as WithdrawalReason] ?? r.withdrawal_reason ?? '';
    const note = r.withdrawal_note ? `说明：${r.withdrawal_note}` : '';
    const replacement = r.replacement_item_id ? `替代信息：${base}${itemHref(org.slug, r.replacement_item_id)}` : '';
    return {
      title: `【已撤回】${r.title}`,
      link: `${base}${itemHref(org.slug, r.id)}`,
      summary: [`撤回原因：${reason}`, note, `索引号：${r.index_number}`, replacement].filter(Boolean).join('\n'),
      published: r.withdrawn_at ?? r.first_published_at!,
      updated: r.withdrawn_at ?? r.first_published_at!,
    };
  });
  return {
    title: `${org.name} - 已撤回的政府信息`,
    description: `${org.name}撤回的政府信息及撤回原因`,
    htmlUrl: `${base}/org/${org.slug}/gk`,
    author: org.name,
    lastModified: maxIso(...entries.map((e) => e.updated)),
    fallbackUpdated: org.updatedAt,
    entries,
  };
}

const rfc822 = (iso: string) => new Date(iso).toUTCString();

/** The feed as RSS 2.0 (guid = the item's link). */
export function renderRss(doc: FeedDoc, selfUrl: string): string {
  return xmlDocument(
    el(
      'rss',
      { version: '2.0', 'xmlns:atom': 'http://www.w3.org/2005/Atom' },
      el(
        'channel',
        null,
        el('title', null, doc.title),
        el('link', null, doc.htmlUrl),
        el('description', null, doc.description),
        el('language', null, 'zh-CN'),
        doc.lastModified ? el('lastBuildDate', null, rfc822(doc.lastModified)) : null,
        el('atom:link', { href: selfUrl, rel: 'self', type: 'application/rss+xml' }),
        doc.entries.map((e) =>
          el(
            'item',
            null,
            el('title', null, e.title),
            el('link', null, e.link),
            e.id ? el('guid', { isPermaLink: 'false' }, e.id) : el('guid', { isPermaLink: 'true' }, e.link),
            el('pubDate', null, rfc822(e.published)),
            e.summary ? el('description', null, e.summary) : null,
          ),
        ),
      ),
    ),
  );
}

/** The feed as Atom 1.0 (entry id = the item's link). */
export function renderAtom(doc: FeedDoc, selfUrl: string): string {
  return xmlDocument(
    el(
      'feed',
      { xmlns: 'http://www.w3.org/2005/Atom', 'xml:lang': 'zh-CN' },
      el('id', null, selfUrl),
      el('title', null, doc.title),
      el('subtitle', null, doc.description),
      el('updated', null, doc.lastModified ?? doc.fallbackUpdated),
      el('link', { rel: 'self', type: 'application/atom+xml', href: selfUrl }),
      el('link', { rel: 'alternate', type: 'text/html', href: doc.htmlUrl }),
      el('author', null, el('name', null, doc.author)),
      doc.entries.map((e) =>
        el(
          'entry',
          null,
          el('id', null, e.id ?? e.link),
          el('title', null, e.title),
          el('link', { rel: 'alternate', type: 'text/html', href: e.link }),
          el('published', null, e.published),
          el('updated', null, e.updated),
          e.summary ? el('summary', null, e.summary) : null,
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------- sitemap

/** The public pages other than items: the district home, and each active agency's home, about, directory and columns. */
export async function staticSitemapPaths(deps: Pick<Deps, 'db'>): Promise<string[]> {
  const tree = await orgTree(deps);
  const paths = ['/'];
  for (const o of tree.all) {
    if (!o.active) continue;
    paths.push(`/org/${o.slug}`, `/org/${o.slug}/about`, `/org/${o.slug}/gk`);
    const dir = await directoryOf(deps, o.id);
    for (const c of dir.all) if (!c.retired) paths.push(columnHref(o.slug, c));
  }
  return paths;
}

export interface SitemapLayout {
  pageSize: number;
  staticPaths: string[];
  /** Pages 1..staticPages list the pages above; the rest list items by ranges of `pageSize` ids. */
  staticPages: number;
  itemPages: number;
}

/**
 * How the sitemap is split: the static pages in chunks, then one page per range of `pageSize` item ids. A
 * page therefore never exceeds the limit and is read by primary-key range, without counting a million rows
 * first; a range whose items are all unpublished gives an empty (still valid) page.
 */
export async function sitemapLayout(deps: Pick<Deps, 'db'>, pageSize = SITEMAP_MAX_URLS): Promise<SitemapLayout> {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > SITEMAP_MAX_URLS)
    throw new Error(`sitemap page size must be 1..${SITEMAP_MAX_URLS}`);
  const [staticPaths, maxId] = await Promise.all([staticSitemapPaths(deps), repo.maxItemId(deps.db.kysely)]);
  return {
    pageSize,
    staticPaths,
    staticPages: Math.max(1, Math.ceil(staticPaths.length / pageSize)),
    itemPages: Math.ceil(maxId / pageSize),
  };
}

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';

/** The sitemap index: one entry per page of the layout. */
export function renderSitemapIndex(base: string, layout: SitemapLayout): string {
  const n = layout.staticPages + layout.itemPages;
  return xmlDocument(
    el(
      'sitemapindex',
      { xmlns: SITEMAP_NS },
      Array.from({ length: n }, (_, i) => el('sitemap', null, el('loc', null, `${base}/sitemaps/${i + 1}.xml`))),
    ),
  );
}

const urlXml = (loc: string, lastmod?: string | null) =>
  `<url><loc>${escapeXml(loc)}</loc>${lastmod ? `<lastmod>${escapeXml(lastmod)}</lastmod>` : ''}</url>\n`;

/**
 * Page `n` (1-based) of the sitemap as a stream, or null when there is no such page. Item pages are read in
 * chunks of a few thousand rows as the response is written.
 */
export async function sitemapPage(
  deps: Pick<Deps, 'db' | 'config'>,
  layout: SitemapLayout,
  n: number,
): Promise<ReadableStream<Uint8Array> | null> {
  if (!Number.isInteger(n) || n < 1 || n > layout.staticPages + layout.itemPages) return null;
  const base = deps.config.publicBaseUrl;
  const enc = new TextEncoder();
  const head = `${XML_DECLARATION}<urlset xmlns="${SITEMAP_NS}">\n`;
  const tail = '</urlset>\n';
  if (n <= layout.staticPages) {
    const from = (n - 1) * layout.pageSize;
    const body = layout.staticPaths
      .slice(from, from + layout.pageSize)
      .map((p) => urlXml(`${base}${p}`))
      .join('');
    return new ReadableStream({
      start(ctrl) {
        ctrl.enqueue(enc.encode(head + body + tail));
        ctrl.close();
      },
    });
  }
  const tree = await orgTree(deps);
  const slugOf = new Map(tree.all.filter((o) => o.active).map((o) => [o.id, o.slug]));
  const bucket = n - layout.staticPages - 1;
  const hi = (bucket + 1) * layout.pageSize;
  let cursor = bucket * layout.pageSize;
  const chunk = Math.min(SITEMAP_CHUNK, layout.pageSize);
  return new ReadableStream({
    start(ctrl) {
      ctrl.enqueue(enc.encode(head));
    },
    // Each pull enqueues something or closes the stream: a pull that enqueued nothing would not be repeated.
    async pull(ctrl) {
      try {
        for (;;) {
          const rows = await repo.publicItemsInRange(deps.db.kysely, cursor, hi, chunk);
          let out = '';
          for (const r of rows) {
            const slug = slugOf.get(r.organization_id);
            if (slug) out += urlXml(`${base}${itemHref(slug, r.id)}`, r.last_published_at);
          }
          if (rows.length < chunk) {
            ctrl.enqueue(enc.encode(out + tail));
            ctrl.close();
            return;
          }
          cursor = rows[rows.length - 1].id;
          if (out) {
            ctrl.enqueue(enc.encode(out));
            return;
          }
        }
      } catch (err) {
        ctrl.error(err);
      }
    },
  });
}
