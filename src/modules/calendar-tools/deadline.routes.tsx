import { Hono } from 'hono';
import { ApiRouter } from '../../platform/api/router.js';
import { calendarWarnings } from '../../platform/calendar/calendar.service.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { fieldErrors } from '../../platform/http/forms.js';
import { portalPage } from '../../platform/http/portal.js';
import { deadlineAnswerSchema, deadlineQuery } from './deadline.schema.js';
import { computeDeadline } from './deadline.service.js';
import { DeadlinePage } from './views/deadline.js';

/** The public deadline calculator: GET /api/v1/calendar/deadline and the page /tools/deadline. */
export function deadlineRoutes(deps: Deps): Hono<AppEnv> {
  const api = new ApiRouter(deps);
  api.add(
    {
      method: 'get',
      path: '/api/v1/calendar/deadline',
      operationId: 'computeDeadline',
      summary: '计算工作日期限',
      description:
        '按平台的工作日历（官方节假日和调休安排，以及管理员的补充设置）计算 from 之后第 workdays 个工作日，并说明计入和跳过的日子。所涉年份尚无安排时给出 warnings，reliable 为 false。',
      tags: ['工作日历'],
      query: deadlineQuery,
      responses: { 200: { description: '截止日期及其计算过程', schema: deadlineAnswerSchema } },
    },
    async ({ query }) => ({ body: computeDeadline(deps.calendar, query.from, query.workdays) }),
  );

  const app = new Hono<AppEnv>();
  app.route('/', api.app);
  app.get('/tools/deadline', async (c) => {
    const raw = c.req.query();
    const values = { from: raw.from ?? '', workdays: raw.workdays ?? '20' };
    const page = (o: Parameters<typeof DeadlinePage>[0], status: 200 | 422 = 200) =>
      portalPage(c, deps, {
        title: '法定期限计算器',
        crumbs: [{ label: '法定期限计算器' }],
        description: '按法定节假日和调休安排计算政府信息公开答复等工作日期限',
        status,
        children: <DeadlinePage {...o} />,
      });
    const warnings = calendarWarnings(deps.calendar, deps.clock());
    if (raw.from === undefined) return page({ values, calendarWarnings: warnings });
    const parsed = deadlineQuery.safeParse(values);
    if (!parsed.success) return page({ values, errors: fieldErrors(parsed.error), calendarWarnings: warnings }, 422);
    const answer = computeDeadline(deps.calendar, parsed.data.from, parsed.data.workdays);
    return page({ values, answer, calendarWarnings: warnings });
  });
  return app;
}
