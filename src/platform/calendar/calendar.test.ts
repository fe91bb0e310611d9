import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import chineseDays from 'chinese-days';
import { createTestDb, type TestDb, testEngines } from '../../testing/db.js';
import { type Actor, verifyAuditChain } from '../audit/audit.service.js';
import { NotFoundError, ValidationError } from '../errors.js';
import * as repo from './calendar.repository.js';
import {
  addCalendarDays,
  CalendarInputError,
  calendarFromOverrides,
  calendarWarnings,
  confirmYear,
  createCalendar,
  explainInChinese,
  listConfirmedYears,
  listOverridesOfYear,
  MAX_WORKDAYS,
  packageYears,
  removeOverride,
  setOverride,
  specialDays,
  unconfirmYear,
  yearDays,
} from './calendar.service.js';

// Real dates with the State Council's published arrangements (as shipped by chinese-days 1.5.7):
//   2024 National Day: 10-01..10-07 off, Sun 09-29 and Sat 10-12 worked.
//   2025 Spring Festival: 01-28..02-04 off, Sun 01-26 and Sat 02-08 worked.

const plain = calendarFromOverrides();

describe('working days from the official arrangements', () => {
  test('20 working days from Friday 2024-09-27 end on 2024-10-30, skipping National Day and counting both make-up days', () => {
    const e = plain.addWorkdays('2024-09-27', 20);
    assert.equal(e.from, '2024-09-27');
    assert.equal(e.workdays, 20);
    assert.equal(e.due, '2024-10-30');
    assert.equal(e.counted.length, 20);
    assert.equal(
      e.counted[0],
      '2024-09-29',
      'counting starts the next day; Saturday 09-28 is off, Sunday 09-29 is worked',
    );
    assert.deepEqual(
      e.makeupDays.map((d) => [d.date, d.kind, d.name, d.source]),
      [
        ['2024-09-29', 'workday_makeup', '国庆节', 'package'],
        ['2024-10-12', 'workday_makeup', '国庆节', 'package'],
      ],
    );
    const holidays = e.skipped.filter((d) => d.kind === 'holiday');
    assert.deepEqual(
      holidays.map((d) => d.date),
      ['2024-10-01', '2024-10-02', '2024-10-03', '2024-10-04', '2024-10-05', '2024-10-06', '2024-10-07'],
    );
    assert.ok(holidays.every((d) => d.name === '国庆节' && d.source === 'package'));
    assert.deepEqual(
      e.skipped.filter((d) => d.kind === 'weekend').map((d) => d.date),
      ['2024-09-28', '2024-10-13', '2024-10-19', '2024-10-20', '2024-10-26', '2024-10-27'],
    );
    assert.ok(!e.counted.some((d) => d >= '2024-10-01' && d <= '2024-10-07'));
    assert.deepEqual(e.unknownYears, []);
  });

  test('10 working days from Friday 2025-01-24 cross Spring Festival and end on 2025-02-13', () => {
    const e = plain.addWorkdays('2025-01-24', 10);
    assert.equal(e.due, '2025-02-13');
    assert.deepEqual(
      e.makeupDays.map((d) => d.date),
      ['2025-01-26', '2025-02-08'],
    );
    assert.deepEqual(
      e.skipped.filter((d) => d.kind === 'holiday').map((d) => d.date),
      ['2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03', '2025-02-04'],
    );
    assert.ok(e.skipped.filter((d) => d.kind === 'holiday').every((d) => d.name === '春节'));
  });

  test('a start on an ordinary Friday skips the weekend: 1 working day later is Monday, 5 is the next Friday', () => {
    assert.equal(plain.addWorkdays('2025-03-07', 1).due, '2025-03-10');
    assert.equal(plain.addWorkdays('2025-03-07', 5).due, '2025-03-14');
    assert.deepEqual(
      plain.addWorkdays('2025-03-07', 1).skipped.map((d) => [d.date, d.name]),
      [
        ['2025-03-08', '星期六'],
        ['2025-03-09', '星期日'],
      ],
    );
  });

  test('counting starts the day after the event: 1 working day from a Monday is the Tuesday', () => {
    assert.equal(plain.addWorkdays('2025-03-10', 1).due, '2025-03-11');
  });

  test('a start on a holiday counts from the first working day after it', () => {
    assert.equal(plain.addWorkdays('2024-10-01', 1).due, '2024-10-08');
  });

  test('0 working days is the starting day itself, with nothing counted or skipped', () => {
    for (const from of ['2025-03-10', '2024-10-03', '2025-03-08']) {
      const e = plain.addWorkdays(from, 0);
      assert.equal(e.due, from);
      assert.deepEqual([e.counted, e.skipped, e.makeupDays, e.unknownYears], [[], [], [], []]);
    }
  });

  test('describe tells holidays, make-up days, weekends and ordinary days apart, with names and sources', () => {
    assert.deepEqual(plain.describe('2024-10-03'), {
      date: '2024-10-03',
      kind: 'holiday',
      name: '国庆节',
      source: 'package',
    });
    assert.deepEqual(plain.describe('2024-10-12'), {
      date: '2024-10-12',
      kind: 'workday_makeup',
      name: '国庆节',
      source: 'package',
    });
    assert.deepEqual(plain.describe('2024-10-13'), {
      date: '2024-10-13',
      kind: 'weekend',
      name: '星期日',
      source: 'weekday',
    });
    assert.deepEqual(plain.describe('2024-10-14'), {
      date: '2024-10-14',
      kind: 'workday',
      name: '星期一',
      source: 'weekday',
    });
    assert.equal(plain.isWorkday('2024-10-12'), true);
    assert.equal(plain.isWorkday('2024-10-03'), false);
    assert.equal(plain.describe('2015-09-03').name, '中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日');
  });

  test('agrees with chinese-days isWorkday on every day the package covers (2004–2026)', () => {
    // Local-noon Date objects: the package reads dates with local-time getters, so this is how it is
    // asked reliably in any time zone (string dates are not; see calendar.service.ts).
    let checked = 0;
    for (let date = '2004-01-01'; date <= '2026-12-31'; date = addCalendarDays(date, 1)) {
      const [y, m, d] = date.split('-').map(Number);
      const local = new Date(y, m - 1, d, 12);
      assert.equal(plain.isWorkday(date), chineseDays.isWorkday(local), date);
      checked++;
    }
    assert.equal(checked, 8401);
  });

  test('gives the same answers whatever the server time zone is', () => {
    const saved = process.env.TZ;
    try {
      const answers = ['America/Los_Angeles', 'Asia/Shanghai', 'Pacific/Kiritimati', 'UTC'].map((tz) => {
        process.env.TZ = tz;
        const e = plain.addWorkdays('2024-09-27', 20);
        return [e.due, plain.describe('2024-10-01').kind, plain.countWorkdays('2024-09-27', '2024-10-30')];
      });
      for (const a of answers) assert.deepEqual(a, ['2024-10-30', 'holiday', 20]);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  test('the package ships every year from 2004 to 2026 and those years are known', () => {
    assert.deepEqual(
      packageYears(),
      Array.from({ length: 23 }, (_, i) => 2004 + i),
    );
    assert.equal(plain.isYearKnown(2026), true);
    assert.equal(plain.yearSource(2026), 'package');
    assert.equal(plain.isYearKnown(2027), false);
    assert.equal(plain.yearSource(2027), null);
    assert.equal(plain.isYearKnown(2003), false);
  });

  test('yearDays lists every day of the year and specialDays only holidays and make-up days', () => {
    assert.equal(yearDays(plain, 2024).length, 366);
    assert.equal(yearDays(plain, 2025).length, 365);
    const s = specialDays(plain, 2024);
    assert.ok(s.every((d) => d.source === 'package'));
    assert.equal(s.filter((d) => d.kind === 'workday_makeup').length, 8);
    assert.equal(s.filter((d) => d.kind === 'holiday').length, 28);
  });
});

describe('overrides and unknown years', () => {
  test('a weekday made a holiday pushes the due date back by one working day', () => {
    const cal = calendarFromOverrides([{ date: '2025-03-12', kind: 'holiday', name: '防汛停工' }]);
    const e = cal.addWorkdays('2025-03-07', 5);
    assert.equal(e.due, '2025-03-17');
    assert.deepEqual(
      e.skipped.find((d) => d.date === '2025-03-12'),
      { date: '2025-03-12', kind: 'holiday', name: '防汛停工', source: 'override' },
    );
  });

  test('a weekend made a working day counts as a make-up day and brings the due date forward', () => {
    const cal = calendarFromOverrides([{ date: '2025-03-08', kind: 'workday', name: '调休上班' }]);
    const e = cal.addWorkdays('2025-03-07', 5);
    assert.equal(e.due, '2025-03-13');
    assert.deepEqual(e.makeupDays, [
      { date: '2025-03-08', kind: 'workday_makeup', name: '调休上班', source: 'override' },
    ]);
  });

  test('overrides win over the package in both directions', () => {
    const cal = calendarFromOverrides([
      { date: '2024-10-02', kind: 'workday', name: '值班' },
      { date: '2024-09-29', kind: 'holiday', name: '取消调休' },
    ]);
    assert.equal(cal.describe('2024-10-02').kind, 'workday');
    assert.equal(cal.describe('2024-10-02').source, 'override');
    assert.equal(cal.describe('2024-09-29').kind, 'holiday');
    const e = cal.addWorkdays('2024-09-27', 20);
    assert.ok(e.counted.includes('2024-10-02'));
    assert.ok(!e.counted.includes('2024-09-29'));
    assert.equal(e.due, '2024-10-30', 'one day gained and one lost');
    assert.equal(plain.addWorkdays('2024-09-27', 2).due, '2024-09-30');
    assert.equal(cal.addWorkdays('2024-09-27', 2).due, '2024-10-02');
  });

  test('a count running into a year without an arrangement reports that year; confirming it clears the report', () => {
    const e = plain.addWorkdays('2026-12-20', 20);
    assert.equal(e.due, '2027-01-15', 'unknown days fall back to the weekend rule');
    assert.deepEqual(e.unknownYears, [2027]);
    const inside = plain.addWorkdays('2026-12-01', 5);
    assert.deepEqual(inside.unknownYears, []);
    const confirmed = calendarFromOverrides([{ date: '2027-01-01', kind: 'holiday', name: '元旦' }], [2027]);
    const c = confirmed.addWorkdays('2026-12-20', 20);
    assert.deepEqual(c.unknownYears, []);
    assert.equal(c.due, '2027-01-18');
    assert.equal(confirmed.yearSource(2027), 'confirmed');
    assert.deepEqual(confirmed.knownYears().slice(-2), [2026, 2027]);
  });

  test('countWorkdays is the inverse of addWorkdays across holidays, make-up days and year ends', () => {
    for (const from of ['2024-09-27', '2024-09-28', '2025-01-24', '2024-12-31', '2026-09-30', '2025-05-01']) {
      for (const n of [0, 1, 2, 5, 7, 20, 40, 60]) {
        const due = plain.addWorkdays(from, n).due;
        assert.equal(plain.countWorkdays(from, due), n, `${from} + ${n} = ${due}`);
      }
    }
  });

  test('countWorkdays counts (from, to], is zero for the same day and negative when to is earlier', () => {
    assert.equal(plain.countWorkdays('2025-03-10', '2025-03-10'), 0);
    assert.equal(plain.countWorkdays('2025-03-07', '2025-03-10'), 1);
    assert.equal(plain.countWorkdays('2024-09-30', '2024-10-07'), 0);
    assert.equal(plain.countWorkdays('2024-10-30', '2024-09-27'), -20);
  });

  test('bad dates and counts are refused with a clear Chinese message', () => {
    for (const bad of ['2024-02-30', '2024-9-1', '', 'tomorrow', '2024-13-01', '1800-01-01', '2024-10-01T00:00:00Z']) {
      assert.throws(() => plain.addWorkdays(bad, 1), CalendarInputError, bad);
      assert.throws(() => plain.describe(bad), /无效|超出/);
    }
    assert.throws(() => plain.isWorkday(20241001 as unknown as string), CalendarInputError);
    assert.throws(() => plain.countWorkdays('2024-10-01', '2024-10-32'), /截止日期/);
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_WORKDAYS + 1]) {
      assert.throws(() => plain.addWorkdays('2024-10-01', n), /工作日数/, String(n));
    }
    assert.equal(plain.addWorkdays('2024-10-01', MAX_WORKDAYS).counted.length, MAX_WORKDAYS);
  });

  test('a calendar whose overrides leave no working days gives up instead of looping', () => {
    const overrides = Array.from({ length: 4000 }, (_, i) => ({
      date: addCalendarDays('2025-01-01', i),
      kind: 'holiday' as const,
      name: '停工',
    }));
    assert.throws(() => calendarFromOverrides(overrides).addWorkdays('2024-12-31', 1), /找不到/);
  });

  test('explainInChinese names the due date, the holidays skipped, the make-up days and unknown years', () => {
    assert.equal(
      explainInChinese(plain.addWorkdays('2024-09-27', 20)),
      '自 2024-09-27 的次日起算 20 个工作日，截止 2024-10-30；不计国庆节假期 7 天、周末 6 天；计入调休上班日 9月29日、10月12日。',
    );
    assert.match(explainInChinese(plain.addWorkdays('2026-12-20', 20)), /2027 年的节假日安排尚未录入/);
  });
});

describe('calendar warnings for the dashboard', () => {
  test('no warning mid-year when this year is known', () => {
    assert.deepEqual(calendarWarnings(plain, new Date('2026-06-01T02:00:00Z')), []);
    assert.deepEqual(calendarWarnings(plain, new Date('2026-09-30T02:00:00Z')), []);
  });

  test('from October, warns that next year is not known until it is confirmed', () => {
    const w = calendarWarnings(plain, new Date('2026-10-15T02:00:00Z'));
    assert.equal(w.length, 1);
    assert.match(w[0], /2027 年的法定节假日安排尚未录入/);
    const confirmed = calendarFromOverrides([{ date: '2027-01-01', kind: 'holiday', name: '元旦' }], [2027]);
    assert.deepEqual(calendarWarnings(confirmed, new Date('2026-10-15T02:00:00Z')), []);
  });

  test('warns that the current year is unknown, using the Beijing date (New Year arrives at 16:00 UTC)', () => {
    const justBefore = calendarWarnings(plain, new Date('2026-12-31T15:59:00Z'));
    assert.equal(justBefore.length, 1);
    assert.doesNotMatch(justBefore[0], /尚未录入并确认/);
    const after = calendarWarnings(plain, new Date('2026-12-31T16:00:00Z'));
    assert.match(after[0], /2027 年的法定节假日和调休安排尚未录入并确认/);
  });
});

const admin: Actor = { userId: null, name: '测试管理员', ip: '127.0.0.1' };
const NOW = new Date('2026-11-25T02:00:00Z');

for (const engine of testEngines()) {
  describe(`calendar overrides in the database (${engine})`, () => {
    let db: TestDb;
    before(async () => {
      db = await createTestDb(engine);
    });
    after(() => db.dispose());

    const auditRows = (action: string) =>
      db.kysely.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();

    test('setOverride stores the day, writes an audit event, and the calendar sees it after reload', async () => {
      const cal = await createCalendar(db);
      assert.equal(cal.isWorkday('2027-10-01'), true);
      const saved = await setOverride(db, admin, { date: '2027-10-01', kind: 'holiday', name: '国庆节' }, NOW);
      assert.deepEqual(saved, { date: '2027-10-01', kind: 'holiday', name: '国庆节' });
      const row = await repo.findOverride(db.kysely, '2027-10-01');
      assert.equal(row?.kind, 'holiday');
      assert.equal(row?.created_at, NOW.toISOString());
      const events = await auditRows('calendar.override_set');
      assert.equal(events.length, 1);
      assert.equal(events[0].entity_type, 'calendar_day');
      assert.equal(events[0].entity_id, '2027-10-01');
      assert.equal(events[0].actor_name, '测试管理员');
      assert.match(events[0].summary, /2027-10-01 设为放假：国庆节/);
      assert.equal(cal.isWorkday('2027-10-01'), true, 'the in-memory calendar changes only on reload');
      await cal.reload();
      assert.deepEqual(cal.describe('2027-10-01'), {
        date: '2027-10-01',
        kind: 'holiday',
        name: '国庆节',
        source: 'override',
      });
    });

    test('a new calendar loads the stored overrides without a reload', async () => {
      const cal = await createCalendar(db);
      assert.equal(cal.describe('2027-10-01').source, 'override');
    });

    test('setting the same date again replaces it and audits the before and after', async () => {
      await setOverride(db, admin, { date: '2027-10-01', kind: 'holiday', name: '国庆节、中秋节' }, NOW);
      const rows = await repo.listOverrides(db.kysely);
      assert.equal(rows.filter((r) => r.date === '2027-10-01').length, 1);
      assert.equal(rows.find((r) => r.date === '2027-10-01')?.name, '国庆节、中秋节');
      const events = await auditRows('calendar.override_set');
      assert.equal(events.length, 2);
      assert.deepEqual(JSON.parse(events[1].before_json ?? 'null'), { kind: 'holiday', name: '国庆节' });
      assert.deepEqual(JSON.parse(events[1].after_json ?? 'null'), { kind: 'holiday', name: '国庆节、中秋节' });
    });

    test('invalid input is refused with Chinese messages per field and writes nothing', async () => {
      const before = (await db.kysely.selectFrom('audit_events').select('id').execute()).length;
      await assert.rejects(
        setOverride(db, admin, { date: '2027-02-30', kind: 'rest', name: '' }, NOW),
        (e: unknown) => {
          assert.ok(e instanceof ValidationError);
          assert.deepEqual(Object.keys(e.fields).sort(), ['date', 'kind', 'name']);
          assert.match(e.fields.date, /日期/);
          assert.match(e.fields.kind, /放假/);
          assert.match(e.fields.name, /名称/);
          return true;
        },
      );
      await assert.rejects(
        setOverride(db, admin, { date: '1999-10-01', kind: 'holiday', name: 'x' }, NOW),
        (e: unknown) => {
          assert.ok(e instanceof ValidationError);
          assert.match(e.fields.date, /2000 年至 2100 年/);
          return true;
        },
      );
      await assert.rejects(
        setOverride(db, admin, { date: '2027-10-02', kind: 'holiday', name: '长'.repeat(41) }, NOW),
        ValidationError,
      );
      assert.equal((await db.kysely.selectFrom('audit_events').select('id').execute()).length, before);
      assert.equal(await repo.findOverride(db.kysely, '2027-02-30'), undefined);
    });

    test('listOverridesOfYear gives the year’s overrides with the name of who entered them', async () => {
      const now = NOW.toISOString();
      const user = await db.kysely
        .insertInto('users')
        .values({
          username: 'calendar_admin',
          display_name: '日历管理员',
          email: 'cal@example.test',
          password_hash: 'x',
          failed_logins: 0,
          totp_enabled: 0,
          must_change_password: 0,
          active: 1,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await setOverride(
        db,
        { ...admin, userId: user.id },
        { date: '2027-09-26', kind: 'workday', name: '国庆节调休上班' },
        NOW,
      );
      await setOverride(db, admin, { date: '2028-01-03', kind: 'holiday', name: '元旦' }, NOW);
      const list = await listOverridesOfYear(db, 2027);
      assert.deepEqual(
        list.map((o) => [o.date, o.kind, o.createdByName]),
        [
          ['2027-09-26', 'workday', '日历管理员'],
          ['2027-10-01', 'holiday', null],
        ],
      );
      const cal = await createCalendar(db);
      assert.equal(cal.describe('2027-09-26').kind, 'workday_makeup');
    });

    test('removeOverride deletes the day with an audit event; removing it again is NotFound and audits nothing', async () => {
      await removeOverride(db, admin, '2028-01-03', NOW);
      assert.equal(await repo.findOverride(db.kysely, '2028-01-03'), undefined);
      const events = await auditRows('calendar.override_remove');
      assert.equal(events.length, 1);
      assert.equal(events[0].entity_id, '2028-01-03');
      assert.deepEqual(JSON.parse(events[0].before_json ?? 'null'), { kind: 'holiday', name: '元旦' });
      await assert.rejects(removeOverride(db, admin, '2028-01-03', NOW), NotFoundError);
      await assert.rejects(removeOverride(db, admin, 'not-a-date', NOW), ValidationError);
      assert.equal((await auditRows('calendar.override_remove')).length, 1);
    });

    test('a year without any entered holiday cannot be confirmed', async () => {
      await assert.rejects(confirmYear(db, admin, 2029, '', NOW), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.match(e.fields.year, /2029 年还没有录入任何放假日期/);
        return true;
      });
      assert.equal(await repo.findConfirmedYear(db.kysely, 2029), undefined);
      assert.equal((await auditRows('calendar.year_confirm')).length, 0);
    });

    test('bad years and notes are refused with messages on the year and note fields', async () => {
      for (const year of ['', 'abc', '1999', '2101', '2027.5']) {
        await assert.rejects(confirmYear(db, admin, year, '', NOW), (e: unknown) => {
          assert.ok(e instanceof ValidationError, year);
          assert.ok(e.fields.year, year);
          return true;
        });
      }
      await assert.rejects(confirmYear(db, admin, 2027, '注'.repeat(201), NOW), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.match(e.fields.note, /200/);
        return true;
      });
    });

    test('confirming a year makes it known with an audit event; confirming again updates the note', async () => {
      const cal = await createCalendar(db);
      assert.equal(cal.isYearKnown(2027), false);
      assert.deepEqual(cal.addWorkdays('2026-12-20', 20).unknownYears, [2027]);
      await confirmYear(db, admin, '2027', '国办发明电〔2026〕7号', NOW);
      await cal.reload();
      assert.equal(cal.isYearKnown(2027), true);
      assert.equal(cal.yearSource(2027), 'confirmed');
      assert.ok(cal.knownYears().includes(2027));
      assert.deepEqual(cal.addWorkdays('2026-12-20', 20).unknownYears, []);
      await confirmYear(db, admin, 2027, '补充说明', NOW);
      const years = await listConfirmedYears(db);
      assert.deepEqual(
        years.map((y) => [y.year, y.note]),
        [[2027, '补充说明']],
      );
      const events = await auditRows('calendar.year_confirm');
      assert.equal(events.length, 2);
      assert.equal(events[0].entity_type, 'calendar_year');
      assert.equal(events[0].entity_id, '2027');
      assert.deepEqual(JSON.parse(events[1].before_json ?? 'null').note, '国办发明电〔2026〕7号');
    });

    test('unconfirming a year makes it unknown again with an audit event; unconfirming twice is NotFound', async () => {
      await unconfirmYear(db, admin, 2027, NOW);
      const cal = await createCalendar(db);
      assert.equal(cal.isYearKnown(2027), false);
      assert.equal((await auditRows('calendar.year_unconfirm')).length, 1);
      await assert.rejects(unconfirmYear(db, admin, 2027, NOW), NotFoundError);
      assert.equal((await auditRows('calendar.year_unconfirm')).length, 1);
    });

    test('a year the package ships can be confirmed without overrides', async () => {
      await confirmYear(db, admin, 2026, '', NOW);
      const cal = await createCalendar(db);
      assert.equal(cal.yearSource(2026), 'package');
    });

    test('every calendar write is in the audit hash chain, unbroken', async () => {
      const r = await verifyAuditChain(db.kysely);
      assert.equal(r.ok, true, JSON.stringify(r.firstBad));
      assert.equal(r.checked, 9);
    });
  });
}
