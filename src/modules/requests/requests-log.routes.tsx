import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { portalPage } from '../../platform/http/portal.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { CONSOLE_NAV, type FeedLink } from '../../platform/render/layouts.js';
import { notModified } from '../feeds/feeds.routes.js';
import { renderAtom, renderRss } from '../feeds/feeds.service.js';
import { portalOrg } from '../organizations/organizations.routes.js';
import { logSettings, publishedLog, requestLogFeed, setRequestLog } from './requests-log.service.js';
import { LogSettingsPage, PublicLogPage } from './views/log.js';

type C = Context<AppEnv>;

/** Adds the console navigation entry (idempotent). */
export function registerRequestLogNav() {
  if (!CONSOLE_NAV.some((e) => e.href === '/console/request-log'))
    CONSOLE_NAV.push({ label: '依申请公开目录', href: '/console/request-log', permission: 'request_log.manage' });
}

const logFeedLinks = (slug: string): FeedLink[] => [
  { title: '依申请公开目录 RSS 订阅', href: `/org/${slug}/requests/log/rss.xml`, type: 'application/rss+xml' },
  { title: '依申请公开目录 Atom 订阅', href: `/org/${slug}/requests/log/atom.xml`, type: 'application/atom+xml' },
];

/** The public log page per agency and the administrator's switch. */
export function requestLogRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();
  app.get('/org/:slug/requests/log', async (c) => {
    const pageQ = Number(c.req.query('page'));
    const log = await publishedLog(deps, c.req.param('slug'), {
      page: Number.isInteger(pageQ) && pageQ > 0 && pageQ < 100_000 ? pageQ : 1,
      q: c.req.query('q'),
    });
    const { org } = log;
    return portalPage(c, deps, {
      title: `${org.name}依申请公开目录${log.q ? `：${log.q}` : ''}`,
      org: portalOrg(org),
      crumbs: [
        { label: '首页', href: '/' },
        { label: org.name, href: `/org/${org.slug}` },
        { label: '依申请公开目录' },
      ],
      feeds: logFeedLinks(org.slug),
      children: <PublicLogPage log={log} feeds={logFeedLinks(org.slug)} />,
    });
  });
  // The log as RSS 2.0 and Atom 1.0, through the feeds module's writers; validators for conditional GETs.
  const feed = (format: 'rss' | 'atom') => async (c: C) => {
    const doc = await requestLogFeed(deps, c.req.param('slug') ?? '');
    const self = `${deps.config.publicBaseUrl}${c.req.path}`;
    const body = format === 'rss' ? renderRss(doc, self) : renderAtom(doc, self);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const headers: Record<string, string> = { ETag: etag, 'Cache-Control': 'public, no-cache' };
    if (doc.lastModified) headers['Last-Modified'] = new Date(doc.lastModified).toUTCString();
    if (
      notModified(
        { ifNoneMatch: c.req.header('if-none-match'), ifModifiedSince: c.req.header('if-modified-since') },
        etag,
        doc.lastModified,
      )
    )
      return c.body(null, 304, headers);
    return c.body(body, 200, {
      ...headers,
      'Content-Type': `application/${format === 'rss' ? 'rss' : 'atom'}+xml; charset=utf-8`,
    });
  };
  app.get('/org/:slug/requests/log/rss.xml', feed('rss'));
  app.get('/org/:slug/requests/log/atom.xml', feed('atom'));

  const staff = new StaffRouter();
  const page = async (c: C, error?: string) =>
    consolePage(
      c,
      deps.config.site,
      '依申请公开目录',
      <LogSettingsPage csrf={c.get('csrf')()} rows={await logSettings(deps, c.get('principal'))} error={error} />,
      error ? 422 : 200,
    );
  staff.get('/console/request-log', 'request_log.manage', (c) => page(c));
  staff.post('/console/request-log', 'request_log.manage', async (c) => {
    try {
      const r = await setRequestLog(deps, c.get('principal'), actorOf(c), await formFields(c));
      return redirectWithFlash(
        c,
        '/console/request-log',
        `已${r.enabled ? '公开' : '停止公开'}${r.organization.name}的依申请公开目录。`,
      );
    } catch (e) {
      if (e instanceof ValidationError) return page(c, Object.values(e.fields).join(' '));
      throw e;
    }
  });
  app.route('/', staff.app);
  return app;
}
