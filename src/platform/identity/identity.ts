/**
 * Identifiers of people and organizations: the resident identity number (公民身份号码, GB 11643-1999), the
 * unified social credit code (统一社会信用代码, GB 32100-2015) and the organization code inside it (组织机构代码,
 * GB 11714-1997) — check digits and shape — and the masking used
 * wherever personal data is shown in a list.
 */

// GB 11643-1999: weights W_i = 2^(17-i) mod 11 over the first 17 digits.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
// Sum mod 11 → check character (ISO 7064 MOD 11-2).
const ID_CHECK = '10X98765432';

// First two digits of the administrative division code (GB/T 2260), plus 81/82/83 used by the residence permits
// of Hong Kong, Macao and Taiwan residents, which follow the same number format.
// biome-ignore format: a table
const PROVINCE_CODES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44',
  '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83',
]);

/** The check character of the first 17 digits of a resident identity number. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('residentIdCheckChar needs 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

export type ResidentIdProblem = 'format' | 'region' | 'birth_date' | 'checksum';

export interface ResidentIdOptions {
  /** Birth dates after this day are refused (defaults to no upper bound beyond the year 2100). */
  today?: Date;
}

/** Normalises what people type: spaces removed, a lower-case x as X. */
export function normalizeResidentId(input: string): string {
  return input.replace(/\s+/g, '').toUpperCase();
}

/**
 * Checks an 18-character resident identity number: 17 digits then a digit or X, a known province prefix, a real
 * birth date (1850 or later, not after `today`), and the GB 11643 check character. Returns null when valid.
 */
export function residentIdProblem(input: string, opts: ResidentIdOptions = {}): ResidentIdProblem | null {
  const id = normalizeResidentId(input);
  if (!/^\d{17}[\dX]$/.test(id)) return 'format';
  if (!PROVINCE_CODES.has(id.slice(0, 2)) || id.slice(2, 6) === '0000') return 'region';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1850 || y > 2100 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return 'birth_date';
  }
  if (opts.today) {
    const t = opts.today;
    if (date.getTime() > Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate())) return 'birth_date';
  }
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) return 'checksum';
  return null;
}

/** True when the resident identity number passes every check of residentIdProblem. */
export function isValidResidentId(input: string, opts: ResidentIdOptions = {}): boolean {
  return residentIdProblem(input, opts) === null;
}

/** The birth date (YYYY-MM-DD) encoded in a valid resident identity number, else null. */
export function residentIdBirthDate(input: string): string | null {
  const id = normalizeResidentId(input);
  if (residentIdProblem(id) !== null) return null;
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

// GB 32100-2015: the 31-character alphabet (no I, O, S, V, Z) and the weights 3^(i) mod 31.
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character of the first 17 characters of a unified social credit code. */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error('creditCodeCheckChar needs 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_ALPHABET.indexOf(first17[i]);
    if (v < 0) throw new Error(`not in the GB 32100 alphabet: ${first17[i]}`);
    sum += v * CREDIT_WEIGHTS[i];
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

// GB 11714-1997 (全国组织机构代码编制规则): an 8-character body, digits 0–9 and letters A–Z valued 10–35 (the
// full Latin alphabet of that standard, not GB 32100's 31 characters), weights 2^(8-i) mod 11, and a check
// character C9 = 11 - (Σ mod 11): 10 is written X, 11 is written 0.
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;
const ORG_CODE_VALUES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The GB 11714 check character (0–9 or X) of an 8-character organization code body. */
export function orgCodeCheckChar(body8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(body8)) throw new Error('orgCodeCheckChar needs 8 characters 0-9/A-Z');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += ORG_CODE_VALUES.indexOf(body8[i]) * ORG_CODE_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** True for a 9-character organization code (GB 11714, without the hyphen) whose check character is right. */
export function isValidOrgCode(input: string): boolean {
  const code = input.replace(/[\s-]+/g, '').toUpperCase();
  return /^[0-9A-Z]{8}[0-9X]$/.test(code) && orgCodeCheckChar(code.slice(0, 8)) === code[8];
}

export type CreditCodeProblem = 'format' | 'region' | 'checksum' | 'org_checksum';

/** Normalises what people type: spaces removed, upper case. */
export function normalizeCreditCode(input: string): string {
  return input.replace(/\s+/g, '').toUpperCase();
}

/**
 * Checks an 18-character unified social credit code: every character in the official alphabet, the
 * registration authority and category (positions 1–2) alphanumeric, the division code (3–8) six digits, the
 * GB 32100 check character (18), and the organization code inside it (positions 9–17, GB 11714: its own check
 * character at 17). The outer check comes first, so a typo anywhere is `checksum`; `org_checksum` is a code
 * whose outer check holds but whose organization code does not — made up, or miscomputed. Null when valid.
 */
export function creditCodeProblem(input: string): CreditCodeProblem | null {
  const code = normalizeCreditCode(input);
  if (code.length !== 18) return 'format';
  for (const ch of code) if (!CREDIT_CODE_ALPHABET.includes(ch)) return 'format';
  if (!/^\d{6}$/.test(code.slice(2, 8))) return 'region';
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return 'checksum';
  if (orgCodeCheckChar(code.slice(8, 16)) !== code[16]) return 'org_checksum';
  return null;
}

/** True when the unified social credit code passes every check of creditCodeProblem. */
export function isValidCreditCode(input: string): boolean {
  return creditCodeProblem(input) === null;
}

// ---- masking (脱敏) ----

/** An identity number as its first 4 and last 4 characters around stars: 3501**********1234. */
export function maskIdNumber(input: string): string {
  const s = input.replace(/\s+/g, '');
  if (s.length === 0) return '';
  if (s.length <= 8) return '*'.repeat(Math.max(0, s.length - 2)) + s.slice(-2);
  return s.slice(0, 4) + '*'.repeat(s.length - 8) + s.slice(-4);
}

/** A phone number as its first 3 and last 4 digits around stars: 138****5678 (other characters are dropped). */
export function maskPhone(input: string): string {
  const s = input.replace(/[^\d+]/g, '');
  if (s.length === 0) return '';
  if (s.length < 8) return '*'.repeat(Math.max(0, s.length - 2)) + s.slice(-2);
  return s.slice(0, 3) + '*'.repeat(s.length - 7) + s.slice(-4);
}

// Two-character surnames (复姓) kept whole when masking a name.
// biome-ignore format: a table
const COMPOUND_SURNAMES = [
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '轩辕', '令狐',
  '端木', '西门', '南宫', '独孤', '百里', '呼延', '万俟', '申屠', '闻人', '赫连', '澹台', '公冶', '太史', '钟离', '司空',
];

/** A person's name with the surname kept and every other character starred: 张*, 张**, 欧阳**; Latin: J*** S****. */
export function maskName(input: string): string {
  const s = input.trim();
  if (s.length === 0) return '';
  if (/^[\x20-\x7e]+$/.test(s)) {
    return s
      .split(/\s+/)
      .map((w) => w[0] + '*'.repeat(Math.max(1, w.length - 1)))
      .join(' ');
  }
  const chars = Array.from(s);
  const keep = chars.length > 2 && COMPOUND_SURNAMES.includes(chars.slice(0, 2).join('')) ? 2 : 1;
  return chars.slice(0, keep).join('') + '*'.repeat(Math.max(1, chars.length - keep));
}

// The administrative part of an address: province (省/自治区), prefecture (市/自治州/地区/盟), county (区/县/市/旗).
const ADDRESS_PREFIX =
  /^(?:北京市|天津市|上海市|重庆市|[^省市区县]{2,8}?省|[^区]{2,10}?自治区|香港特别行政区|澳门特别行政区)?(?:[^省市区县]{1,10}?(?:市|自治州|地区|盟))?(?:[^省市区县]{1,10}?(?:区|县|市|旗))?/u;

/** An address as its administrative part followed by four stars: 福建省厦门市湖里区****. */
export function maskAddress(input: string): string {
  const s = input.trim();
  if (s.length === 0) return '';
  const chars = Array.from(s);
  let prefix = ADDRESS_PREFIX.exec(s)?.[0] ?? '';
  // Nothing administrative, or nothing after it: keep at most a third of the text.
  if (prefix.length === 0 || prefix.length >= s.length) {
    prefix = chars.slice(0, Math.min(6, Math.floor(chars.length / 3))).join('');
  }
  return `${prefix}****`;
}
