import { z } from 'zod';
import { COLUMN_KINDS, type ColumnKind } from './directory.standard.js';

const kinds = Object.keys(COLUMN_KINDS) as [ColumnKind, ...ColumnKind[]];

export const columnInput = z.object({
  name: z.string().trim().min(2, '请输入栏目名称（至少 2 个字）。').max(40, '栏目名称不能超过 40 个字符。'),
  code: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{1,10}$/, '栏目代码须为 1–10 位大写字母或数字，用于生成索引号。'),
  slug: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, '网址标识须为小写字母、数字或连字符，不超过 40 个字符。'),
  kind: z.enum(kinds, { message: '请选择栏目类型。' }),
  parent_id: z
    .union([z.literal(''), z.null(), z.coerce.number().int().positive()])
    .optional()
    .transform((v) => (v === '' || v === null || v === undefined ? null : v)),
  description: z.string().trim().max(500, '栏目说明不能超过 500 个字符。').default(''),
  static_html: z.string().max(200_000, '单页内容过长。').default(''),
  sort_order: z.coerce.number({ message: '排序号须为数字。' }).int().min(0).max(9999).default(0),
});
export type ColumnInput = z.infer<typeof columnInput>;
