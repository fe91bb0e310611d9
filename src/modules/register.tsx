import type { Hono } from 'hono';
import { can } from '../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../platform/context.js';
import { fileRoutes } from '../platform/files/files.routes.js';
import { addPortalNav } from '../platform/http/portal.js';
import { CONSOLE_NAV } from '../platform/render/layouts.js';
import { apiV1Routes } from './api/api.routes.js';
import { apiTokenRoutes } from './api/tokens.routes.js';
import { deadlineRoutes } from './calendar-tools/deadline.routes.js';
import { addDashboardWidget } from './console/dashboard.routes.js';
import { directoryRoutes } from './directory/directory.routes.js';
import { directoryOf, ensureStandardDirectory } from './directory/directory.service.js';
import { feedRoutes, registerFeeds } from './feeds/feeds.routes.js';
import { addAgencyHomeSection } from './organizations/organizations.routes.js';
import { onOrganizationCreated } from './organizations/organizations.service.js';
import { policyRoutes, registerPolicies } from './policies/policies.routes.js';
import { publishingConsoleRoutes, publishingPublicRoutes } from './publishing/publishing.routes.js';
import { dueItems, publishedPage } from './publishing/publishing.service.js';
import { columnHref, ItemList } from './publishing/views/public.js';
import { requestConsoleRoutes, requestPublicRoutes } from './requests/requests.routes.js';
import { queues } from './requests/requests.service.js';
import { requestStaffApiRoutes } from './requests/requests-api.routes.js';
import { deadlineFeedRoutes, registerDeadlineFeedLinks } from './requests/requests-deadlines.routes.js';
import { letterTemplateRoutes, registerLetterTemplatesNav } from './requests/requests-letters.routes.js';
import { registerRequestLogNav, requestLogRoutes } from './requests/requests-log.routes.js';
import { registerRequestStatisticsNav, requestStatisticsRoutes } from './requests/requests-statistics.routes.js';
import { registerSearchIndexer } from './search/search.indexer.js';
import { searchRoutes } from './search/search.routes.js';
import { searchQueueWidget } from './search/search-queue.widget.js';
import { registerSubscriptions, subscriptionRoutes } from './subscriptions/subscriptions.routes.js';
import { webhookRoutes } from './webhooks/webhooks.routes.js';
import { registerWebhookHooks } from './webhooks/webhooks.service.js';

let registered = false;

/**
 * Connects the feature modules to the platform's extension points (new-organization hooks, portal
 * navigation, home sections, dashboard widgets). Idempotent; call before seeding or serving.
 */
export function registerModules() {
  if (registered) return;
  registered = true;
  registerSearchIndexer();
  onOrganizationCreated('directory.standard', async (trx, _deps, organizationId, now) => {
    await ensureStandardDirectory(trx, organizationId, now);
  });
  addPortalNav(20, '政府信息公开', (slug) => `/org/${slug}/gk`);
  registerFeeds();
  registerSubscriptions();
  registerWebhookHooks();
  addPortalNav(30, '依申请公开', (slug) => `/org/${slug}/requests/new`);
  if (!CONSOLE_NAV.some((n) => n.href === '/console/requests'))
    CONSOLE_NAV.splice(2, 0, { label: '依申请公开', href: '/console/requests', permission: 'request.view' });
  registerRequestStatisticsNav();
  registerLetterTemplatesNav();
  registerRequestLogNav();
  registerDeadlineFeedLinks();
  registerPolicies();
  addAgencyHomeSection(10, async (deps, org) => {
    const dir = await directoryOf(deps, org.id);
    const { items } = await publishedPage(deps, { organizationId: org.id }, 1, 8);
    const news = dir.all.find((c) => c.standardKey === 'news' && !c.retired);
    return (
      <section aria-labelledby="latest" class="latest">
        <h2 id="latest">最新公开信息</h2>
        <ItemList org={org} items={items} empty="暂无公开信息。" />
        <p>
          <a href={`/org/${org.slug}/gk`}>进入政府信息公开目录</a>
          {news ? (
            <>
              {' ｜ '}
              <a href={columnHref(org.slug, news)}>工作动态</a>
            </>
          ) : null}
        </p>
      </section>
    );
  });
  addDashboardWidget(5, async (deps, c) => {
    const p = c.get('principal');
    if (!p || !can(p, 'request.view')) return null;
    const q = (await queues(deps, p, {})).queues;
    if (q.overdue.length + q.due_soon.length + q.new.length === 0) return null;
    return (
      <section class="notice notice-warning" aria-labelledby="due-requests">
        <h2 id="due-requests">依申请公开</h2>
        <p>
          {q.overdue.length ? `${q.overdue.length} 件申请已超过答复期限；` : ''}
          {q.due_soon.length ? `${q.due_soon.length} 件将在 3 个工作日内到期；` : ''}
          {q.new.length ? `${q.new.length} 件新收申请待分派。` : ''}
        </p>
        <a href="/console/requests">前往依申请公开</a>
      </section>
    );
  });
  addDashboardWidget(10, async (deps, c) => {
    const p = c.get('principal');
    if (!p || !can(p, 'item.view')) return null;
    const due = await dueItems(deps, p);
    if (due.length === 0) return null;
    const overdue = due.filter((d) => d.overdue).length;
    return (
      <section class="notice notice-warning" aria-labelledby="due-items">
        <h2 id="due-items">信息公开期限</h2>
        <p>
          {overdue > 0 ? `${overdue} 条信息已超过 20 个工作日的公开期限；` : ''}
          {due.length - overdue > 0 ? `${due.length - overdue} 条信息将在 5 个工作日内到期。` : ''}
        </p>
        <a href="/console/items">前往信息发布</a>
      </section>
    );
  });
  addDashboardWidget(20, searchQueueWidget);
}

/** The feature modules' routes, mounted after the platform's. */
export function moduleRoutes(deps: Deps): Hono<AppEnv>[] {
  return [
    searchRoutes(deps),
    fileRoutes(deps),
    publishingPublicRoutes(deps),
    publishingConsoleRoutes(deps),
    directoryRoutes(deps),
    feedRoutes(deps),
    subscriptionRoutes(deps),
    webhookRoutes(deps),
    apiV1Routes(deps),
    apiTokenRoutes(deps),
    requestPublicRoutes(deps),
    requestConsoleRoutes(deps),
    deadlineRoutes(deps),
    requestStatisticsRoutes(deps),
    letterTemplateRoutes(deps),
    deadlineFeedRoutes(deps),
    requestLogRoutes(deps),
    requestStaffApiRoutes(deps),
    ...policyRoutes(deps),
  ];
}
