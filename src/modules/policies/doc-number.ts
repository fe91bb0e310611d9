// 文号 (document number): issuer abbreviation + 〔year〕 + number + 号, e.g. 厦湖府办〔2017〕69号. Staff type
// the year in whatever brackets their keyboard offers — [2017], (2017), （2017）, 【2017】, ［2017］, 〔2017〕 —
// so those are accepted and normalized to 〔2017〕; digits may be full-width; spaces are dropped.

export interface DocNumber {
  /** The normalized form: 厦湖府办〔2017〕69号 */
  text: string;
  issuer: string;
  year: number;
  seq: number;
}

export type DocNumberResult = { ok: true; value: DocNumber } | { ok: false; error: string };

// Escaped for use inside a character class.
const OPEN = '〔\\[(（【［〖';
const CLOSE = '〕\\])）】］〗';

function halfWidthDigits(s: string): string {
  return s.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}

/**
 * Parses and normalizes a 文号; the error says, in Chinese, what is wrong. A year must be from 1949 to
 * `maxYear` (next year by default: numbers are sometimes allocated in late December for January).
 */
export function parseDocNumber(raw: string, maxYear = new Date().getUTCFullYear() + 1): DocNumberResult {
  const s = halfWidthDigits(raw.normalize('NFC').replace(/[\s\u3000]+/g, ''));
  if (s === '') return { ok: false, error: '请填写文号。' };
  const re = new RegExp(`^(.+?)[${OPEN}](\\d{4})[${CLOSE}]第?0*(\\d{1,6})号$`);
  const m = re.exec(s);
  if (!m) {
    if (!/号$/.test(s)) return { ok: false, error: '文号应以“号”结尾，例如：厦湖府办〔2017〕69号。' };
    if (!/\d{4}/.test(s)) return { ok: false, error: '文号中应有四位年份，写在〔〕内，例如：厦湖府办〔2017〕69号。' };
    return { ok: false, error: '文号格式应为“发文机关代字〔年份〕序号号”，例如：厦湖府办〔2017〕69号。' };
  }
  const issuer = m[1];
  const year = Number(m[2]);
  const seq = Number(m[3]);
  if (/[〔〕[\]()（）【】［］〖〗\d]/.test(issuer))
    return { ok: false, error: '发文机关代字中不应有数字或括号，例如：厦湖府办〔2017〕69号。' };
  if (!/^[\p{Script=Han}A-Za-z]+$/u.test(issuer))
    return { ok: false, error: '发文机关代字只能由汉字（或字母）组成，例如：厦湖府办。' };
  if (year < 1949 || year > maxYear) return { ok: false, error: `文号中的年份 ${year} 不在合理范围内。` };
  if (seq < 1) return { ok: false, error: '文号的序号应从 1 开始。' };
  return { ok: true, value: { text: `${issuer}〔${year}〕${seq}号`, issuer, year, seq } };
}

/** The normalized 文号, or the input unchanged (trimmed) when it cannot be parsed — for search queries. */
export function normalizeDocNumber(raw: string): string {
  const r = parseDocNumber(raw, 9999);
  return r.ok ? r.value.text : raw.trim();
}

/** Whether a search query looks like a 文号 (or a prefix of one with its year): then match it exactly. */
export function looksLikeDocNumber(q: string): boolean {
  return parseDocNumber(q, 9999).ok;
}
