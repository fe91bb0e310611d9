import { Hono } from 'hono';
import type { AppEnv, Deps } from '../../platform/context.js';
import { NotFoundError } from '../../platform/errors.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { ACCOUNT_LINKS } from '../../platform/render/layouts.js';
import { deadlineFeed, feedStatus, revokeFeedToken, rotateFeedToken } from './requests.deadlines.js';
import { DeadlineFeedPage } from './views/deadline-feed.js';

export const DEADLINE_FEED_PAGE = '/console/account/deadline-feed';

/** Links the officer's feed page from the account page, for those who see requests. Idempotent. */
export function registerDeadlineFeedLinks() {
  if (!ACCOUNT_LINKS.some((l) => l.href === DEADLINE_FEED_PAGE))
    ACCOUNT_LINKS.push({
      label: '办理期限日历订阅（iCalendar）',
      href: DEADLINE_FEED_PAGE,
      permission: 'request.view',
    });
}

/** The secret iCalendar feed (/feeds/deadlines/{token}.ics) and the officer's page to manage it. */
export function deadlineFeedRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/feeds/deadlines/:token', async (c) => {
    const token = c.req.param('token').replace(/\.ics$/, '');
    const body = await deadlineFeed(deps, token, deps.clock());
    if (body === null) throw new NotFoundError('订阅地址无效或已被撤销。');
    return c.body(body, 200, {
      'Content-Type': 'text/calendar; charset=utf-8',
      'Content-Disposition': 'inline; filename="deadlines.ics"',
      'Cache-Control': 'private, no-store',
      'X-Robots-Tag': 'noindex',
      'Referrer-Policy': 'no-referrer',
    });
  });

  const staff = new StaffRouter();
  const page = async (c: Parameters<Parameters<typeof staff.get>[2]>[0], newUrl?: string) => {
    const p = c.get('principal')!;
    return consolePage(
      c,
      deps.config.site,
      '办理期限日历订阅',
      <DeadlineFeedPage csrf={c.get('csrf')()} status={await feedStatus(deps, p.userId)} newUrl={newUrl} />,
    );
  };
  staff.get('/console/account/deadline-feed', 'account.manage_own', (c) => page(c));
  // Answers with the page itself (not a redirect) so the new address is shown once and never stored.
  staff.post('/console/account/deadline-feed', 'account.manage_own', async (c) => {
    const token = await rotateFeedToken(deps, actorOf(c), c.get('principal')!.userId, deps.clock());
    return page(c, `${deps.config.publicBaseUrl}/feeds/deadlines/${token}.ics`);
  });
  staff.post('/console/account/deadline-feed/revoke', 'account.manage_own', async (c) => {
    await revokeFeedToken(deps, actorOf(c), c.get('principal')!.userId, deps.clock());
    return redirectWithFlash(c, '/console/account/deadline-feed', '订阅地址已撤销。');
  });

  app.route('/', staff.app);
  return app;
}
