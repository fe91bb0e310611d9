// The working-day calendar used by every statutory deadline (政府信息公开条例 counts 工作日).
// Built by createCalendar() in calendar.service.ts: the chinese-days package's official arrangements plus
// administrator overrides from the database. Every method is synchronous so deadline rules stay pure.

export interface DayNote {
  date: string; // YYYY-MM-DD
  /** weekend and holiday are days off; workday_makeup is a weekend day worked (调休上班). */
  kind: 'weekend' | 'holiday' | 'workday_makeup' | 'workday';
  name: string; // 国庆节, 星期六, or the administrator's wording
  source: 'package' | 'override' | 'weekday';
}

export interface WorkdayExplanation {
  from: string; // the starting event's date; counting starts the next day
  workdays: number;
  due: string; // the date of the last counted working day (`from` itself when workdays is 0)
  counted: string[]; // working days counted, in order
  skipped: DayNote[]; // weekends and holidays passed over
  makeupDays: DayNote[]; // make-up working days (调休) that were counted
  unknownYears: number[]; // years touched whose official arrangement is not known
}

/** Where a year's arrangement comes from: the package's official data, an administrator, or nowhere. */
export type YearSource = 'package' | 'confirmed' | null;

export interface Calendar {
  isWorkday(date: string): boolean;
  describe(date: string): DayNote;
  /** The date N working days after `from`, counting from the next day, with the days counted and skipped. */
  addWorkdays(from: string, n: number): WorkdayExplanation;
  /**
   * Working days in (from, to]: the next day after `from` up to and including `to`. When `to` is before
   * `from` the result is negative (-countWorkdays(to, from)), so "working days left" turns into "working
   * days overdue" without a special case.
   */
  countWorkdays(from: string, to: string): number;
  isYearKnown(year: number): boolean;
  /** Why a year is known, or null when its days fall back to the weekend rule. */
  yearSource(year: number): YearSource;
  knownYears(): number[];
  /** Re-reads administrator overrides from the database. */
  reload(): Promise<void>;
}
