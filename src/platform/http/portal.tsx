import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { AppEnv, Deps } from '../context.js';
import { type Crumb, type FeedLink, type NavItem, type OrgHeader, PortalLayout } from '../render/layouts.js';
import { qrSvg } from '../render/qrcode.js';

export interface PortalOrg extends OrgHeader {
  id: number;
}

// Entries of an agency's navigation bar. Feature modules add theirs at start-up (e.g. 政府信息公开).
const navEntries: { order: number; label: string; path: (slug: string) => string }[] = [
  { order: 0, label: '首页', path: (s) => `/org/${s}` },
  { order: 10, label: '机构概况', path: (s) => `/org/${s}/about` },
];

export function addPortalNav(order: number, label: string, path: (slug: string) => string) {
  if (!navEntries.some((e) => e.label === label)) navEntries.push({ order, label, path });
  navEntries.sort((a, b) => a.order - b.order);
}

export function portalNav(org: { slug: string } | null | undefined): NavItem[] {
  if (!org) return [{ label: '首页', href: '/' }];
  return navEntries.map((e) => ({ label: e.label, href: e.path(org.slug) }));
}

// Feeds and subscriptions offered on public pages, by path (e.g. a column page's RSS). Modules add theirs at
// start-up; a page may also name its own with `feeds`.
type FeedResolver = (path: string, deps: Pick<Deps, 'db'>) => Promise<FeedLink[]>;
const feedResolvers: { name: string; resolve: FeedResolver }[] = [];

export function addPortalFeeds(name: string, resolve: FeedResolver) {
  if (!feedResolvers.some((r) => r.name === name)) feedResolvers.push({ name, resolve });
}

export interface PortalPageOptions {
  title: string;
  org?: PortalOrg | null;
  crumbs?: Crumb[];
  description?: string;
  /** Content pages carry the QR code of their own address; error pages do not. */
  qr?: boolean;
  status?: 200 | 404 | 410 | 422 | 429 | 500;
  feeds?: FeedLink[];
  children: Child;
}

/** Renders a public page in the portal layout, with the QR code of the page's own public address. */
export async function portalPage(
  c: Context<AppEnv>,
  deps: Pick<Deps, 'config'> & Partial<Pick<Deps, 'db'>>,
  o: PortalPageOptions,
) {
  const url = new URL(c.req.url);
  const self = `${deps.config.publicBaseUrl}${url.pathname}${url.search}`;
  const qr = o.qr === false ? undefined : await qrSvg(self);
  const db = deps.db;
  const feeds =
    o.feeds ??
    ((o.status ?? 200) === 200 && db
      ? (await Promise.all(feedResolvers.map((r) => r.resolve(url.pathname, { db })))).flat()
      : []);
  return c.html(
    <PortalLayout
      title={o.title}
      site={deps.config.site}
      org={o.org}
      nav={portalNav(o.org)}
      crumbs={o.crumbs}
      qr={qr}
      elderly={c.get('elderly')}
      path={url.pathname}
      description={o.description}
      feeds={feeds}
    >
      {o.children}
    </PortalLayout>,
    o.status ?? 200,
  );
}

// The page cache lives in page-cache.ts (its direct-write listener needs no JSX); re-exported for the routes.
export { cachedPage, clearPageCache } from './page-cache.js';
