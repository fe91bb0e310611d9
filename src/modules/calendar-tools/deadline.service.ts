import type { Calendar, DayNote } from '../../platform/calendar/calendar.js';
import { addCalendarDays, explainInChinese } from '../../platform/calendar/calendar.service.js';
import type { DeadlineAnswer } from './deadline.schema.js';

const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

/** The Chinese weekday of a YYYY-MM-DD date. */
export function weekdayOf(date: string): string {
  return WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()];
}

const note = (d: DayNote) => ({ ...d, weekday: weekdayOf(d.date) });

/**
 * The due date `workdays` working days after `from` on the platform's calendar (official arrangements plus
 * administrator overrides), with every day counted and skipped, and a warning for each year whose arrangement
 * is not known (those days fall back to the weekend rule, so the date may still move).
 */
export function computeDeadline(calendar: Calendar, from: string, workdays: number): DeadlineAnswer {
  const e = calendar.addWorkdays(from, workdays);
  const warnings = e.unknownYears.map(
    (y) =>
      `${y} 年的法定节假日和调休安排尚未公布或尚未录入，该年的日期暂按“周六、周日休息”计算，实际截止日期可能不同。`,
  );
  return {
    from: e.from,
    workdays: e.workdays,
    countingStarts: addCalendarDays(e.from, 1),
    due: e.due,
    dueWeekday: weekdayOf(e.due),
    explanation: explainInChinese(e),
    counted: e.counted,
    skipped: e.skipped.map(note),
    makeupDays: e.makeupDays.map(note),
    unknownYears: e.unknownYears,
    warnings,
    reliable: e.unknownYears.length === 0,
  };
}
