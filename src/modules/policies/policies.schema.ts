import { z } from 'zod';
import { RELATION_KINDS } from './status.js';

// Policy types (文件类型) counted separately in table 二 of the annual report.
export const POLICY_TYPES = { rule: '规章', normative: '行政规范性文件', other: '其他政策文件' } as const;
export type PolicyType = keyof typeof POLICY_TYPES;

const date = (label: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: `请按 2026-01-31 的格式填写${label}。` });

/** The policy fields of a draft (the item's own fields go through publishing's form). */
export const policyInput = z.object({
  policy_type: z.enum(['rule', 'normative', 'other'], { message: '请选择文件类型。' }),
  doc_number: z.string().trim().max(60, { message: '文号过长。' }).default(''),
  theme: z.string().trim().max(60, { message: '主题不能超过 60 个字。' }).default(''),
  date_signed: date('成文日期'),
  date_effective: date('施行日期'),
  valid_until: z
    .string()
    .trim()
    .default('')
    .refine((s) => s === '' || /^\d{4}-\d{2}-\d{2}$/.test(s), {
      message: '请按 2026-01-31 的格式填写有效期至，或留空。',
    }),
  /** Joint issuance (联合发文): one issuer per line, the lead issuer first. */
  issuers: z.string().trim().max(1000).default(''),
  drafting_organization_id: z.coerce.number().int().positive().optional(),
});
export type PolicyInput = z.infer<typeof policyInput>;

export const relationInput = z.object({
  kind: z.enum(RELATION_KINDS, { message: '请选择关系类型。' }),
  to_policy_id: z.coerce.number().int().positive({ message: '请填写被作用文件的编号。' }),
  note: z.string().trim().max(500).default(''),
});
export type RelationInput = z.infer<typeof relationInput>;
