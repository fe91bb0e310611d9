import { z } from 'zod';
import { normalizeCreditCode, normalizeResidentId } from '../../platform/identity/identity.js';
import { refineCreditCode, refineResidentId } from '../../platform/identity/identity.schema.js';
import { APPLICANT_TYPES, isOutcomeCode, ORGANIZATION_KINDS, REVIEW_KINDS, REVIEW_RESULTS } from './outcomes.js';
import { CHANNELS, MAX_EXTENSION_WORKDAYS } from './requests.clock.js';

// The application (the form and POST /api/v1/requests share it) and the console's actions, checked with zod.
// Field names are those of the API (camelCase, as issue 4 specifies them); the form uses the same names.

export const ID_TYPES = { resident_id: '居民身份证', passport: '护照', other: '其他身份证件' } as const;
export const FORMS = { paper: '纸质', electronic: '电子文档', disc: '光盘', other: '其他' } as const;
export const DELIVERIES = { post: '邮寄', email: '电子邮件', pickup: '当面领取', online: '网上获取' } as const;

/** Request statuses, for queues. */
export const REQUEST_STATUSES = {
  new: '新收',
  in_progress: '办理中',
  waiting_applicant: '等待申请人',
  paused: '暂停计时',
  decided: '已答复',
  closed: '已办结',
} as const;
export type RequestStatus = keyof typeof REQUEST_STATUSES;

const keys = <T extends Record<string, string>>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];
const oneOf = <T extends Record<string, string>>(o: T, message: string) => z.enum(keys(o), { error: () => message });

const text = (label: string, max: number) =>
  z
    .string({ error: () => `请填写${label}。` })
    .trim()
    .min(1, `请填写${label}。`)
    .max(max, `${label}不能超过 ${max} 个字。`);
const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label}不能超过 ${max} 个字。`)
    .optional()
    .transform((v) => v ?? '');

export const applicationInput = z
  .object({
    applicantType: oneOf(APPLICANT_TYPES, '请选择申请人类型。'),
    organizationKind: z
      .string()
      .optional()
      .transform((v) => v || undefined),
    name: text('姓名或名称', 100),
    idType: z
      .string()
      .optional()
      .transform((v) => v || undefined),
    idNumber: optionalText('证件号码', 40),
    creditCode: optionalText('统一社会信用代码', 40),
    legalRepresentative: optionalText('法定代表人或负责人', 50),
    phone: z
      .string({ error: () => '请填写联系电话。' })
      .trim()
      .regex(/^[0-9+\-() ]{6,30}$/, '请填写有效的联系电话，如 13800000000 或 0592-1234567。'),
    email: z
      .string()
      .trim()
      .max(254)
      .optional()
      .transform((v) => v ?? '')
      .refine((v) => v === '' || z.email().safeParse(v).success, '电子邮箱格式不正确，如 name@example.com。'),
    address: optionalText('通信地址', 200),
    description: text('所需信息的内容描述', 4000),
    purpose: optionalText('用途', 1000),
    form: oneOf(FORMS, '请选择所需信息的指定提供载体形式。'),
    delivery: oneOf(DELIVERIES, '请选择获取信息的方式。'),
    organization: z
      .union([z.string(), z.number()])
      .optional()
      .transform((v) => (v === undefined || v === '' ? undefined : String(v))),
    publishConsent: z
      .union([z.boolean(), z.literal('1'), z.literal('on'), z.literal('')])
      .optional()
      .transform((v) => v === true || v === '1' || v === 'on'),
  })
  .superRefine((v, ctx) => {
    if (v.applicantType === 'natural_person') {
      if (!v.idType || !(v.idType in ID_TYPES))
        ctx.addIssue({ code: 'custom', path: ['idType'], message: '请选择身份证件类型。' });
      if (!v.idNumber) ctx.addIssue({ code: 'custom', path: ['idNumber'], message: '请填写身份证件号码。' });
      else if (v.idType === 'resident_id') refineResidentId(v.idNumber, ctx, {}, ['idNumber']);
    } else {
      if (!v.organizationKind || !(v.organizationKind in ORGANIZATION_KINDS))
        ctx.addIssue({ code: 'custom', path: ['organizationKind'], message: '请选择法人或其他组织的类型。' });
      if (!v.creditCode) ctx.addIssue({ code: 'custom', path: ['creditCode'], message: '请填写统一社会信用代码。' });
      else refineCreditCode(v.creditCode, ctx, ['creditCode']);
      if (!v.legalRepresentative)
        ctx.addIssue({ code: 'custom', path: ['legalRepresentative'], message: '请填写法定代表人或负责人。' });
    }
    if (v.delivery === 'email' && !v.email)
      ctx.addIssue({ code: 'custom', path: ['email'], message: '选择电子邮件获取信息时，请填写电子邮箱。' });
    if (v.delivery === 'post' && !v.address)
      ctx.addIssue({ code: 'custom', path: ['address'], message: '选择邮寄时，请填写通信地址。' });
  })
  .transform((v) => ({
    ...v,
    organizationKind:
      v.applicantType === 'legal_person' ? (v.organizationKind as keyof typeof ORGANIZATION_KINDS) : null,
    idType: v.applicantType === 'legal_person' ? ('credit_code' as const) : (v.idType as keyof typeof ID_TYPES),
    idNumber:
      v.applicantType === 'legal_person'
        ? normalizeCreditCode(v.creditCode)
        : v.idType === 'resident_id'
          ? normalizeResidentId(v.idNumber)
          : v.idNumber.replace(/\s+/g, '').toUpperCase(),
    legalRepresentative: v.applicantType === 'legal_person' ? v.legalRepresentative : '',
  }));
export type ApplicationInput = z.output<typeof applicationInput>;

const isoDate = (label: string) =>
  z
    .string({ error: () => `请填写${label}。` })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label}应为“年-月-日”格式，如 2026-03-02。`);

/** A request registered by the office (in person, post, fax, email) with its Art. 31 receipt date. */
export const registerInput = z.object({
  channel: z.enum(keys(CHANNELS), { error: () => '请选择收到申请的渠道。' }),
  receivedOn: isoDate('收到申请日期'),
});

export const clarifyInput = z.object({
  deadline: isoDate('补正期限'),
  publicNote: text('需要补正的内容', 2000),
});
export const consultInput = z.object({
  detail: z.enum(['third_party', 'agencies'], { error: () => '请选择征求意见的对象。' }),
  onDate: isoDate('日期'),
  internalNote: optionalText('说明', 1000),
});
export const dateNoteInput = z.object({ onDate: isoDate('日期'), internalNote: optionalText('说明', 1000) });
export const extendInput = z.object({
  workdays: z.coerce
    .number({ error: () => '请填写延长的工作日数。' })
    .int('延长的工作日数应为整数。')
    .min(1, '延长的工作日数至少为 1。')
    .max(MAX_EXTENSION_WORKDAYS, `延长不得超过 ${MAX_EXTENSION_WORKDAYS} 个工作日。`),
  publicNote: text('延长理由', 1000),
});
export const feeInput = z.object({
  amount: z.coerce
    .number({ error: () => '请填写收费金额。' })
    .int('金额应为整数元。')
    .min(1, '金额至少 1 元。')
    .max(100000),
  deadline: isoDate('缴费期限'),
  publicNote: optionalText('说明', 1000),
});
export const decideInput = z.object({
  outcome: z.string().refine(isOutcomeCode, '请选择办理结果。'),
  onDate: isoDate('答复日期'),
  publicNote: optionalText('答复说明', 4000),
});
export const deliverInput = z.object({
  via: z.enum(keys(DELIVERIES), { error: () => '请选择送达方式。' }),
  onDate: isoDate('送达日期'),
});
export const transferInput = z.object({
  organizationId: z.coerce
    .number({ error: () => '请选择接收机关。' })
    .int()
    .positive('请选择接收机关。'),
  publicNote: text('转送说明', 1000),
});
export const assignInput = z.object({
  userId: z.coerce
    .number({ error: () => '请选择承办人。' })
    .int()
    .positive('请选择承办人。'),
});
export const reviewInput = z.object({
  kind: z.enum(keys(REVIEW_KINDS), { error: () => '请选择类型。' }),
  filedOn: isoDate('提起日期'),
  result: z.enum(keys(REVIEW_RESULTS), { error: () => '请选择结果。' }),
  concludedOn: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || null)
    .refine((v) => v === null || /^\d{4}-\d{2}-\d{2}$/.test(v), '审结日期应为“年-月-日”格式。'),
  note: optionalText('备注', 1000),
});
export const answerInput = z.object({ answer: text('补正内容', 4000) });
