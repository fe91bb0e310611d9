import { z } from 'zod';
import { isIsoDate } from '../../platform/calendar/calendar.schema.js';

/** The public calculator accepts periods up to this many working days (statutory ones are 7, 15, 20 or 40). */
export const MAX_PUBLIC_WORKDAYS = 200;

/** The calculator's query: a starting date and a number of working days (default 20, Art. 33). */
export const deadlineQuery = z.object({
  from: z
    .string({ message: '请输入起算日期。' })
    .trim()
    .min(1, '请输入起算日期。')
    .refine(isIsoDate, '起算日期应为“年-月-日”格式的真实日期，如 2025-01-24。')
    .refine(
      (s) => Number(s.slice(0, 4)) >= 2000 && Number(s.slice(0, 4)) <= 2100,
      '起算日期须在 2000 年至 2100 年之间。',
    )
    .describe('起算事件的日期（YYYY-MM-DD，北京时间）；从次日开始计算'),
  workdays: z.coerce
    .number({ message: '工作日数须为整数。' })
    .int('工作日数须为整数。')
    .min(0, '工作日数不能小于 0。')
    .max(MAX_PUBLIC_WORKDAYS, `工作日数不能大于 ${MAX_PUBLIC_WORKDAYS}。`)
    .default(20)
    .describe('工作日数，默认 20（《政府信息公开条例》第三十三条）'),
});
export type DeadlineQuery = z.infer<typeof deadlineQuery>;

const dayNote = z.object({
  date: z.string(),
  weekday: z.string().describe('星期几'),
  kind: z.enum(['weekend', 'holiday', 'workday_makeup', 'workday']),
  name: z.string().describe('节日名称、星期几，或管理员的说明'),
  source: z.enum(['package', 'override', 'weekday']).describe('官方安排（package）、管理员设置（override）或周末规则'),
});

export const deadlineAnswerSchema = z.object({
  from: z.string(),
  workdays: z.number().int(),
  countingStarts: z.string().describe('开始计算的日期：起算日期的次日'),
  due: z.string().describe('截止日期：第 N 个工作日'),
  dueWeekday: z.string(),
  explanation: z.string().describe('中文说明：计入和跳过的日子'),
  counted: z.array(z.string()).describe('计入的工作日，按顺序'),
  skipped: z.array(dayNote).describe('跳过的周末和节假日'),
  makeupDays: z.array(dayNote).describe('计入的调休上班日'),
  unknownYears: z.array(z.number().int()).describe('尚无官方安排的年份：期间按周六、周日休息计算'),
  warnings: z.array(z.string()),
  reliable: z.boolean().describe('所涉年份的节假日安排均已知时为 true'),
});
export type DeadlineAnswer = z.infer<typeof deadlineAnswerSchema>;
