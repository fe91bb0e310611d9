import { z } from 'zod';
import { registerScope } from '../../platform/api/registry.js';
import { COLUMN_KINDS } from '../directory/directory.standard.js';
import { STATUS_LABELS, THEMES, WITHDRAWAL_REASONS } from '../publishing/publishing.schema.js';
import { validitySchema } from './document-validity.js';

// The v1 API's schemas: what each query accepts and what each answer contains. The routes validate and
// serialize with them, and the OpenAPI document is generated from them. Named ones (`.meta({ id })`)
// appear as components of the document.

registerScope('drafts:write', '创建和修改本机构的草稿');
registerScope('drafts:read', '读取本机构的信息（含未公开的草稿）');

const id = z.number().int().positive();
const instant = z.string().describe('ISO 8601 时间（UTC），如 2026-11-25T02:00:00.000Z');
const url = z.string().describe('绝对地址');

const intParam = (label: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${label}须为整数。` })
    .int(`${label}须为整数。`)
    .min(min, `${label}不能小于 ${min}。`)
    .max(max, `${label}不能大于 ${max}。`);

// ------------------------------------------------------------------------------------------------------
// Organizations and columns

export const organizationSchema = z
  .object({
    id,
    parent_id: id.nullable().describe('上级机构；顶级机构为 null'),
    code: z.string().describe('机构代码（用于索引号）'),
    slug: z.string(),
    name: z.string(),
    short_name: z.string(),
    kind: z.enum(['government', 'department', 'office']).describe('government 政府，department 部门，office 内设机构'),
    depth: z.number().int().min(0).describe('在机构树中的层级，顶级为 0'),
    functions: z.string().describe('机构职能'),
    contact: z.object({
      address: z.string(),
      postcode: z.string(),
      phone: z.string(),
      fax: z.string(),
      email: z.string(),
      office_hours: z.string(),
      website: z.string(),
    }),
    url: url.describe('门户中的机构首页'),
    columns_url: url.describe('本机构栏目（API）'),
  })
  .meta({ id: 'Organization', description: '机构（按机构树的先序排列）' });

export const organizationListSchema = z
  .object({ data: z.array(organizationSchema) })
  .meta({ id: 'OrganizationList', description: '全部在用机构' });

export const columnSchema = z
  .object({
    id,
    organization_id: id,
    parent_id: id.nullable(),
    code: z.string(),
    slug: z.string(),
    name: z.string(),
    kind: z.enum(Object.keys(COLUMN_KINDS) as [string, ...string[]]).describe('栏目类型'),
    retired: z.boolean().describe('已停用的栏目不再发布新信息，其地址仍然有效'),
    depth: z.number().int().min(0),
    url: url.describe('门户中的栏目页'),
    documents_url: url.describe('本栏目及其子栏目的信息（API）'),
  })
  .meta({ id: 'Column', description: '政府信息公开目录中的栏目（按目录树的先序排列）' });

export const columnListSchema = z.object({ data: z.array(columnSchema) }).meta({ id: 'ColumnList' });

export const organizationParams = z.object({ id: intParam('机构编号', 1, 2 ** 31 - 1).describe('机构编号') });

// ------------------------------------------------------------------------------------------------------
// Documents (published information items)

const withdrawalReason = z.enum(Object.keys(WITHDRAWAL_REASONS) as [string, ...string[]]);

export const documentSummarySchema = z
  .object({
    id,
    index_number: z.string().describe('索引号'),
    title: z.string(),
    doc_number: z.string().describe('文号'),
    organization_id: id,
    column_id: id,
    theme: z.string().describe('主题分类'),
    genre: z.string().describe('体裁分类'),
    date_created: z.string().describe('生成日期 YYYY-MM-DD'),
    first_published_at: instant,
    last_published_at: instant,
    version: z.number().int().min(1).describe('当前公开版本'),
    withdrawn: z.boolean(),
    withdrawal: z
      .object({ at: instant, reason: withdrawalReason })
      .nullable()
      .describe('已撤回时：撤回时间和原因（error 误发，superseded 已被替代，outdated 已过时）'),
    url: url.describe('门户中的信息页'),
    api_url: url,
  })
  .meta({ id: 'DocumentSummary', description: '已公开的信息（列表项）' });

export const documentListSchema = z
  .object({
    data: z.array(documentSummarySchema),
    next_cursor: z.string().nullable().describe('下一页的游标；没有下一页时为 null'),
  })
  .meta({ id: 'DocumentList' });

export const attachmentSchema = z
  .object({
    filename: z.string(),
    url,
    mime: z.string(),
    ext: z.string(),
    size: z.number().int().min(0).describe('字节数'),
  })
  .meta({ id: 'Attachment' });

export const documentSchema = documentSummarySchema
  .extend({
    keywords: z.string(),
    summary: z.string().describe('内容概述'),
    five_category: z.string().describe('“五公开”类别：decision/execution/management/service/result'),
    disclosure_method: z.string().describe('公开方式'),
    organization: z.object({ id, name: z.string(), slug: z.string() }),
    column: z.object({ id, name: z.string(), slug: z.string() }),
    body_html: z
      .string()
      .nullable()
      .describe('正文（经过清洗的 HTML，链接和图片为绝对地址）；因误发而撤回的信息为 null'),
    attachments: z.array(attachmentSchema),
    versions: z
      .array(
        z.object({
          version: z.number().int().min(1),
          published_at: instant,
          change_kind: z.enum(['initial', 'major', 'minor']),
          change_note: z.string(),
        }),
      )
      .describe('修订记录，最新在前'),
    withdrawal: z
      .object({
        at: instant,
        reason: withdrawalReason,
        reason_label: z.string(),
        note: z.string().describe('向公众的说明'),
        replacement: z.object({ id, title: z.string(), url, api_url: url }).nullable(),
      })
      .nullable(),
    validity: validitySchema
      .nullable()
      .describe('政策文件的效力状态和标注（与网页顶部的标注相同）；不是政策文件的信息为 null'),
  })
  .meta({ id: 'Document', description: '已公开的信息（详情）' });

const organizationRef = z
  .string()
  .trim()
  .regex(/^([1-9]\d{0,9}|[a-z0-9][a-z0-9-]{0,63})$/, '机构须为编号或英文简称（slug）。')
  .describe('机构编号或英文简称（slug）');

const since = z
  .string()
  .trim()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(v) && !Number.isNaN(Date.parse(v)),
    'updated_since 须为 ISO 8601 日期或时间，如 2026-11-01 或 2026-11-01T08:00:00+08:00。',
  )
  .describe('只列出此时刻（含）之后发布、修订或撤回的信息；日期按北京时间当日零点');

export const documentsQuery = z.object({
  organization: organizationRef.optional(),
  column: intParam('栏目编号', 1, 2 ** 31 - 1)
    .optional()
    .describe('栏目编号（含其子栏目）'),
  year: intParam('年份', 1990, 2200).optional().describe('首次发布年份'),
  theme: z.enum(THEMES, { message: '主题分类无效。' }).optional().describe('主题分类'),
  updated_since: since.optional(),
  include_withdrawn: z
    .enum(['true', 'false'], { message: 'include_withdrawn 须为 true 或 false。' })
    .default('false')
    .describe('true：也列出已撤回的信息（带 withdrawn 标记）'),
  limit: intParam('limit', 1, 100).default(20).describe('每页条数，最多 100'),
  cursor: z.string().max(200).optional().describe('上一页响应中的 next_cursor'),
});

export const documentParams = z.object({ id: intParam('信息编号', 1, 2 ** 31 - 1).describe('信息编号') });

// ------------------------------------------------------------------------------------------------------
// Search

const textPart = z.object({ text: z.string(), hit: z.boolean().describe('true：命中的检索词') });

export const searchHitSchema = z
  .object({
    id,
    title: z.string(),
    title_parts: z.array(textPart).describe('标题，按命中与否分段（用于高亮）'),
    snippet: z.array(textPart).describe('正文摘要，按命中与否分段'),
    title_match: z.boolean().describe('标题（含文号）包含全部检索词'),
    published_at: instant,
    organization_id: id,
    column_id: id,
    url,
    api_url: url,
  })
  .meta({ id: 'SearchHit' });

export const searchResultSchema = z
  .object({
    data: z.array(searchHitSchema),
    total: z
      .number()
      .int()
      .min(0)
      .describe('参与排序的结果数：最新的至多 1000 条匹配，加上标题含全部关键词的较早文件（至多 1000 条）'),
    capped: z.boolean().describe('true：匹配超过 1000 条，正文匹配只对最新的 1000 条排序（标题匹配不受此限）'),
    page: z.number().int().min(1),
    limit: z.number().int().min(1),
    query: z.object({
      terms: z.array(z.string()).describe('参与检索的词或短语'),
      ignored: z.array(z.string()).describe('被忽略的词（如运算符、标点）'),
      truncated: z.boolean().describe('检索式过长而被截断'),
    }),
  })
  .meta({ id: 'SearchResult' });

export const searchQuery = z.object({
  q: z
    .string({ message: '请输入检索词。' })
    .trim()
    .min(1, '请输入检索词。')
    .max(200, '检索词过长。')
    .describe('检索词：空格分隔的词都须出现；引号内为短语'),
  organization: organizationRef.optional(),
  column: intParam('栏目编号', 1, 2 ** 31 - 1).optional(),
  year: intParam('年份', 1990, 2200).optional().describe('发布年份'),
  page: intParam('page', 1, 500).default(1),
  limit: intParam('limit', 1, 100).default(20),
});

// ------------------------------------------------------------------------------------------------------
// Drafts (staff tokens)

export const STATUS_VALUES = Object.keys(STATUS_LABELS) as [string, ...string[]];

export const draftReceiptSchema = z
  .object({
    id,
    index_number: z.string(),
    status: z.enum(STATUS_VALUES),
    url_console: url.describe('管理后台中的信息页'),
  })
  .meta({ id: 'DraftReceipt', description: '创建或修改草稿的结果' });

export const draftSchema = z
  .object({
    id,
    index_number: z.string(),
    status: z
      .enum(STATUS_VALUES)
      .describe('draft 草稿，submitted 待审核，reviewed 待签发，approved 已签发，scheduled 定时发布，published 已发布'),
    status_label: z.string(),
    organization_id: id,
    column_id: id,
    title: z.string(),
    doc_number: z.string(),
    date_created: z.string(),
    theme: z.string(),
    genre: z.string(),
    keywords: z.string(),
    summary: z.string(),
    body_html: z.string(),
    disclosure: z.enum(['proactive', 'on_request', 'exempt']),
    exemption: z.string(),
    five_category: z.string().describe('decision/execution/management/service/result'),
    disclosure_method: z.string(),
    published_version: z.number().int().min(0).describe('已公开的版本数；0 表示从未公开'),
    withdrawn: z.boolean(),
    created_at: instant,
    updated_at: instant,
    url_console: url,
    url: url.nullable().describe('已公开时的门户地址'),
  })
  .meta({ id: 'Draft', description: '本机构的信息（工作副本，含未公开的草稿）' });

// ------------------------------------------------------------------------------------------------------
// The document itself

export const openApiSchema = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'OpenApiDocument', description: '本 OpenAPI 3.1 文档' });
