import { z } from 'zod';

export const ORG_KINDS = { government: '人民政府', department: '政府工作部门', office: '内设机构' } as const;
export type OrgKind = keyof typeof ORG_KINDS;

export const leaderSchema = z.object({
  name: z.string().trim().min(1).max(40),
  title: z.string().trim().min(1).max(60),
  duties: z.string().trim().max(500).default(''),
});
export type Leader = z.infer<typeof leaderSchema>;

const optionalText = (max: number, label: string) =>
  z.string().trim().max(max, `${label}不能超过 ${max} 个字符。`).default('');

/** The organization form (console) and the seed share this schema. */
export const organizationInput = z.object({
  parent_id: z
    .union([z.literal(''), z.null(), z.coerce.number().int().positive()])
    .optional()
    .transform((v) => (v === '' || v === null || v === undefined ? null : v)),
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{2,20}$/, '机构代码须为 2–20 位字母或数字。'),
  slug: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, '网址标识须为 2–40 位小写字母、数字或连字符，并以字母或数字开头。'),
  name: z.string().trim().min(2, '请输入机构全称。').max(80, '机构名称不能超过 80 个字符。'),
  short_name: optionalText(30, '简称'),
  kind: z.enum(['government', 'department', 'office'], { message: '请选择机构类型。' }),
  functions: optionalText(5000, '机构职能'),
  address: optionalText(200, '地址'),
  postcode: z
    .string()
    .trim()
    .regex(/^(\d{6})?$/, '邮政编码须为 6 位数字。')
    .default(''),
  phone: z
    .string()
    .trim()
    .regex(/^[0-9()（）\-+ 、,，转]{0,60}$/, '联系电话只能包含数字、括号、连字符和空格。')
    .default(''),
  fax: z
    .string()
    .trim()
    .regex(/^[0-9()（）\-+ ]{0,40}$/, '传真号码只能包含数字、括号、连字符和空格。')
    .default(''),
  email: z.union([z.literal(''), z.string().trim().email('请输入有效的电子邮箱地址。')]).default(''),
  office_hours: optionalText(200, '办公时间'),
  website: z.union([z.literal(''), z.string().trim().url('请输入以 http:// 或 https:// 开头的网址。')]).default(''),
  leadership: z.array(leaderSchema).max(30).default([]),
  sort_order: z.coerce.number().int().min(0).max(9999).default(0),
  active: z.coerce.number().int().min(0).max(1).default(1),
});
export type OrganizationInput = z.infer<typeof organizationInput>;

/** Leadership typed in the console as one leader per line: 姓名｜职务｜分工. */
export function parseLeadershipText(text: string): Leader[] | string {
  const out: Leader[] = [];
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const [name, title, ...rest] = line.split(/[|｜]/).map((s) => s.trim());
    const r = leaderSchema.safeParse({ name, title, duties: rest.join('｜') });
    if (!r.success) return `第 ${i + 1} 行格式不正确：请按“姓名｜职务｜分工”填写。`;
    out.push(r.data);
  }
  return out;
}

export function leadershipText(leaders: Leader[]): string {
  return leaders.map((l) => [l.name, l.title, l.duties].filter(Boolean).join('｜')).join('\n');
}
