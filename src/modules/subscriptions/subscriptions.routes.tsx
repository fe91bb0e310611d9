import { type Context, Hono } from 'hono';
import type { AppEnv, Deps } from '../../platform/context.js';
import { type FieldErrors, ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { addPortalFeeds, portalPage } from '../../platform/http/portal.js';
import type { FeedLink } from '../../platform/render/layouts.js';
import { directoryOf } from '../directory/directory.service.js';
import { portalOrg } from '../organizations/organizations.routes.js';
import { type Organization, publicOrganization } from '../organizations/organizations.service.js';
import {
  checkConfirmationToken,
  checkUnsubscribeToken,
  confirmSubscription,
  registerSubscriptionHooks,
  requestSubscription,
  unsubscribe,
} from './subscriptions.service.js';
import {
  ConfirmedPage,
  ConfirmPage,
  LinkProblemPage,
  SentPage,
  SubscribeForm,
  UnsubscribedPage,
  UnsubscribePage,
} from './views/public.js';

type C = Context<AppEnv>;

const crumbs = (org: Organization | null, label: string) => [
  { label: '首页', href: '/' },
  ...(org ? [{ label: org.name, href: `/org/${org.slug}` }] : []),
  { label },
];

async function orgOrNull(deps: Deps, slug: string | undefined): Promise<Organization | null> {
  if (!slug) return null;
  try {
    return await publicOrganization(deps, slug);
  } catch {
    return null;
  }
}

// Pages with tokens in their address or forms must not be kept by browsers or proxies.
const noStore = (c: C) => c.header('Cache-Control', 'no-store');

/** The public subscription pages: the form, the confirmation and the unsubscribe pages. */
export function subscriptionRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();

  const formPage = async (
    c: C,
    org: Organization,
    values: { email?: string; scope?: string },
    errors?: FieldErrors,
  ) => {
    const dir = await directoryOf(deps, org.id);
    noStore(c);
    return portalPage(c, deps, {
      title: '邮件订阅',
      org: portalOrg(org),
      crumbs: crumbs(org, '邮件订阅'),
      qr: false,
      status: errors ? 422 : 200,
      children: <SubscribeForm org={org} dir={dir} csrf={c.get('csrf')()} values={values} errors={errors} />,
    });
  };

  app.get('/org/:slug/subscribe', async (c) => {
    const org = await publicOrganization(deps, c.req.param('slug'));
    const columnSlug = c.req.query('column');
    const column = columnSlug ? (await directoryOf(deps, org.id)).bySlug.get(columnSlug) : undefined;
    return formPage(c, org, { scope: column && !column.retired ? `column:${column.id}` : 'organization' });
  });

  app.post('/org/:slug/subscribe', async (c) => {
    const org = await publicOrganization(deps, c.req.param('slug'));
    const f = await formFields(c);
    const values = { email: f.email ?? '', scope: f.scope ?? '' };
    try {
      await requestSubscription(deps, org, values);
    } catch (e) {
      if (e instanceof ValidationError) return formPage(c, org, values, e.fields);
      throw e;
    }
    return c.redirect(`/org/${org.slug}/subscribe/sent`, 303);
  });

  app.get('/org/:slug/subscribe/sent', async (c) => {
    const org = await publicOrganization(deps, c.req.param('slug'));
    return portalPage(c, deps, {
      title: '请查收确认邮件',
      org: portalOrg(org),
      crumbs: crumbs(org, '邮件订阅'),
      qr: false,
      children: <SentPage org={org} />,
    });
  });

  app.get('/subscriptions/confirm', async (c) => {
    noStore(c);
    const token = c.req.query('token') ?? '';
    const check = await checkConfirmationToken(deps, token);
    if (check.status !== 'ok') {
      const org = check.status === 'expired' ? (check.scope?.org ?? null) : null;
      return portalPage(c, deps, {
        title: check.status === 'expired' ? '确认链接已过期' : '链接无效',
        org: org ? portalOrg(org) : null,
        crumbs: crumbs(org, '确认订阅'),
        qr: false,
        status: check.status === 'expired' ? 410 : 404,
        children: <LinkProblemPage expired={check.status === 'expired'} orgSlug={org?.slug} />,
      });
    }
    return portalPage(c, deps, {
      title: '确认订阅',
      org: portalOrg(check.scope.org),
      crumbs: crumbs(check.scope.org, '确认订阅'),
      qr: false,
      children: (
        <ConfirmPage token={token} csrf={c.get('csrf')()} maskedEmail={check.maskedEmail} label={check.scope.label} />
      ),
    });
  });

  app.post('/subscriptions/confirm', async (c) => {
    noStore(c);
    const f = await formFields(c);
    const check = await confirmSubscription(deps, f.token ?? '');
    if (check.status !== 'ok') {
      const org = check.status === 'expired' ? (check.scope?.org ?? null) : null;
      return portalPage(c, deps, {
        title: '链接无效',
        org: org ? portalOrg(org) : null,
        crumbs: crumbs(org, '确认订阅'),
        qr: false,
        status: check.status === 'expired' ? 410 : 404,
        children: <LinkProblemPage expired={check.status === 'expired'} orgSlug={org?.slug} />,
      });
    }
    return c.redirect(`/subscriptions/confirmed?org=${encodeURIComponent(check.scope.org.slug)}`, 303);
  });

  app.get('/subscriptions/confirmed', async (c) => {
    const org = await orgOrNull(deps, c.req.query('org'));
    return portalPage(c, deps, {
      title: '订阅成功',
      org: org ? portalOrg(org) : null,
      crumbs: crumbs(org, '邮件订阅'),
      qr: false,
      children: <ConfirmedPage org={org} />,
    });
  });

  const unsubscribeProblem = (c: C) =>
    portalPage(c, deps, {
      title: '链接无效',
      crumbs: crumbs(null, '退订'),
      qr: false,
      status: 404,
      children: <LinkProblemPage expired={false} />,
    });

  app.get('/subscriptions/unsubscribe', async (c) => {
    noStore(c);
    const token = c.req.query('token') ?? '';
    const check = await checkUnsubscribeToken(deps, token);
    if (check.status !== 'ok') return unsubscribeProblem(c);
    return portalPage(c, deps, {
      title: '退订邮件通知',
      org: portalOrg(check.scope.org),
      crumbs: crumbs(check.scope.org, '退订'),
      qr: false,
      children: (
        <UnsubscribePage
          token={token}
          csrf={c.get('csrf')()}
          label={check.scope.label}
          active={check.active}
          others={check.others}
        />
      ),
    });
  });

  app.post('/subscriptions/unsubscribe', async (c) => {
    noStore(c);
    const f = await formFields(c);
    const check = await unsubscribe(deps, f.token ?? '', f.all === '1');
    if (check.status !== 'ok') return unsubscribeProblem(c);
    return c.redirect(`/subscriptions/unsubscribed?org=${encodeURIComponent(check.scope.org.slug)}`, 303);
  });

  // One-click unsubscribe (RFC 8058), from the List-Unsubscribe header: the mail client POSTs
  // "List-Unsubscribe=One-Click" without cookies (exempt from CSRF, the token authorizes it); a browser that
  // opens the address is shown the ordinary unsubscribe page instead.
  app.get('/subscriptions/one-click', (c) =>
    c.redirect(`/subscriptions/unsubscribe?token=${encodeURIComponent(c.req.query('token') ?? '')}`, 303),
  );
  app.post('/subscriptions/one-click', async (c) => {
    noStore(c);
    const f = await formFields(c);
    if (f['List-Unsubscribe'] !== 'One-Click') return c.text('缺少 List-Unsubscribe=One-Click。', 400);
    const check = await unsubscribe(deps, c.req.query('token') ?? '', false);
    if (check.status !== 'ok') return c.text('链接无效或已过期。', 404);
    return c.text('已退订。', 200);
  });

  app.get('/subscriptions/unsubscribed', async (c) => {
    const org = await orgOrNull(deps, c.req.query('org'));
    return portalPage(c, deps, {
      title: '已退订',
      org: org ? portalOrg(org) : null,
      crumbs: crumbs(org, '退订'),
      qr: false,
      children: <UnsubscribedPage org={org} />,
    });
  });

  return app;
}

/** The "邮件订阅" link of agency pages (the whole organization) and column pages (that column). */
async function subscribeLinkOfPage(path: string, deps: Pick<Deps, 'db'>): Promise<FeedLink[]> {
  const m = /^\/org\/([^/]+)(?:\/gk(?:\/([^/]+))?)?\/?$/.exec(path);
  if (!m) return [];
  try {
    const slug = decodeURIComponent(m[1]);
    if (!m[2]) return [{ title: '邮件订阅', href: `/org/${encodeURIComponent(slug)}/subscribe` }];
    const org = await publicOrganization(deps, slug);
    const column = (await directoryOf(deps, org.id)).bySlug.get(decodeURIComponent(m[2]));
    if (!column || column.retired || column.kind === 'static') return [];
    return [{ title: '邮件订阅', href: `/org/${org.slug}/subscribe?column=${encodeURIComponent(column.slug)}` }];
  } catch {
    return [];
  }
}

/** Notification hooks, and the subscribe link on agency and column pages. Idempotent. */
export function registerSubscriptions() {
  registerSubscriptionHooks();
  addPortalFeeds('subscriptions', subscribeLinkOfPage);
}
