import { z } from 'zod';

// Disclosure attribute (公开属性), set when drafting (公开属性源头认定).
export const DISCLOSURE = { proactive: '主动公开', on_request: '依申请公开', exempt: '不予公开' } as const;
export type Disclosure = keyof typeof DISCLOSURE;

// Reasons an item is not disclosed (Articles 14–16).
export const EXEMPTIONS = {
  state_secret: '属于国家秘密（第十四条）',
  law_prohibited: '法律、行政法规禁止公开（第十四条）',
  three_safety: '公开后可能危及国家安全、公共安全、经济安全、社会稳定（第十四条）',
  third_party: '涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害（第十五条）',
  internal_affairs: '属于人事管理、后勤管理、内部工作流程等内部事务信息（第十六条）',
  process_info: '属于讨论记录、过程稿、磋商信函、请示报告等过程性信息（第十六条）',
  enforcement_file: '属于行政执法案卷信息（第十六条）',
} as const;
export type Exemption = keyof typeof EXEMPTIONS;

// 五公开: decision, execution, management, service, result.
export const FIVE_CATEGORIES = {
  decision: '决策公开',
  execution: '执行公开',
  management: '管理公开',
  service: '服务公开',
  result: '结果公开',
} as const;
export type FiveCategory = keyof typeof FIVE_CATEGORIES;

// Theme classification (主题分类) as used by government information catalogues.
export const THEMES = [
  '综合政务',
  '国民经济管理、国有资产监管',
  '财政、金融、审计',
  '国土资源、能源',
  '农业、林业、水利',
  '工业、交通',
  '商贸、海关、旅游',
  '市场监管、安全生产监管',
  '城乡建设、环境保护',
  '科技、教育',
  '文化、广电、新闻出版',
  '卫生、体育',
  '人口与计划生育、妇女儿童工作',
  '劳动、人事、监察',
  '公安、安全、司法',
  '民政、扶贫、救灾',
  '民族、宗教',
  '对外事务',
  '港澳台侨工作',
  '国防',
  '其他',
] as const;

// Genre classification (体裁分类), the document types of GB/T 9704 plus common others.
export const GENRES = [
  '命令（令）',
  '决定',
  '公告',
  '通告',
  '意见',
  '通知',
  '通报',
  '报告',
  '批复',
  '函',
  '纪要',
  '规划',
  '计划',
  '总结',
  '公示',
  '其他',
] as const;

export const STATUS_LABELS = {
  draft: '草稿',
  submitted: '待审核',
  reviewed: '待签发',
  approved: '已签发',
  scheduled: '定时发布',
  published: '已发布',
} as const;
export type ItemStatus = keyof typeof STATUS_LABELS;

export const WITHDRAWAL_REASONS = { error: '误发', superseded: '已被替代', outdated: '已过时' } as const;
export type WithdrawalReason = keyof typeof WITHDRAWAL_REASONS;

const date = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '请按 YYYY-MM-DD 格式填写日期。')
  .refine(
    (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    '日期无效。',
  );

/** The draft form (console) and the drafts API share this schema. */
export const itemInput = z
  .object({
    column_id: z.coerce.number({ message: '请选择栏目。' }).int().positive('请选择栏目。'),
    title: z.string().trim().min(2, '请输入标题。').max(200, '标题不能超过 200 个字符。'),
    doc_number: z.string().trim().max(60, '文号不能超过 60 个字符。').default(''),
    date_created: date,
    theme: z.enum(THEMES, { message: '请选择主题分类。' }),
    genre: z.enum(GENRES, { message: '请选择体裁分类。' }),
    keywords: z.string().trim().max(100, '关键词不能超过 100 个字符。').default(''),
    summary: z.string().trim().max(500, '内容概述不能超过 500 个字符。').default(''),
    body_html: z.string().max(2_000_000, '正文过长。').default(''),
    disclosure: z.enum(['proactive', 'on_request', 'exempt'], { message: '请选择公开属性。' }),
    exemption: z.union([z.literal(''), z.enum(Object.keys(EXEMPTIONS) as [Exemption, ...Exemption[]])]).default(''),
    five_category: z.enum(['decision', 'execution', 'management', 'service', 'result'], {
      message: '请选择“五公开”类别。',
    }),
    disclosure_method: z.string().trim().min(1, '请填写公开方式。').max(60).default('政府网站'),
    change_kind: z.enum(['initial', 'major', 'minor']).default('initial'),
    change_note: z.string().trim().max(500, '修改说明不能超过 500 个字符。').default(''),
  })
  .superRefine((v, ctx) => {
    if (v.disclosure === 'exempt' && !v.exemption)
      ctx.addIssue({ code: 'custom', path: ['exemption'], message: '不予公开的信息须选择不予公开的理由。' });
    if (v.disclosure !== 'exempt' && v.exemption)
      ctx.addIssue({ code: 'custom', path: ['exemption'], message: '只有不予公开的信息才需要选择理由。' });
  });
export type ItemInput = z.infer<typeof itemInput>;

export const withdrawInput = z.object({
  reason: z.enum(['error', 'superseded', 'outdated'], { message: '请选择撤回原因。' }),
  note: z.string().trim().min(4, '请填写向公众说明的撤回理由（至少 4 个字）。').max(500, '说明不能超过 500 个字符。'),
  replacement_item_id: z
    .union([z.literal(''), z.coerce.number().int().positive()])
    .optional()
    .transform((v) => (v === '' || v === undefined ? null : v)),
});

export const scheduleInput = z.object({
  publish_at: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, '请选择发布的日期和时间。'),
});
