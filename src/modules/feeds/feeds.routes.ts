import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import type { Db } from '../../db/database.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { NotFoundError } from '../../platform/errors.js';
import { afterEventCommit } from '../../platform/events.js';
import { addPortalFeeds } from '../../platform/http/portal.js';
import type { FeedLink } from '../../platform/render/layouts.js';
import { directoryOf } from '../directory/directory.service.js';
import { publicOrganization } from '../organizations/organizations.service.js';
import {
  columnFeed,
  type FeedDoc,
  organizationFeed,
  renderAtom,
  renderRss,
  renderSitemapIndex,
  SITEMAP_MAX_URLS,
  sitemapLayout,
  sitemapPage,
  withdrawalsFeed,
} from './feeds.service.js';

const RSS_TYPE = 'application/rss+xml; charset=utf-8';
const ATOM_TYPE = 'application/atom+xml; charset=utf-8';
const XML_TYPE = 'application/xml; charset=utf-8';
// Readers poll often; they must revalidate (cheap: ETag/Last-Modified answer 304) so a withdrawal shows at once.
const FEED_CACHE_CONTROL = 'public, no-cache';

interface Rendered {
  at: number;
  body: string;
  etag: string;
  lastModified: string | null;
}

// Rendered feeds per database for a few seconds, dropped after any item event of this process (publication,
// withdrawal): busy readers then cost no queries, and a conditional GET is answered from memory.
const caches = new WeakMap<object, Map<string, Rendered>>();
const CACHE_TTL_MS = 5000;

function cacheOf(db: Db): Map<string, Rendered> {
  let m = caches.get(db);
  if (!m) {
    m = new Map();
    caches.set(db, m);
  }
  return m;
}

/** Drops the rendered feeds of this database (after publications and withdrawals). */
export function clearFeedCache(db: Db) {
  caches.get(db)?.clear();
}

/** Whether the request's validators match: If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2). */
export function notModified(
  headers: { ifNoneMatch?: string; ifModifiedSince?: string },
  etag: string,
  lastModified: string | null,
): boolean {
  if (headers.ifNoneMatch !== undefined) {
    return headers.ifNoneMatch
      .split(',')
      .map((t) => t.trim().replace(/^W\//, ''))
      .some((t) => t === '*' || t === etag);
  }
  if (headers.ifModifiedSince && lastModified) {
    const since = Date.parse(headers.ifModifiedSince);
    // HTTP dates have whole seconds.
    return !Number.isNaN(since) && Math.floor(Date.parse(lastModified) / 1000) * 1000 <= since;
  }
  return false;
}

async function serveXml(
  c: Context<AppEnv>,
  deps: Deps,
  type: string,
  render: () => Promise<{ body: string; lastModified: string | null }>,
) {
  const cache = cacheOf(deps.db);
  const key = `${type}|${c.req.path}`;
  let hit = cache.get(key);
  if (!hit || Date.now() - hit.at >= CACHE_TTL_MS) {
    const r = await render();
    const etag = `"${createHash('sha256').update(r.body).digest('base64url').slice(0, 27)}"`;
    hit = { at: Date.now(), body: r.body, etag, lastModified: r.lastModified };
    if (cache.size > 5000) cache.clear();
    cache.set(key, hit);
  }
  const headers: Record<string, string> = { ETag: hit.etag, 'Cache-Control': FEED_CACHE_CONTROL };
  if (hit.lastModified) headers['Last-Modified'] = new Date(hit.lastModified).toUTCString();
  if (
    notModified(
      { ifNoneMatch: c.req.header('if-none-match'), ifModifiedSince: c.req.header('if-modified-since') },
      hit.etag,
      hit.lastModified,
    )
  ) {
    return c.body(null, 304, headers);
  }
  return c.body(hit.body, 200, { ...headers, 'Content-Type': type });
}

const self = (deps: Deps, c: Context<AppEnv>) => `${deps.config.publicBaseUrl}${c.req.path}`;

function rss(deps: Deps, c: Context<AppEnv>, load: () => Promise<FeedDoc>) {
  return serveXml(c, deps, RSS_TYPE, async () => {
    const doc = await load();
    return { body: renderRss(doc, self(deps, c)), lastModified: doc.lastModified };
  });
}

function atom(deps: Deps, c: Context<AppEnv>, load: () => Promise<FeedDoc>) {
  return serveXml(c, deps, ATOM_TYPE, async () => {
    const doc = await load();
    return { body: renderAtom(doc, self(deps, c)), lastModified: doc.lastModified };
  });
}

export interface FeedRouteOptions {
  /** URLs per sitemap page; 50,000 (the protocol's limit) unless a test wants to see the split. */
  sitemapPageSize?: number;
}

/** RSS and Atom per organization and column, the withdrawals feed, the sitemap index and its pages. */
export function feedRoutes(deps: Deps, opts: FeedRouteOptions = {}) {
  const app = new Hono<AppEnv>();
  const pageSize = opts.sitemapPageSize ?? SITEMAP_MAX_URLS;

  app.get('/org/:slug/rss.xml', (c) => rss(deps, c, () => organizationFeed(deps, c.req.param('slug'))));
  app.get('/org/:slug/atom.xml', (c) => atom(deps, c, () => organizationFeed(deps, c.req.param('slug'))));
  app.get('/org/:slug/withdrawn.xml', (c) => rss(deps, c, () => withdrawalsFeed(deps, c.req.param('slug'))));
  app.get('/org/:slug/gk/:column/rss.xml', (c) =>
    rss(deps, c, () => columnFeed(deps, c.req.param('slug'), c.req.param('column'))),
  );
  app.get('/org/:slug/gk/:column/atom.xml', (c) =>
    atom(deps, c, () => columnFeed(deps, c.req.param('slug'), c.req.param('column'))),
  );

  app.get('/sitemap.xml', async (c) => {
    const layout = await sitemapLayout(deps, pageSize);
    return c.body(renderSitemapIndex(deps.config.publicBaseUrl, layout), 200, {
      'Content-Type': XML_TYPE,
      'Cache-Control': 'public, max-age=600',
    });
  });

  app.get('/sitemaps/:file', async (c) => {
    const m = /^([1-9][0-9]{0,8})\.xml$/.exec(c.req.param('file'));
    if (!m) throw new NotFoundError();
    const layout = await sitemapLayout(deps, pageSize);
    const stream = await sitemapPage(deps, layout, Number(m[1]));
    if (!stream) throw new NotFoundError();
    return c.body(stream, 200, { 'Content-Type': XML_TYPE, 'Cache-Control': 'public, max-age=600' });
  });

  return app;
}

function decoded(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The feed links of an agency page (home, directory) or a column page; none for other pages. */
async function feedsOfPage(path: string, deps: Pick<Deps, 'db'>): Promise<FeedLink[]> {
  const org = /^\/org\/([^/]+)(?:\/gk)?\/?$/.exec(path);
  if (org) {
    const slug = decoded(org[1]);
    if (!slug) return [];
    return [
      { title: 'RSS 订阅', href: `/org/${slug}/rss.xml`, type: 'application/rss+xml' },
      { title: 'Atom 订阅', href: `/org/${slug}/atom.xml`, type: 'application/atom+xml' },
    ];
  }
  const col = /^\/org\/([^/]+)\/gk\/([^/]+)\/?$/.exec(path);
  if (col) {
    const slug = decoded(col[1]);
    const columnSlug = decoded(col[2]);
    if (!slug || !columnSlug) return [];
    try {
      const o = await publicOrganization(deps, slug);
      const column = (await directoryOf(deps, o.id)).bySlug.get(columnSlug);
      if (!column || column.kind === 'static') return [];
    } catch {
      return [];
    }
    const base = `/org/${slug}/gk/${columnSlug}`;
    return [
      { title: '本栏目 RSS 订阅', href: `${base}/rss.xml`, type: 'application/rss+xml' },
      { title: '本栏目 Atom 订阅', href: `${base}/atom.xml`, type: 'application/atom+xml' },
    ];
  }
  return [];
}

/** Links the feeds from agency and column pages, and forgets rendered feeds after each item event. */
export function registerFeeds() {
  addPortalFeeds('feeds', feedsOfPage);
  afterEventCommit('feeds.cache', (_event, deps) => clearFeedCache(deps.db));
}
