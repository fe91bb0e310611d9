import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { can, ROLE_LABELS } from '../../platform/auth/permissions.js';
import { calendarWarnings } from '../../platform/calendar/calendar.service.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { consolePage, StaffRouter } from '../../platform/http/staff.js';
import { orgTree } from '../organizations/organizations.service.js';
import { dashboardCounts } from './dashboard.repository.js';

// Widgets feature modules add to the dashboard (e.g. items due for publication, requests falling due).
type Widget = (deps: Deps, c: Context<AppEnv>) => Promise<Child>;
const widgets: { order: number; render: Widget }[] = [];
export function addDashboardWidget(order: number, render: Widget) {
  widgets.push({ order, render });
  widgets.sort((a, b) => a.order - b.order);
}

/** The console's landing page: warnings that need action and the state of the platform. */
export function dashboardRoutes(deps: Deps) {
  const staff = new StaffRouter();
  staff.get('/console', 'console.view', async (c) => {
    const p = c.get('principal')!;
    const now = deps.clock();
    const [tree, counts] = await Promise.all([orgTree(deps), dashboardCounts(deps.db.kysely)]);
    const warnings = calendarWarnings(deps.calendar, now);
    const extra = await Promise.all(widgets.map((w) => w.render(deps, c)));
    return consolePage(
      c,
      deps.config.site,
      '工作台',
      <>
        <h1>工作台</h1>
        <p>
          您好，{p.displayName}。您的角色：
          {p.grants.map((g) => `${tree.byId.get(g.organizationId)?.name ?? ''} · ${ROLE_LABELS[g.role]}`).join('；') ||
            '尚未授予角色，请联系机构管理员。'}
        </p>
        {warnings.map((w) => (
          <div class="notice notice-warning" role="alert">
            {w}
            {can(p, 'calendar.manage') ? (
              <>
                {' '}
                <a href="/console/calendar">前往工作日历</a>
              </>
            ) : null}
          </div>
        ))}
        <div class="grid">
          <section class="card">
            <h2>机构</h2>
            <p class="stat">{counts.organizations}</p>
            {can(p, 'organization.view') ? <a href="/console/organizations">管理机构</a> : null}
          </section>
          <section class="card">
            <h2>用户</h2>
            <p class="stat">{counts.users}</p>
            {can(p, 'user.view') ? <a href="/console/users">管理用户</a> : null}
          </section>
          {can(p, 'jobs.view') ? (
            <section class="card">
              <h2>失败的后台任务</h2>
              <p class="stat">{counts.failedJobs}</p>
              <a href="/console/jobs">查看后台任务</a>
            </section>
          ) : null}
          {can(p, 'mail.view') ? (
            <section class="card">
              <h2>待发送邮件</h2>
              <p class="stat">{counts.pendingMail}</p>
              <a href="/console/mail">查看发件箱</a>
            </section>
          ) : null}
        </div>
        {extra}
      </>,
    );
  });
  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}
