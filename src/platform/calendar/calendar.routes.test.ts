import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, insertStaff, signedInClient, type TestApp, type TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { calendarRoutes } from './calendar.routes.js';

// The console page through HTTP on a real database: the full application with its sign-in, CSRF and
// error handling, the calendar routes mounted as the lead will wire them. The test clock reads
// 2026-11-25, when the 2027 arrangement is not in the package.
for (const engine of testEngines()) {
  describe(`console calendar page (${engine})`, () => {
    let t: TestApp;
    let admin: TestClient;
    let drafter: TestClient;

    before(async () => {
      t = await createTestApp(engine, { routes: (deps) => [calendarRoutes(deps)] });
      const org = await t.db.kysely
        .insertInto('organizations')
        .values({
          code: 'C1',
          slug: 'c1',
          name: '日历测试区人民政府',
          short_name: '',
          kind: 'government',
          functions: '',
          address: '',
          postcode: '',
          phone: '',
          fax: '',
          email: '',
          office_hours: '',
          website: '',
          leadership: '[]',
          sort_order: 0,
          active: 1,
          created_at: '2026-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      admin = await signedInClient(
        t,
        await insertStaff(t, 'cal_admin', [{ role: 'system_admin', organizationId: org.id }], { totp: true }),
      );
      drafter = await signedInClient(
        t,
        await insertStaff(t, 'cal_drafter', [{ role: 'drafter', organizationId: org.id }]),
      );
    });
    after(() => t.dispose());

    const auditCount = async (action: string) =>
      (await t.db.kysely.selectFrom('audit_events').select('id').where('action', '=', action).execute()).length;

    test('the page shows a known year’s holidays and make-up days with their source, and the next-year warning', async () => {
      const res = await drafter.get('/console/calendar?year=2024');
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /<h1>工作日历<\/h1>/);
      assert.match(html, /2024 年的节假日安排来自内置数据（chinese-days/);
      assert.match(
        html,
        /<td>2024-10-12<\/td><td>星期六<\/td><td>1<\/td><td>调休上班<\/td><td>国庆节<\/td><td>内置数据<\/td>/,
      );
      assert.match(
        html,
        /<td>2024-10-01 至 10-07<\/td><td>星期二至星期一<\/td><td>7<\/td><td>放假<\/td><td>国庆节<\/td><td>内置数据<\/td>/,
      );
      assert.match(html, /<caption>10 月<\/caption>/);
      assert.match(html, /2027 年的法定节假日安排尚未录入/);
      assert.match(html, /全年工作日 \d+ 天/);
    });

    test('without calendar.manage the page has no forms and posting is forbidden', async () => {
      const html = await (await drafter.get('/console/calendar?year=2027')).text();
      assert.doesNotMatch(html, /action="\/console\/calendar\/overrides"/);
      assert.doesNotMatch(html, /action="\/console\/calendar\/years"/);
      assert.match(html, /2027 年的节假日安排尚未录入并确认/);
      const res = await drafter.post('/console/calendar/overrides', {
        date: '2027-10-01',
        kind: 'holiday',
        name: '国庆节',
      });
      assert.equal(res.status, 403);
      assert.equal(await auditCount('calendar.override_set'), 0);
    });

    test('an invalid override re-renders the page with the error summary and what was typed', async () => {
      const res = await admin.post('/console/calendar/overrides', { date: '2027-02-30', kind: 'holiday', name: '' });
      assert.equal(res.status, 422);
      const html = await res.text();
      assert.match(html, /class="error-summary"/);
      assert.match(html, /href="#date"/);
      assert.match(html, /href="#name"/);
      assert.match(html, /value="2027-02-30"/);
      assert.match(html, /name="_csrf" value="[^"]+"/);
      assert.equal(await auditCount('calendar.override_set'), 0);
    });

    test('a form posted without the CSRF token is refused', async () => {
      const res = await admin.post(
        '/console/calendar/overrides',
        { date: '2027-10-01', kind: 'holiday', name: '国庆节' },
        { csrf: false },
      );
      assert.equal(res.status, 403);
      assert.equal(await auditCount('calendar.override_set'), 0);
    });

    test('a valid override is saved with its audit event, redirects, and takes effect at once', async () => {
      const res = await admin.post('/console/calendar/overrides', {
        date: '2027-10-01',
        kind: 'holiday',
        name: '国庆节',
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/console/calendar?year=2027#overrides');
      assert.equal(await auditCount('calendar.override_set'), 1);
      assert.equal(t.deps.calendar.describe('2027-10-01').source, 'override', 'the shared calendar was reloaded');
      const html = await (await admin.get('/console/calendar?year=2027')).text();
      assert.match(html, /已将 2027-10-01 设为放假（国庆节）。/);
      assert.match(
        html,
        /<td>2027-10-01<\/td><td>星期五<\/td><td>1<\/td><td>放假<\/td><td>国庆节<\/td><td>管理员设置<\/td>/,
      );
      assert.match(html, /<td>cal_admin<\/td>/);
    });

    test('a bad year re-renders with the error; a year confirmed in the console is saved, audited and clears the warning', async () => {
      const bad = await admin.post('/console/calendar/years', { year: '20x7', note: '' });
      assert.equal(bad.status, 422);
      assert.match(await bad.text(), /href="#year"/);
      const res = await admin.post('/console/calendar/years', { year: '2027', note: '国办发明电〔2026〕7号' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/console/calendar?year=2027');
      assert.equal(await auditCount('calendar.year_confirm'), 1);
      assert.equal(t.deps.calendar.isYearKnown(2027), true);
      const html = await (await admin.get('/console/calendar?year=2027')).text();
      assert.match(html, /2027 年的节假日安排已由cal_admin于/);
      assert.doesNotMatch(html, /2027 年的法定节假日安排尚未录入/);
    });

    test('unconfirming and deleting redirect with a message, are audited, and a second click is harmless', async () => {
      const un = await admin.post('/console/calendar/years/delete', { year: '2027' });
      assert.equal(un.status, 303);
      assert.equal(await auditCount('calendar.year_unconfirm'), 1);
      assert.equal(t.deps.calendar.isYearKnown(2027), false);
      const again = await admin.post('/console/calendar/years/delete', { year: '2027' });
      assert.equal(again.status, 303);
      assert.match(await (await admin.get('/console/calendar?year=2027')).text(), /2027 年尚未确认，无需撤销。/);

      const del = await admin.post('/console/calendar/overrides/delete', { date: '2027-10-01' });
      assert.equal(del.status, 303);
      assert.equal(await auditCount('calendar.override_remove'), 1);
      assert.equal(t.deps.calendar.describe('2027-10-01').kind, 'workday');
      const twice = await admin.post('/console/calendar/overrides/delete', { date: '2027-10-01' });
      assert.equal(twice.status, 303);
      assert.equal(await auditCount('calendar.override_remove'), 1);
    });

    test('an unusable year in the address shows the current year', async () => {
      const html = await (await drafter.get('/console/calendar?year=abc')).text();
      assert.match(html, /<h2>2026 年<\/h2>/);
    });
  });
}
