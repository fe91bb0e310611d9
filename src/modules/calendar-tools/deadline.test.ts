import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../../platform/audit/audit.service.js';
import { calendarFromOverrides, setOverride } from '../../platform/calendar/calendar.service.js';
import { createTestApp, type TestApp } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { computeDeadline, weekdayOf } from './deadline.service.js';

// Fixed dates against the State Council's published arrangements (chinese-days 1.5.7):
//   2025 Spring Festival: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked.
//   2026 New Year: 01-01..01-03 off, Sunday 01-04 worked.
const plain = calendarFromOverrides();

describe('deadline calculator (service)', () => {
  test('20 working days from Friday 2025-01-24 run past the Spring Festival to 2025-02-27', () => {
    const a = computeDeadline(plain, '2025-01-24', 20);
    assert.equal(a.countingStarts, '2025-01-25');
    assert.equal(a.due, '2025-02-27');
    assert.equal(a.dueWeekday, '星期四');
    assert.equal(a.counted.length, 20);
    assert.equal(a.counted[0], '2025-01-26', 'Saturday 01-25 is off, Sunday 01-26 is a make-up working day');
    assert.deepEqual(
      a.makeupDays.map((d) => [d.date, d.weekday]),
      [
        ['2025-01-26', '星期日'],
        ['2025-02-08', '星期六'],
      ],
    );
    assert.deepEqual(
      a.skipped.filter((d) => d.kind === 'holiday').map((d) => d.date),
      ['2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03', '2025-02-04'],
    );
    assert.ok(a.skipped.filter((d) => d.kind === 'holiday').every((d) => d.name === '春节'));
    assert.ok(!a.counted.includes('2025-02-04') && a.counted.includes('2025-02-05'));
    assert.match(a.explanation, /不计春节假期 8 天/);
    assert.match(a.explanation, /计入调休上班日 1月26日、2月8日/);
    assert.equal(a.reliable, true);
    assert.deepEqual(a.warnings, []);
  });

  test('a period across the year end counts the New Year holiday and its make-up Sunday', () => {
    const a = computeDeadline(plain, '2025-12-20', 20);
    assert.equal(a.due, '2026-01-19');
    assert.deepEqual(
      a.skipped.filter((d) => d.kind === 'holiday').map((d) => d.date),
      ['2026-01-01', '2026-01-02', '2026-01-03'],
    );
    assert.deepEqual(
      a.makeupDays.map((d) => d.date),
      ['2026-01-04'],
    );
  });

  test('counting starts the next day: 1 working day from a Friday is the Monday, 0 is the day itself', () => {
    assert.equal(computeDeadline(plain, '2025-03-07', 1).due, '2025-03-10');
    const zero = computeDeadline(plain, '2025-03-07', 0);
    assert.equal(zero.due, '2025-03-07');
    assert.deepEqual(zero.counted, []);
  });

  test('a year without an arrangement is counted by the weekend rule and warned about', () => {
    const a = computeDeadline(plain, '2026-12-20', 20);
    assert.deepEqual(a.unknownYears, [2027]);
    assert.equal(a.reliable, false);
    assert.equal(a.warnings.length, 1);
    assert.match(a.warnings[0], /2027 年的法定节假日和调休安排尚未公布或尚未录入/);
    assert.match(a.explanation, /2027 年的节假日安排尚未录入/);
    // 2027-01-01 is a Friday: without data it counts as a working day
    assert.ok(a.counted.includes('2027-01-01'));
  });

  test('an administrator override is used: a declared 2027 New Year holiday moves the due date', () => {
    const withOverride = calendarFromOverrides([{ date: '2027-01-01', kind: 'holiday', name: '元旦' }], [2027]);
    const before = computeDeadline(plain, '2026-12-20', 20).due;
    const after = computeDeadline(withOverride, '2026-12-20', 20);
    assert.equal(weekdayOf('2027-01-01'), '星期五', 'without the override 2027-01-01 would be counted');
    assert.notEqual(after.due, before);
    assert.equal(after.reliable, true, 'a confirmed year is known');
    assert.ok(after.skipped.some((d) => d.date === '2027-01-01' && d.source === 'override'));
  });
});

for (const engine of testEngines()) {
  describe(`deadline calculator over HTTP (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(engine);
    });
    after(() => t.dispose());

    test('GET /api/v1/calendar/deadline answers the due date with its explanation', async () => {
      const res = await t.app.request('http://gk.test/api/v1/calendar/deadline?from=2025-01-24&workdays=20');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const body = await res.json();
      assert.equal(body.due, '2025-02-27');
      assert.equal(body.counted.length, 20);
      assert.equal(body.makeupDays.length, 2);
      assert.equal(body.skipped.filter((d: { kind: string }) => d.kind === 'holiday').length, 8);
    });

    test('workdays defaults to 20; bad input answers 422 with the field named', async () => {
      const ok = await (await t.app.request('http://gk.test/api/v1/calendar/deadline?from=2025-01-24')).json();
      assert.equal(ok.workdays, 20);
      const bad = await t.app.request('http://gk.test/api/v1/calendar/deadline?from=2025-02-30&workdays=x');
      assert.equal(bad.status, 422);
      const err = await bad.json();
      assert.ok(err.error.fields.from && err.error.fields.workdays, JSON.stringify(err));
    });

    test('the operation is in the OpenAPI document', async () => {
      const doc = await (await t.app.request('http://gk.test/api/v1/openapi.json')).json();
      const op = doc.paths['/api/v1/calendar/deadline']?.get;
      assert.equal(op?.operationId, 'computeDeadline');
      assert.ok(op.parameters.some((p: { name: string }) => p.name === 'workdays'));
    });

    test('the page works without JavaScript: a GET form, the due date and the skipped holidays', async () => {
      const empty = await t.app.request('http://gk.test/tools/deadline');
      assert.equal(empty.status, 200);
      const form = await empty.text();
      assert.match(form, /<html lang="zh-CN"/);
      assert.match(form, /<form method="get" action="\/tools\/deadline"/);
      assert.match(form, /<label for="from">起算日期/);
      const res = await t.app.request('http://gk.test/tools/deadline?from=2025-01-24&workdays=20');
      const html = await res.text();
      assert.equal(res.status, 200);
      assert.match(html, /截止日期：<strong><time datetime="2025-02-27">2025年2月27日<\/time>（星期四）/);
      assert.match(html, /2025年1月28日/);
      assert.match(html, /调休上班（计入）/);
      assert.match(html, /value="2025-01-24"/, 'what was typed is kept');
    });

    test('the page shows errors in a summary and beside the field, keeping the input', async () => {
      const res = await t.app.request('http://gk.test/tools/deadline?from=2025-13-01&workdays=999');
      assert.equal(res.status, 422);
      const html = await res.text();
      assert.match(html, /class="error-summary"/);
      assert.match(html, /<a href="#from">/);
      assert.match(html, /<a href="#workdays">工作日数不能大于 200。/);
      assert.match(html, /value="2025-13-01"/);
    });

    test("an administrator's override reaches the calculator after the calendar reloads", async () => {
      const url = 'http://gk.test/api/v1/calendar/deadline?from=2026-12-20&workdays=20';
      const before = await (await t.app.request(url)).json();
      assert.equal(before.reliable, false);
      await setOverride(t.db, systemActor, { date: '2027-01-01', kind: 'holiday', name: '元旦' }, new Date());
      await t.deps.calendar.reload();
      const after = await (await t.app.request(url)).json();
      assert.notEqual(after.due, before.due);
      assert.ok(
        after.skipped.some((d: { date: string; source: string }) => d.date === '2027-01-01' && d.source === 'override'),
      );
    });
  });
}
