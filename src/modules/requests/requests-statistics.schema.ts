import { z } from 'zod';

/** GET /api/v1/statistics/requests and the console page: a year and, optionally, an organization. */
export const statisticsQuery = z.object({
  year: z.coerce
    .number({ message: '年份须为整数，如 2025。' })
    .int('年份须为整数，如 2025。')
    .min(2008, '年份不能早于 2008 年（《政府信息公开条例》施行之年）。')
    .max(2100, '年份不能晚于 2100 年。')
    .describe('报告年度'),
  organization: z
    .string()
    .trim()
    .regex(/^([1-9]\d{0,9}|[a-z0-9][a-z0-9-]{0,63})$/, '机构须为编号或英文简称（slug）。')
    .optional()
    .describe('机构编号或英文简称（slug）；不填为全部机构'),
  subordinates: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1')
    .describe('是否包含下级机构'),
});

const counts = z.object({
  natural_person: z.number().int(),
  enterprise: z.number().int(),
  research: z.number().int(),
  nonprofit: z.number().int(),
  legal_service: z.number().int(),
  other: z.number().int(),
  total: z.number().int(),
});
const five = z.object({
  upheld: z.number().int(),
  corrected: z.number().int(),
  other: z.number().int(),
  pending: z.number().int(),
  total: z.number().int(),
});

export const statisticsAnswerSchema = z.object({
  year: z.number().int(),
  organization: z.object({ id: z.number().int(), name: z.string(), slug: z.string() }).nullable(),
  includes_subordinates: z.boolean(),
  table3: z.object({
    columns: z
      .array(z.object({ key: z.string(), label: z.string() }))
      .describe('7 列：自然人、法人或其他组织（5 类）、总计'),
    rows: z.array(
      z.object({
        key: z.string().describe('new | carried_in | 结果类别 | 结果代码 | concluded | carried_out'),
        label: z.string(),
        level: z.number().int(),
        values: counts,
      }),
    ),
    consistent: z.boolean().describe('每一列均满足 一 + 二 = 三（七） + 四'),
    violations: z.array(z.string()),
    anomaly_count: z.number().int().describe('数据异常的申请数（如办结日期早于收到日期）'),
  }),
  table4: z
    .object({
      review: five.describe('行政复议'),
      lawsuit_direct: five.describe('行政诉讼：未经复议直接起诉'),
      lawsuit_after_review: five.describe('行政诉讼：复议后起诉'),
    })
    .describe(
      '本年内提起的，以及以前年度提起、本年初尚未审结的案件，每件计一次，按截至 12 月 31 日的结果分列（届时未审结的计入“尚未审结”）',
    ),
});
