import { z } from 'zod';

// Administrator input for the calendar. Keys are the console form's field names so ValidationError's
// messages land beside the right field.

/** Years an administrator may edit: wide enough for any deadline the platform computes, narrow enough to catch typos. */
export const MIN_EDIT_YEAR = 2000;
export const MAX_EDIT_YEAR = 2100;

export const OVERRIDE_KINDS = { holiday: '放假', workday: '上班' } as const;
export type OverrideKind = keyof typeof OVERRIDE_KINDS;

/** True for a real calendar date written YYYY-MM-DD (rejects 2025-02-30 and 2025-2-3). */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

const dateField = z
  .string({ message: '请输入日期。' })
  .trim()
  .min(1, '请输入日期。')
  .refine(isIsoDate, '日期格式应为“年-月-日”，如 2027-10-01。')
  .refine(
    (s) => Number(s.slice(0, 4)) >= MIN_EDIT_YEAR && Number(s.slice(0, 4)) <= MAX_EDIT_YEAR,
    `日期须在 ${MIN_EDIT_YEAR} 年至 ${MAX_EDIT_YEAR} 年之间。`,
  );

const yearField = z.coerce
  .number({ message: '请输入年份，如 2027。' })
  .int('年份须为整数，如 2027。')
  .min(MIN_EDIT_YEAR, `年份须在 ${MIN_EDIT_YEAR} 至 ${MAX_EDIT_YEAR} 之间。`)
  .max(MAX_EDIT_YEAR, `年份须在 ${MIN_EDIT_YEAR} 至 ${MAX_EDIT_YEAR} 之间。`);

/** One day set by an administrator: a day off (放假) or a working day (上班, e.g. 调休上班). */
export const overrideInput = z.object({
  date: dateField,
  kind: z.enum(['holiday', 'workday'], { message: '请选择“放假”或“上班”。' }),
  name: z
    .string({ message: '请输入名称，如“国庆节”或“国庆节调休上班”。' })
    .trim()
    .min(1, '请输入名称，如“国庆节”或“国庆节调休上班”。')
    .max(40, '名称不能超过 40 个字符。'),
});
export type OverrideInput = z.infer<typeof overrideInput>;

export const removeOverrideInput = z.object({ date: dateField });

/** An administrator's statement that every holiday and make-up day of the year has been entered. */
export const confirmYearInput = z.object({
  year: yearField,
  note: z.string().trim().max(200, '说明不能超过 200 个字符。').default(''),
});
export type ConfirmYearInput = z.infer<typeof confirmYearInput>;

export const unconfirmYearInput = z.object({ year: yearField });
