// The working-day calendar used by every statutory deadline. (Being implemented: see calendar.service.ts.)
export interface DayNote {
  date: string; // YYYY-MM-DD
  kind: 'weekend' | 'holiday' | 'workday_makeup' | 'workday';
  name: string;
  source: 'package' | 'override' | 'weekday';
}

export interface WorkdayExplanation {
  from: string; // the starting event's date; counting starts the next day
  workdays: number;
  due: string; // the date of the last counted working day
  counted: string[]; // working days counted, in order
  skipped: DayNote[]; // weekends and holidays passed over
  makeupDays: DayNote[]; // make-up working days (调休) that were counted
  unknownYears: number[]; // years touched whose official arrangement is not known
}

export interface Calendar {
  isWorkday(date: string): boolean;
  describe(date: string): DayNote;
  /** The date N working days after `from`, counting from the next day, with the days counted and skipped. */
  addWorkdays(from: string, n: number): WorkdayExplanation;
  /** Working days in (from, to]: the next day after `from` up to and including `to`. */
  countWorkdays(from: string, to: string): number;
  isYearKnown(year: number): boolean;
  knownYears(): number[];
  /** Re-reads administrator overrides from the database. */
  reload(): Promise<void>;
}
