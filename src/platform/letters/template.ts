/**
 * Reply-letter templates (告知书): plain text with {{placeholders}}, one paragraph per line (blank lines are
 * ignored). A first line that ends with a full-width colon is the addressee and is not indented.
 */

/** The placeholders a template may use, with what each holds. */
export const LETTER_PLACEHOLDERS = {
  申请人: "the applicant's name (or the organization's)",
  申请日期: 'the day the application was received, as 2026年1月5日',
  受理编号: 'the tracking number',
  申请内容: 'the description of the information asked for',
  答复内容: 'what the agency decided, in its own words',
  法律依据: 'the legal basis of the outcome',
  救济途径: 'the remedies sentence (administrative review, lawsuit)',
  机关名称: 'the name of the agency that answers',
  答复日期: 'the date of the reply, as 2026年1月5日',
} as const;

export type LetterPlaceholder = keyof typeof LETTER_PLACEHOLDERS;
export type LetterValues = Partial<Record<LetterPlaceholder, string>>;

/** The remedies sentence (行政复议法 Art. 20: 60 days; 行政诉讼法 Art. 46: 6 months). */
export const REMEDIES_SENTENCE =
  '如对本答复不服，可在收到本告知书之日起60日内依法申请行政复议，或者在6个月内依法向人民法院提起行政诉讼。';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Raised when a template names placeholders that do not exist, or a letter lacks a value. */
export class LetterTemplateError extends Error {
  constructor(
    message: string,
    readonly unknown: string[],
    readonly missing: string[] = [],
  ) {
    super(message);
    this.name = 'LetterTemplateError';
  }
}

/** Every placeholder name used in the text, in order of first use. */
export function placeholdersIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

/** The placeholders of the text that are not in LETTER_PLACEHOLDERS (empty when the template is usable). */
export function unknownPlaceholders(text: string): string[] {
  return placeholdersIn(text).filter((p) => !(p in LETTER_PLACEHOLDERS));
}

/** Throws LetterTemplateError listing the unknown placeholders, if any; a stray "{{" or "}}" counts as one. */
export function assertTemplate(text: string): void {
  const unknown = unknownPlaceholders(text);
  const stray = text.replace(PLACEHOLDER, '');
  if (stray.includes('{{') || stray.includes('}}')) unknown.push('{{…}}');
  if (unknown.length > 0) {
    throw new LetterTemplateError(`模板中有未知的占位符：${unknown.map((u) => `{{${u}}}`).join('、')}`, unknown);
  }
}

/**
 * Fills the template: every placeholder replaced by its value. Unknown placeholders, and known ones without a
 * value, raise LetterTemplateError listing them. Returns the paragraphs (non-empty lines, trimmed).
 */
export function fillTemplate(text: string, values: LetterValues): string[] {
  assertTemplate(text);
  const missing = placeholdersIn(text).filter((p) => !values[p as LetterPlaceholder]?.trim());
  if (missing.length > 0) {
    throw new LetterTemplateError(`缺少占位符的内容：${missing.map((u) => `{{${u}}}`).join('、')}`, [], missing);
  }
  const filled = text.replace(PLACEHOLDER, (_, name: string) => values[name as LetterPlaceholder] ?? '');
  return filled
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** A letter ready to lay out. */
export interface Letter {
  title: string;
  /** 文号 or tracking reference shown under the title, e.g. 受理编号：GK-2026-000123. */
  reference?: string;
  /** The addressee line without its colon; null when the body's first paragraph already is one. */
  addressee: string | null;
  paragraphs: string[];
  releasedFiles: string[];
  agency: string;
  date: string;
}

/** Builds the letter from a filled template: the first paragraph ending in "：" becomes the addressee. */
export function composeLetter(input: {
  title: string;
  template: string;
  values: LetterValues;
  reference?: string;
  releasedFiles?: string[];
}): Letter {
  const paragraphs = fillTemplate(input.template, input.values);
  let addressee: string | null = null;
  if (paragraphs[0] && /[：:]$/.test(paragraphs[0])) addressee = paragraphs.shift()!.replace(/[：:]$/, '');
  const agency = input.values.机关名称?.trim();
  const date = input.values.答复日期?.trim();
  if (!agency || !date) {
    const missing = [!agency ? '机关名称' : null, !date ? '答复日期' : null].filter((x): x is string => !!x);
    throw new LetterTemplateError(`缺少占位符的内容：${missing.map((u) => `{{${u}}}`).join('、')}`, [], missing);
  }
  return {
    title: input.title,
    reference: input.reference,
    addressee,
    paragraphs,
    releasedFiles: input.releasedFiles ?? [],
    agency,
    date,
  };
}

/** A date (YYYY-MM-DD) as written in official letters: 2026年1月5日. */
export function chineseDate(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return `${y}年${m}月${d}日`;
}
