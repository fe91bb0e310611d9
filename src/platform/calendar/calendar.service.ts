import { createRequire } from 'node:module';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { type Actor, recordAudit } from '../audit/audit.service.js';
import { AppError, NotFoundError, ValidationError } from '../errors.js';
import { parseOrThrow } from '../http/forms.js';
import { beijingDate } from '../time.js';
import type { Calendar, DayNote, WorkdayExplanation, YearSource } from './calendar.js';
import * as repo from './calendar.repository.js';
import {
  confirmYearInput,
  isIsoDate,
  OVERRIDE_KINDS,
  type OverrideKind,
  overrideInput,
  removeOverrideInput,
  unconfirmYearInput,
} from './calendar.schema.js';

// The working-day calendar: the official arrangements shipped by the chinese-days package, overlaid with
// administrator overrides from the database (which win), evaluated in memory so deadline rules stay
// synchronous and pure.
//
// Why the package's data file and not its functions: chinese-days parses 'YYYY-MM-DD' as UTC midnight but
// reads it back with local-time getters, so on a server west of UTC getDayDetail('2024-10-01') describes
// 2024-09-30 (checked with TZ=America/New_York, version 1.5.7). Its dist/chinese-days.json is the very table
// those functions consult; reading it and doing the date arithmetic in UTC here gives the same answers in
// every time zone (the tests compare both day by day).

/** A calendar method was given a date or count it cannot work with (a programming or input error). */
export class CalendarInputError extends AppError {
  constructor(message: string) {
    super(400, 'invalid_calendar_input', message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The package's data

const packageTable = z.record(z.string(), z.string());
const packageDataSchema = z.object({ holidays: packageTable, workdays: packageTable, inLieuDays: packageTable });

const requireData = createRequire(import.meta.url);
const packageData = packageDataSchema.parse(requireData('chinese-days/dist/chinese-days.json'));
const packageVersion = z.object({ version: z.string() }).parse(requireData('chinese-days/package.json')).version;

/** The source of the official arrangements, for the console ("内置数据 chinese-days 1.5.7"). */
export const PACKAGE_INFO = { name: 'chinese-days', version: packageVersion } as const;

// Entries read "National Day,国庆节,3" (English, Chinese, days of the holiday); we show the Chinese.
function chineseName(entry: string): string {
  const parts = entry.split(',');
  return parts.length >= 3 ? parts.slice(1, -1).join(',') : entry;
}

const pkgHolidays = new Map(Object.entries(packageData.holidays).map(([d, v]) => [d, chineseName(v)]));
const pkgWorkdays = new Map(Object.entries(packageData.workdays).map(([d, v]) => [d, chineseName(v)]));

// A year counts as known from the package only when its data has both Spring Festival and National Day,
// the first and the last holiday of every annual notice: a stray neighbouring-year date (a New Year's Day
// announced with the previous year, say) must not make a year look complete.
const PACKAGE_YEARS: ReadonlySet<number> = (() => {
  const spring = new Set<number>();
  const national = new Set<number>();
  for (const [date, name] of pkgHolidays) {
    const y = Number(date.slice(0, 4));
    if (name === '春节') spring.add(y);
    if (name === '国庆节') national.add(y);
  }
  return new Set([...spring].filter((y) => national.has(y)));
})();

/** Years whose official arrangement the package ships, ascending. */
export function packageYears(): number[] {
  return [...PACKAGE_YEARS].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------------------
// Date arithmetic on YYYY-MM-DD strings, in UTC day numbers (days since 1970-01-01)

const DAY_MS = 86_400_000;
// Outside these years a date is almost certainly a typo; inside them toISOString keeps four-digit years.
const MIN_YEAR = 1900;
const MAX_YEAR = 2199;
/** Statutory periods are tens of working days; a count beyond this is a bug, not a deadline. */
export const MAX_WORKDAYS = 1000;
// addWorkdays gives up rather than loop for ever when overrides have declared (almost) everything a holiday.
const MAX_SCAN_DAYS = 3660;

const WEEKDAY_NAMES = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

function dayNumber(date: string, what = '日期'): number {
  if (typeof date !== 'string' || !isIsoDate(date)) {
    throw new CalendarInputError(`${what}“${String(date)}”无效，应为“年-月-日”格式的真实日期，如 2025-10-08。`);
  }
  const y = Number(date.slice(0, 4));
  if (y < MIN_YEAR || y > MAX_YEAR) {
    throw new CalendarInputError(`${what}“${date}”超出可计算的范围（${MIN_YEAR}–${MAX_YEAR} 年）。`);
  }
  return Date.UTC(y, Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

// 1970-01-01 was a Thursday (4).
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The date `days` calendar days after (or before, when negative) a YYYY-MM-DD date. */
export function addCalendarDays(date: string, days: number): string {
  return dateOf(dayNumber(date) + days);
}

// ---------------------------------------------------------------------------------------------------------
// The calendar

/** A day an administrator set, overriding the package and the weekend rule. */
export interface CalendarOverride {
  date: string;
  kind: OverrideKind;
  name: string;
}

interface State {
  overrides: Map<string, CalendarOverride>;
  confirmed: Set<number>;
}

function buildState(overrides: readonly CalendarOverride[], confirmedYears: readonly number[]): State {
  const map = new Map<string, CalendarOverride>();
  for (const o of overrides) {
    // Rows only get here through setOverride, so a bad one means the table was edited by hand: say so
    // loudly rather than compute deadlines from a calendar we cannot read.
    if (!isIsoDate(o.date) || (o.kind !== 'holiday' && o.kind !== 'workday')) {
      throw new Error(`calendar_days contains an invalid row: ${JSON.stringify(o)}`);
    }
    map.set(o.date, { date: o.date, kind: o.kind, name: o.name });
  }
  return { overrides: map, confirmed: new Set(confirmedYears) };
}

class WorkingDayCalendar implements Calendar {
  private state: State;

  constructor(
    initial: State,
    private readonly load: () => Promise<State>,
  ) {
    this.state = initial;
  }

  async reload(): Promise<void> {
    // Build the new state completely before swapping it in, so readers never see half of it.
    this.state = await this.load();
  }

  private note(day: number): DayNote {
    const date = dateOf(day);
    const wd = weekdayOf(day);
    const weekend = wd === 0 || wd === 6;
    const workKind = weekend ? 'workday_makeup' : 'workday';
    const o = this.state.overrides.get(date);
    if (o) return { date, kind: o.kind === 'holiday' ? 'holiday' : workKind, name: o.name, source: 'override' };
    const makeup = pkgWorkdays.get(date);
    if (makeup !== undefined) return { date, kind: workKind, name: makeup, source: 'package' };
    const holiday = pkgHolidays.get(date);
    if (holiday !== undefined) return { date, kind: 'holiday', name: holiday, source: 'package' };
    return { date, kind: weekend ? 'weekend' : 'workday', name: WEEKDAY_NAMES[wd], source: 'weekday' };
  }

  private working(day: number): boolean {
    const k = this.note(day).kind;
    return k === 'workday' || k === 'workday_makeup';
  }

  isWorkday(date: string): boolean {
    return this.working(dayNumber(date));
  }

  describe(date: string): DayNote {
    return this.note(dayNumber(date));
  }

  addWorkdays(from: string, n: number): WorkdayExplanation {
    const start = dayNumber(from, '起算日期');
    if (!Number.isInteger(n) || n < 0 || n > MAX_WORKDAYS) {
      throw new CalendarInputError(`工作日数“${String(n)}”无效，应为 0 至 ${MAX_WORKDAYS} 之间的整数。`);
    }
    const counted: string[] = [];
    const skipped: DayNote[] = [];
    const makeupDays: DayNote[] = [];
    const years = new Set<number>();
    let day = start;
    while (counted.length < n) {
      day++;
      if (day - start > MAX_SCAN_DAYS) {
        throw new CalendarInputError(`自 ${from} 起 ${MAX_SCAN_DAYS} 天内找不到 ${n} 个工作日，请检查日历设置。`);
      }
      const note = this.note(day);
      years.add(Number(note.date.slice(0, 4)));
      if (note.kind === 'workday' || note.kind === 'workday_makeup') {
        counted.push(note.date);
        if (note.kind === 'workday_makeup') makeupDays.push(note);
      } else {
        skipped.push(note);
      }
    }
    return {
      from,
      workdays: n,
      due: counted.length ? counted[counted.length - 1] : from,
      counted,
      skipped,
      makeupDays,
      unknownYears: [...years].filter((y) => !this.isYearKnown(y)).sort((a, b) => a - b),
    };
  }

  countWorkdays(from: string, to: string): number {
    const a = dayNumber(from, '起算日期');
    const b = dayNumber(to, '截止日期');
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    let n = 0;
    for (let day = lo + 1; day <= hi; day++) if (this.working(day)) n++;
    return b >= a ? n : -n;
  }

  yearSource(year: number): YearSource {
    if (PACKAGE_YEARS.has(year)) return 'package';
    if (this.state.confirmed.has(year)) return 'confirmed';
    return null;
  }

  isYearKnown(year: number): boolean {
    return this.yearSource(year) !== null;
  }

  knownYears(): number[] {
    return [...new Set([...PACKAGE_YEARS, ...this.state.confirmed])].sort((a, b) => a - b);
  }
}

async function loadState(db: Db): Promise<State> {
  const [overrides, years] = await Promise.all([repo.listOverrides(db.kysely), repo.listConfirmedYears(db.kysely)]);
  return buildState(
    overrides.map((r) => ({ date: r.date, kind: r.kind as OverrideKind, name: r.name })),
    years.map((r) => r.year),
  );
}

/** The calendar of the package's official arrangements plus the database's overrides, loaded now; reload() re-reads the database. */
export async function createCalendar(db: Db): Promise<Calendar> {
  return new WorkingDayCalendar(await loadState(db), () => loadState(db));
}

/**
 * A calendar from fixed overrides and confirmed years, without a database: for tests of deadline rules
 * elsewhere and for tools. reload() has nothing to re-read and keeps the same days.
 */
export function calendarFromOverrides(
  overrides: readonly CalendarOverride[] = [],
  confirmedYears: readonly number[] = [],
): Calendar {
  const state = buildState(overrides, confirmedYears);
  return new WorkingDayCalendar(state, async () => state);
}

// ---------------------------------------------------------------------------------------------------------
// Reading for the console

/** Every day of the year as the calendar sees it, January 1st first. */
export function yearDays(cal: Calendar, year: number): DayNote[] {
  const first = dayNumber(`${String(year).padStart(4, '0')}-01-01`, '年份');
  const last = dayNumber(`${String(year).padStart(4, '0')}-12-31`, '年份');
  const out: DayNote[] = [];
  for (let d = first; d <= last; d++) out.push(cal.describe(dateOf(d)));
  return out;
}

/** The days of the year that differ from a plain weekday/weekend: holidays, make-up days and overrides. */
export function specialDays(cal: Calendar, year: number): DayNote[] {
  return yearDays(cal, year).filter((d) => d.source !== 'weekday');
}

export interface OverrideListItem extends CalendarOverride {
  createdBy: number | null;
  createdByName: string | null;
  createdAt: string;
}

/** The overrides of a year with who entered them and when. */
export async function listOverridesOfYear(db: Db, year: number): Promise<OverrideListItem[]> {
  const rows = await repo.listOverridesOfYear(db.kysely, year);
  return rows.map((r) => ({
    date: r.date,
    kind: r.kind as OverrideKind,
    name: r.name,
    createdBy: r.created_by,
    createdByName: r.created_by_name,
    createdAt: r.created_at,
  }));
}

export interface ConfirmedYear {
  year: number;
  note: string;
  confirmedBy: number | null;
  confirmedByName: string | null;
  confirmedAt: string;
}

/** Every year an administrator confirmed as fully entered, ascending. */
export async function listConfirmedYears(db: Db): Promise<ConfirmedYear[]> {
  const rows = await repo.listConfirmedYearsWithNames(db.kysely);
  return rows.map((r) => ({
    year: r.year,
    note: r.note,
    confirmedBy: r.confirmed_by,
    confirmedByName: r.confirmed_by_name,
    confirmedAt: r.confirmed_at,
  }));
}

// ---------------------------------------------------------------------------------------------------------
// Administrator writes: each in one transaction with its audit event. The caller reloads its in-memory
// calendar afterwards (deps.calendar.reload()).

const kindLabel = (k: OverrideKind) => OVERRIDE_KINDS[k];

/** Sets (or replaces) the override of a date and records who did it, atomically. */
export async function setOverride(db: Db, actor: Actor, raw: unknown, now: Date): Promise<CalendarOverride> {
  const input = parseOrThrow(overrideInput, raw);
  return db.kysely.transaction().execute(async (trx) => {
    const before = await repo.findOverride(trx, input.date);
    await repo.upsertOverride(trx, {
      date: input.date,
      kind: input.kind,
      name: input.name,
      created_by: actor.userId,
      created_at: now.toISOString(),
    });
    await recordAudit(
      trx,
      db.engine,
      actor,
      {
        action: 'calendar.override_set',
        entityType: 'calendar_day',
        entityId: input.date,
        summary: `将 ${input.date} 设为${kindLabel(input.kind)}：${input.name}`,
        before: before ? { kind: before.kind, name: before.name } : undefined,
        after: { kind: input.kind, name: input.name },
      },
      now,
    );
    return { date: input.date, kind: input.kind, name: input.name };
  });
}

/** Removes the override of a date (the package and weekend rule apply again); NotFoundError when there is none. */
export async function removeOverride(db: Db, actor: Actor, date: string, now: Date): Promise<CalendarOverride> {
  const input = parseOrThrow(removeOverrideInput, { date });
  return db.kysely.transaction().execute(async (trx) => {
    const before = await repo.findOverride(trx, input.date);
    if (!before) throw new NotFoundError(`${input.date} 没有管理员设置，无需删除。`);
    await repo.deleteOverride(trx, input.date);
    const kind = before.kind as OverrideKind;
    await recordAudit(
      trx,
      db.engine,
      actor,
      {
        action: 'calendar.override_remove',
        entityType: 'calendar_day',
        entityId: input.date,
        summary: `删除 ${input.date} 的日历设置（${kindLabel(kind) ?? before.kind}：${before.name}）`,
        before: { kind: before.kind, name: before.name },
      },
      now,
    );
    return { date: before.date, kind, name: before.name };
  });
}

/**
 * Records that every holiday and make-up day of the year has been entered, so the year counts as known.
 * A year the package does not ship needs at least one entered holiday first: every annual notice has some,
 * and confirming an empty year would silently turn the weekend rule into "official".
 */
export async function confirmYear(db: Db, actor: Actor, year: number | string, note: string, now: Date): Promise<void> {
  const input = parseOrThrow(confirmYearInput, { year, note });
  await db.kysely.transaction().execute(async (trx) => {
    if (!PACKAGE_YEARS.has(input.year) && (await repo.countOverridesOfYear(trx, input.year, 'holiday')) === 0) {
      throw new ValidationError({
        year: `${input.year} 年还没有录入任何放假日期。请先按国务院办公厅的通知逐日录入放假和调休上班日期，再确认该年度。`,
      });
    }
    const before = await repo.findConfirmedYear(trx, input.year);
    await repo.upsertConfirmedYear(trx, {
      year: input.year,
      note: input.note,
      confirmed_by: actor.userId,
      confirmed_at: now.toISOString(),
    });
    await recordAudit(
      trx,
      db.engine,
      actor,
      {
        action: 'calendar.year_confirm',
        entityType: 'calendar_year',
        entityId: input.year,
        summary: `确认 ${input.year} 年节假日安排已录入完整${input.note ? `（${input.note}）` : ''}`,
        before: before ? { note: before.note, confirmed_at: before.confirmed_at } : undefined,
        after: { note: input.note },
      },
      now,
    );
  });
}

/** Withdraws a year's confirmation (it becomes unknown again unless the package ships it); NotFoundError when it was not confirmed. */
export async function unconfirmYear(db: Db, actor: Actor, year: number | string, now: Date): Promise<void> {
  const input = parseOrThrow(unconfirmYearInput, { year });
  await db.kysely.transaction().execute(async (trx) => {
    const before = await repo.findConfirmedYear(trx, input.year);
    if (!before) throw new NotFoundError(`${input.year} 年尚未确认，无需撤销。`);
    await repo.deleteConfirmedYear(trx, input.year);
    await recordAudit(
      trx,
      db.engine,
      actor,
      {
        action: 'calendar.year_unconfirm',
        entityType: 'calendar_year',
        entityId: input.year,
        summary: `撤销 ${input.year} 年节假日安排的确认`,
        before: { note: before.note, confirmed_at: before.confirmed_at },
      },
      now,
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// Warnings and explanations in Chinese

// The State Council publishes the next year's arrangement between late October and mid-November (2024's
// on 2023-10-25, 2026's on 2025-11-04); from October deadlines with an extension can run into January.
const NEXT_YEAR_WARNING_MONTH = 10;

/** Chinese warnings for the console dashboard: the current year's, or from October next year's, arrangement is missing. */
export function calendarWarnings(cal: Calendar, now: Date): string[] {
  const today = beijingDate(now);
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const warnings: string[] = [];
  if (!cal.isYearKnown(year)) {
    warnings.push(
      `${year} 年的法定节假日和调休安排尚未录入并确认，系统暂按“周六、周日休息”计算工作日，依申请公开答复期限等法定期限可能不准确。请系统管理员在“工作日历”中录入本年度安排并确认。`,
    );
  }
  if (month >= NEXT_YEAR_WARNING_MONTH && !cal.isYearKnown(year + 1)) {
    warnings.push(
      `${year + 1} 年的法定节假日安排尚未录入。国务院办公厅通常在 10 月至 11 月公布下一年度安排，公布后请及时在“工作日历”中录入并确认，以免跨年的法定期限计算错误。`,
    );
  }
  return warnings;
}

const md = (date: string) => `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;

/** One Chinese sentence explaining how a due date was reached, for deadline pages and notices. */
export function explainInChinese(e: WorkdayExplanation): string {
  if (e.workdays === 0) return `期限为 0 个工作日，即当日（${e.from}）办结。`;
  const holidays = new Map<string, number>();
  let weekends = 0;
  for (const s of e.skipped) {
    if (s.kind === 'weekend') weekends++;
    else holidays.set(s.name, (holidays.get(s.name) ?? 0) + 1);
  }
  const parts = [`自 ${e.from} 的次日起算 ${e.workdays} 个工作日，截止 ${e.due}`];
  const skippedParts = [
    ...[...holidays].map(([name, n]) => `${name}假期 ${n} 天`),
    ...(weekends ? [`周末 ${weekends} 天`] : []),
  ];
  if (skippedParts.length) parts.push(`不计${skippedParts.join('、')}`);
  if (e.makeupDays.length) parts.push(`计入调休上班日 ${e.makeupDays.map((d) => md(d.date)).join('、')}`);
  let sentence = `${parts.join('；')}。`;
  if (e.unknownYears.length) {
    sentence += `注意：${e.unknownYears.join('、')} 年的节假日安排尚未录入，期间按周六、周日休息计算，截止日期可能变化。`;
  }
  return sentence;
}
