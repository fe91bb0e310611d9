import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { portalPage } from '../../platform/http/portal.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { CONSOLE_NAV } from '../../platform/render/layouts.js';
import { portalOrg } from '../organizations/organizations.routes.js';
import { logSettings, publishedLog, setRequestLog } from './requests-log.service.js';
import { LogSettingsPage, PublicLogPage } from './views/log.js';

type C = Context<AppEnv>;

/** Adds the console navigation entry (idempotent). */
export function registerRequestLogNav() {
  if (!CONSOLE_NAV.some((e) => e.href === '/console/request-log'))
    CONSOLE_NAV.push({ label: '依申请公开目录', href: '/console/request-log', permission: 'request_log.manage' });
}

/** The public log page per agency and the administrator's switch. */
export function requestLogRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();
  app.get('/org/:slug/requests/log', async (c) => {
    const { org, entries } = await publishedLog(deps, c.req.param('slug'));
    return portalPage(c, deps, {
      title: `${org.name}依申请公开目录`,
      org: portalOrg(org),
      crumbs: [
        { label: '首页', href: '/' },
        { label: org.name, href: `/org/${org.slug}` },
        { label: '依申请公开目录' },
      ],
      children: <PublicLogPage org={org} entries={entries} />,
    });
  });

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
