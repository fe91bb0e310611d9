import { Hono } from 'hono';
import { ApiRouter } from '../../platform/api/router.js';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ForbiddenError, ValidationError } from '../../platform/errors.js';
import { fieldErrors } from '../../platform/http/forms.js';
import { consolePage, StaffRouter } from '../../platform/http/staff.js';
import { CONSOLE_NAV } from '../../platform/render/layouts.js';
import { beijingDate } from '../../platform/time.js';
import { orgTree } from '../organizations/organizations.service.js';
import {
  type RequestStatistics,
  requestStatistics,
  TABLE3_COLUMN_LABELS,
  TABLE3_COLUMNS,
} from './requests.statistics.js';
import { statisticsAnswerSchema, statisticsQuery } from './requests-statistics.schema.js';
import { StatisticsPage } from './views/statistics.js';

/** The API's view of the statistics: no tracking numbers, only how many requests are inconsistent. */
export function presentStatistics(s: RequestStatistics) {
  return {
    year: s.year,
    organization: s.organization,
    includes_subordinates: s.includesSubordinates,
    table3: {
      columns: TABLE3_COLUMNS.map((key) => ({ key, label: TABLE3_COLUMN_LABELS[key] })),
      rows: s.table3.rows,
      consistent: s.table3.violations.length === 0,
      violations: s.table3.violations,
      anomaly_count: new Set(s.table3.anomalies.map((a) => a.trackingNumber)).size,
    },
    table4: s.table4,
  };
}

/** Adds the console navigation entry (idempotent). */
export function registerRequestStatisticsNav() {
  if (!CONSOLE_NAV.some((e) => e.href === '/console/request-statistics'))
    CONSOLE_NAV.push({
      label: '依申请公开统计',
      href: '/console/request-statistics',
      permission: 'request_statistics.view',
    });
}

/** GET /api/v1/statistics/requests (public: the published annual report's figures) and the console page. */
export function requestStatisticsRoutes(deps: Deps): Hono<AppEnv> {
  const api = new ApiRouter(deps);
  api.add(
    {
      method: 'get',
      path: '/api/v1/statistics/requests',
      operationId: 'requestStatistics',
      summary: '依申请公开统计（年度报告表三、表四）',
      description:
        '某年度、某机构（不填为全部机构）的政府信息公开申请收到和处理情况（表三，7 列，逐列校验“一 + 二 = 三（七） + 四”）和行政复议、行政诉讼情况（表四）。',
      tags: ['统计'],
      query: statisticsQuery,
      responses: { 200: { description: '表三和表四', schema: statisticsAnswerSchema } },
    },
    async ({ query }) => {
      const s = await requestStatistics(deps, {
        year: query.year,
        organization: query.organization,
        includeSubordinates: query.subordinates,
      });
      return { body: presentStatistics(s) };
    },
  );

  const staff = new StaffRouter();
  staff.get('/console/request-statistics', 'request_statistics.view', async (c) => {
    const p = c.get('principal');
    const tree = await orgTree(deps);
    const visible = tree.all.filter((o) => can(p, 'request_statistics.view', tree.chain(o.id)));
    const allowAll = can(p, 'request_statistics.view', []);
    const raw = c.req.query();
    const values = {
      year: raw.year ?? String(Number(beijingDate(deps.clock()).slice(0, 4)) - 1),
      organization: raw.organization ?? (allowAll ? '' : String(visible[0]?.id ?? '')),
      subordinates: raw.subordinates === '1' ? '1' : '',
    };
    const organizations = visible.map((o) => ({ value: String(o.id), label: '　'.repeat(tree.depth(o.id)) + o.name }));
    const render = (extra: Partial<Parameters<typeof StatisticsPage>[0]>, status: 200 | 422 = 200) =>
      consolePage(
        c,
        deps.config.site,
        '依申请公开统计',
        <StatisticsPage values={values} organizations={organizations} allowAll={allowAll} {...extra} />,
        status,
      );
    const parsed = statisticsQuery.safeParse({
      ...values,
      organization: values.organization || undefined,
      subordinates: values.subordinates ? '1' : undefined,
    });
    if (!parsed.success) return render({ errors: fieldErrors(parsed.error) }, 422);
    const orgId = parsed.data.organization ? Number(parsed.data.organization) : null;
    if (orgId === null ? !allowAll : !visible.some((o) => o.id === orgId)) throw new ForbiddenError();
    try {
      const stats = await requestStatistics(deps, {
        year: parsed.data.year,
        organization: orgId,
        includeSubordinates: parsed.data.subordinates,
      });
      return render({ stats });
    } catch (e) {
      if (e instanceof ValidationError) return render({ errors: e.fields }, 422);
      throw e;
    }
  });

  const app = new Hono<AppEnv>();
  app.route('/', api.app);
  app.route('/', staff.app);
  return app;
}
