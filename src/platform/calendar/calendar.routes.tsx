import type { Context } from 'hono';
import { Hono } from 'hono';
import { can } from '../auth/permissions.js';
import type { AppEnv, Deps } from '../context.js';
import { type FieldErrors, NotFoundError, ValidationError } from '../errors.js';
import { formFields } from '../http/forms.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../http/staff.js';
import { beijingDate } from '../time.js';
import { isIsoDate, MAX_EDIT_YEAR, MIN_EDIT_YEAR, OVERRIDE_KINDS } from './calendar.schema.js';
import {
  calendarWarnings,
  confirmYear,
  listConfirmedYears,
  listOverridesOfYear,
  PACKAGE_INFO,
  packageYears,
  removeOverride,
  setOverride,
  unconfirmYear,
  yearDays,
} from './calendar.service.js';
import { CalendarPage } from './views/console.js';

type C = Context<AppEnv>;

/** The console's working-day calendar: view a year, and (calendar.manage) set days and confirm years. */
export function calendarRoutes(deps: Deps) {
  const site = deps.config.site;
  const staff = new StaffRouter();

  const currentYear = () => Number(beijingDate(deps.clock()).slice(0, 4));

  // An unusable ?year= shows the current year rather than an error page: it only chooses what to look at.
  const chosenYear = (raw: string | undefined) => {
    const y = Number(raw);
    return Number.isInteger(y) && y >= MIN_EDIT_YEAR && y <= MAX_EDIT_YEAR ? y : currentYear();
  };

  const page = async (c: C, year: number, form: { errors?: FieldErrors; values?: Record<string, string> } = {}) => {
    const [overrides, confirmedYears] = await Promise.all([
      listOverridesOfYear(deps.db, year),
      listConfirmedYears(deps.db),
    ]);
    const cal = deps.calendar;
    return consolePage(
      c,
      site,
      `工作日历 ${year} 年`,
      <CalendarPage
        year={year}
        currentYear={currentYear()}
        days={yearDays(cal, year)}
        yearSource={cal.yearSource(year)}
        confirmation={confirmedYears.find((y) => y.year === year)}
        packageInfo={PACKAGE_INFO}
        packageYears={packageYears()}
        confirmedYears={confirmedYears}
        overrides={overrides}
        warnings={calendarWarnings(cal, deps.clock())}
        canManage={can(c.get('principal'), 'calendar.manage')}
        csrf={c.get('csrf')()}
        errors={form.errors}
        values={form.values}
      />,
      form.errors ? 422 : 200,
    );
  };

  staff.get('/console/calendar', 'calendar.view', (c) => page(c, chosenYear(c.req.query('year'))));

  staff.post('/console/calendar/overrides', 'calendar.manage', async (c) => {
    const f = await formFields(c);
    const year = isIsoDate(f.date ?? '') ? chosenYear(f.date.slice(0, 4)) : currentYear();
    let saved: Awaited<ReturnType<typeof setOverride>>;
    try {
      saved = await setOverride(deps.db, actorOf(c), f, deps.clock());
    } catch (e) {
      if (e instanceof ValidationError) return page(c, year, { errors: e.fields, values: f });
      throw e;
    }
    await deps.calendar.reload();
    return redirectWithFlash(
      c,
      `/console/calendar?year=${saved.date.slice(0, 4)}#overrides`,
      `已将 ${saved.date} 设为${OVERRIDE_KINDS[saved.kind]}（${saved.name}）。`,
    );
  });

  staff.post('/console/calendar/overrides/delete', 'calendar.manage', async (c) => {
    const f = await formFields(c);
    const date = f.date ?? '';
    const back = `/console/calendar?year=${isIsoDate(date) ? chosenYear(date.slice(0, 4)) : currentYear()}#overrides`;
    try {
      await removeOverride(deps.db, actorOf(c), date, deps.clock());
    } catch (e) {
      // A second click or a stale page: nothing left to delete is not worth an error page.
      if (e instanceof NotFoundError) return redirectWithFlash(c, back, e.message);
      throw e;
    }
    await deps.calendar.reload();
    return redirectWithFlash(c, back, `已删除 ${date} 的管理员设置，该日恢复按内置数据和周末规则计算。`);
  });

  staff.post('/console/calendar/years', 'calendar.manage', async (c) => {
    const f = await formFields(c);
    try {
      await confirmYear(deps.db, actorOf(c), f.year ?? '', f.note ?? '', deps.clock());
    } catch (e) {
      if (e instanceof ValidationError) return page(c, chosenYear(f.year), { errors: e.fields, values: f });
      throw e;
    }
    await deps.calendar.reload();
    const year = Number(f.year);
    return redirectWithFlash(c, `/console/calendar?year=${year}`, `已确认 ${year} 年节假日安排录入完整。`);
  });

  staff.post('/console/calendar/years/delete', 'calendar.manage', async (c) => {
    const f = await formFields(c);
    const year = chosenYear(f.year);
    try {
      await unconfirmYear(deps.db, actorOf(c), f.year ?? '', deps.clock());
    } catch (e) {
      if (e instanceof NotFoundError) return redirectWithFlash(c, `/console/calendar?year=${year}`, e.message);
      throw e;
    }
    await deps.calendar.reload();
    return redirectWithFlash(c, `/console/calendar?year=${year}`, `已撤销 ${year} 年的确认。`);
  });

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}
