import { z } from 'zod';
import { GENRES, THEMES } from '../publishing/publishing.schema.js';
import type { Cell } from './import.read.js';

// The columns of an import file: Chinese headers as agencies write them, English ones for exports from
// other systems. Header cells are compared after trimming, lower-casing, and dropping spaces, a trailing
// "*" and a bracketed note, so 「标题*」 and 「标题（必填）」 both mean 标题.

export const FIELDS = {
  source_id: {
    label: '来源编号',
    aliases: ['来源编号', '来源id', '原编号', '原系统编号', 'source_id', 'sourceid', 'source_ref', 'id'],
  },
  column: {
    label: '栏目',
    aliases: ['栏目', '所属栏目', '栏目代码', '栏目名称', 'column', 'column_slug', 'column_code'],
  },
  title: { label: '标题', aliases: ['标题', '信息标题', '名称', 'title'] },
  doc_number: { label: '文号', aliases: ['文号', '发文字号', 'doc_number', 'document_number'] },
  date_created: { label: '生成日期', aliases: ['生成日期', '成文日期', 'date_created', 'created'] },
  published_at: {
    label: '发布日期',
    aliases: ['发布日期', '发布时间', '公开日期', 'published_at', 'published', 'date_published'],
  },
  theme: { label: '主题分类', aliases: ['主题分类', '主题', 'theme'] },
  genre: { label: '体裁分类', aliases: ['体裁分类', '体裁', '文种', 'genre'] },
  keywords: { label: '关键词', aliases: ['关键词', '主题词', 'keywords'] },
  summary: { label: '内容概述', aliases: ['内容概述', '摘要', '概述', 'summary'] },
  body: { label: '正文', aliases: ['正文', '内容', '正文内容', 'body', 'body_html', 'content'] },
  index_number: { label: '索引号', aliases: ['索引号', 'index_number', 'index_no'] },
  attachments: { label: '附件', aliases: ['附件', '附件文件', 'attachments', 'files'] },
} as const;

export type Field = keyof typeof FIELDS;

/** Columns the file must have (every row needs them). */
export const REQUIRED_HEADERS: Field[] = ['source_id', 'column', 'title', 'date_created'];

const normalizeHeader = (h: string) =>
  h
    .replace(/^\uFEFF/, '')
    .replace(/[（(][^）)]*[）)]\s*$/u, '')
    .replace(/[\s*＊_-]/g, '')
    .toLowerCase();

const ALIAS_INDEX = new Map<string, Field>();
for (const [field, def] of Object.entries(FIELDS) as [Field, (typeof FIELDS)[Field]][])
  for (const a of def.aliases) ALIAS_INDEX.set(normalizeHeader(a), field);

export interface HeaderMap {
  /** Field → column position in the sheet. */
  positions: Partial<Record<Field, number>>;
  /** Header cells that name no known field (ignored, reported once). */
  unknown: string[];
  /** Problems that make the file unusable (missing required columns, a field given twice). */
  problems: string[];
}

/** Which column holds which field. */
export function mapHeader(header: string[]): HeaderMap {
  const positions: Partial<Record<Field, number>> = {};
  const unknown: string[] = [];
  const problems: string[] = [];
  header.forEach((h, i) => {
    if (h.trim() === '') return;
    const field = ALIAS_INDEX.get(normalizeHeader(h));
    if (!field) unknown.push(h);
    else if (positions[field] !== undefined)
      problems.push(`表头中「${FIELDS[field].label}」出现了两次（第 ${positions[field]! + 1} 列和第 ${i + 1} 列）。`);
    else positions[field] = i;
  });
  const missing = REQUIRED_HEADERS.filter((f) => positions[f] === undefined);
  if (missing.length)
    problems.push(
      `缺少必需的列：${missing.map((f) => `「${FIELDS[f].label}」`).join('、')}。表头可用中文或英文列名，例如：${REQUIRED_HEADERS.map((f) => `${FIELDS[f].label}/${FIELDS[f].aliases.find((a) => /^[a-z_]+$/.test(a))}`).join('、')}。`,
    );
  return { positions, unknown, problems };
}

const pad = (n: number) => String(n).padStart(2, '0');

function validYmd(y: number, m: number, d: number): string | null {
  const iso = `${y}-${pad(m)}-${pad(d)}`;
  const t = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(iso) ? iso : null;
}

/**
 * A date as people type it (2017-11-30, 2017/11/30, 2017.11.30, 2017年11月30日, 20171130) or an Excel date
 * cell → YYYY-MM-DD; with the time of day when one follows (HH:mm[:ss], Beijing time). Null when invalid.
 */
export function parseDateCell(v: Cell): { date: string; time: string | null } | null {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null;
    // exceljs gives date cells as UTC instants of the wall-clock value written in the sheet.
    const date = v.toISOString().slice(0, 10);
    const hms = v.toISOString().slice(11, 19);
    return { date, time: hms === '00:00:00' ? null : hms };
  }
  const s = v.trim().replace(/\s+/g, ' ');
  const m =
    /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T](\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?$/.exec(
      s,
    ) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const date = validYmd(Number(m[1]), Number(m[2]), Number(m[3]));
  if (!date) return null;
  if (m[4] === undefined) return { date, time: null };
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6] ?? 0);
  if (h > 23 || mi > 59 || sec > 59) return null;
  return { date, time: `${pad(h)}:${pad(mi)}:${pad(sec)}` };
}

const text = (max: number, message: string) => z.string().trim().max(max, message);

const dateField = z.custom<Cell>().transform((v, ctx) => {
  const d = parseDateCell(v);
  if (!d) {
    ctx.addIssue({
      code: 'custom',
      message: `日期「${String(v).trim()}」无效，请按 YYYY-MM-DD 格式填写，例如 2017-11-30。`,
    });
    return z.NEVER;
  }
  return d;
});

const optionalDate = z.custom<Cell>().transform((v, ctx) => {
  if (typeof v === 'string' && v.trim() === '') return null;
  const d = parseDateCell(v);
  if (!d) {
    ctx.addIssue({
      code: 'custom',
      message: `日期「${String(v).trim()}」无效，请按 YYYY-MM-DD 或 YYYY-MM-DD HH:mm 格式填写。`,
    });
    return z.NEVER;
  }
  return d;
});

const str = (v: Cell) => (typeof v === 'string' ? v : v.toISOString().slice(0, 10));

/** One data row after the header map has been applied (cells by field); checked, with Chinese messages. */
export const importRow = z
  .object({
    source_id: z
      .string()
      .trim()
      .min(1, '来源编号不能为空（它是再次导入时识别同一条信息的依据）。')
      .max(200, '来源编号不能超过 200 个字符。'),
    column: z.string().trim().min(1, '请填写栏目（栏目的网址标识、代码或名称）。'),
    title: z.string().trim().min(2, '请输入标题。').max(200, '标题不能超过 200 个字符。'),
    doc_number: text(60, '文号不能超过 60 个字符。'),
    date_created: dateField,
    published_at: optionalDate,
    theme: z
      .string()
      .trim()
      .transform((v) => v || '其他')
      .pipe(z.enum(THEMES, { error: (i) => `主题分类「${String(i.input)}」无效，可选：${THEMES.join('；')}。` })),
    genre: z
      .string()
      .trim()
      .transform((v) => v || '其他')
      .pipe(z.enum(GENRES, { error: (i) => `体裁分类「${String(i.input)}」无效，可选：${GENRES.join('、')}。` })),
    keywords: text(100, '关键词不能超过 100 个字符。'),
    summary: text(500, '内容概述不能超过 500 个字符。'),
    body: z.string().max(2_000_000, '正文过长（超过 200 万个字符）。'),
    index_number: text(100, '索引号不能超过 100 个字符。').regex(/^[^\s]*$/, '索引号中不能有空格。'),
    attachments: z
      .string()
      .transform((v) =>
        v
          .split(/[；;\n]/)
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string()).max(50, '附件不能超过 50 个。')),
  })
  .superRefine((v, ctx) => {
    if (v.published_at && v.published_at.date < v.date_created.date)
      ctx.addIssue({ code: 'custom', path: ['published_at'], message: '发布日期不能早于生成日期。' });
  });

export type ImportRow = z.output<typeof importRow>;

/** The raw cells of a row by field, strings where the schema wants strings ('' for absent columns). */
export function rowInput(cells: Cell[], positions: HeaderMap['positions']): Record<Field, Cell> {
  const out = {} as Record<Field, Cell>;
  for (const f of Object.keys(FIELDS) as Field[]) {
    const i = positions[f];
    const v = i === undefined ? '' : (cells[i] ?? '');
    out[f] = f === 'date_created' || f === 'published_at' ? v : str(v);
  }
  return out;
}

/** The label people see for a field: 「标题」. */
export const fieldLabel = (path: PropertyKey | undefined) =>
  typeof path === 'string' && path in FIELDS ? FIELDS[path as Field].label : String(path ?? '');
