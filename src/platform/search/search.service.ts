import type { Db } from '../../db/database.js';
import * as repo from './search.repository.js';
import { normalizeText, type QueryToken, queryTokens } from './segment.js';

// Full-text search of published items: query parsing, the search itself, and highlighting. No SQL here and
// no HTML: highlighted text comes back as parts ({ text, hit }) that the view escapes and wraps in <mark>.

/** Longer queries are cut to this many characters. */
export const MAX_QUERY_LENGTH = 100;
/** Words beyond this many are ignored. */
export const MAX_QUERY_TERMS = 10;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** Deeper pages are not served: every page sorts all matches, and nobody reads result 10,000. */
export const MAX_OFFSET = 10_000;

/** One required word or quoted phrase of a query. */
export interface ParsedTerm {
  /** As typed (trimmed, NFKC-normalised); used for highlighting. */
  text: string;
  /** True when it was quoted (“政务 公开”); a word and a phrase match the same way: adjacent, in order. */
  phrase: boolean;
  tokens: QueryToken[];
}

export interface ParsedQuery {
  terms: ParsedTerm[];
  /** The query was longer than MAX_QUERY_LENGTH characters or had more than MAX_QUERY_TERMS words. */
  truncated: boolean;
  /** Words left out: operators (AND, OR, NOT, NEAR) and words without a letter or digit. */
  ignored: string[];
}

// Opening quote → the characters that close it. Chinese input methods often produce “ for both ends.
const QUOTES: Record<string, string> = {
  '"': '"',
  '“': '”“"',
  '”': '”“"',
  '「': '」',
  '『': '』',
  '﹁': '﹂',
};
const OPERATORS = new Set(['AND', 'OR', 'NOT', 'NEAR']);
const SEPARATOR = /[\s()（）]/u;

/**
 * Splits a visitor's query into required terms: whitespace-separated words and quoted phrases ("…", “…”,
 * 「…」, 『…』). Never throws; an empty or meaningless query gives no terms. Guarantees at most
 * MAX_QUERY_TERMS terms, each with at least one safe token.
 */
export function parseQuery(q: string | null | undefined): ParsedQuery {
  // NFKC first: full-width ＂ and spaces become ASCII, so they are recognised below.
  const chars = Array.from((q ?? '').normalize('NFKC').trim());
  let truncated = chars.length > MAX_QUERY_LENGTH;
  const input = chars.slice(0, MAX_QUERY_LENGTH);

  const raw: { text: string; phrase: boolean }[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    const closers = QUOTES[c];
    if (closers !== undefined) {
      let j = i + 1;
      while (j < input.length && !closers.includes(input[j])) j++;
      raw.push({
        text: input
          .slice(i + 1, j)
          .join('')
          .trim(),
        phrase: true,
      });
      i = j + 1;
    } else if (SEPARATOR.test(c)) i++;
    else {
      let j = i;
      while (j < input.length && !SEPARATOR.test(input[j]) && QUOTES[input[j]] === undefined) j++;
      raw.push({ text: input.slice(i, j).join(''), phrase: false });
      i = j;
    }
  }

  const terms: ParsedTerm[] = [];
  const ignored: string[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    if (r.text === '') continue;
    const tokens = !r.phrase && OPERATORS.has(r.text) ? [] : queryTokens(r.text);
    if (tokens.length === 0) {
      ignored.push(r.text);
      continue;
    }
    const key = tokens.map((t) => `${t.text}${t.prefix ? '*' : ''}`).join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    if (terms.length === MAX_QUERY_TERMS) {
      truncated = true;
      break;
    }
    terms.push({ text: r.text, phrase: r.phrase, tokens });
  }
  return { terms, truncated, ignored };
}

/** A piece of text to render: `hit` parts are wrapped in <mark> by the view (after escaping). */
export interface TextPart {
  text: string;
  hit: boolean;
}

export interface SearchParams {
  q: string;
  organizationId?: number;
  columnId?: number;
  year?: number;
  kind?: string;
  limit?: number;
  offset?: number;
}

export interface SearchResultHit extends repo.SearchHit {
  titleParts: TextPart[];
  /** The best window of the body text, when the caller supplied texts; otherwise empty. */
  snippet: TextPart[];
}

export interface SearchResult {
  query: ParsedQuery;
  /** No usable word in the query: nothing was searched (the page asks for a word instead of "no results"). */
  empty: boolean;
  /** Matching documents, counted up to repo.MAX_CANDIDATES. */
  total: number;
  /** More than repo.MAX_CANDIDATES documents match: only the newest were ranked ("more than 5,000 results"). */
  capped: boolean;
  limit: number;
  offset: number;
  hits: SearchResultHit[];
}

export interface SearchDeps {
  db: Pick<Db, 'kysely' | 'engine'>;
  /** Plain body texts (or summaries) of the items on the page, for snippets; optional. */
  texts?: (itemIds: number[]) => Promise<Map<number, string>>;
}

function clampInt(v: number | undefined, min: number, max: number, dflt: number): number {
  if (v === undefined || !Number.isFinite(v)) return dflt;
  return Math.min(max, Math.max(min, Math.trunc(v)));
}

/**
 * Searches the published items: every term must match (adjacent, in order), filtered; titles holding more of
 * the terms first, then newest, among at most repo.MAX_CANDIDATES matches (the same order on both engines).
 * An empty query answers `empty: true` with no hits instead of throwing; page size and depth are clamped so
 * one request's work stays bounded.
 */
export async function search(deps: SearchDeps, params: SearchParams): Promise<SearchResult> {
  const query = parseQuery(params.q);
  const limit = clampInt(params.limit, 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  const offset = clampInt(params.offset, 0, MAX_OFFSET, 0);
  if (query.terms.length === 0) return { query, empty: true, total: 0, capped: false, limit, offset, hits: [] };

  const page = await repo.searchDocuments(deps.db.kysely, deps.db.engine, {
    phrases: query.terms.map((t) => t.tokens),
    organizationId: params.organizationId,
    columnId: params.columnId,
    year: params.year,
    kind: params.kind,
    limit,
    offset,
  });
  const words = query.terms.map((t) => t.text);
  const texts = deps.texts && page.hits.length > 0 ? await deps.texts(page.hits.map((h) => h.itemId)) : undefined;
  return {
    query,
    empty: false,
    total: page.total,
    capped: page.capped,
    limit,
    offset,
    hits: page.hits.map((h) => ({
      ...h,
      titleParts: highlightTitle(h.title, words),
      snippet: texts?.has(h.itemId) ? snippet(texts.get(h.itemId) ?? '', words) : [],
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Highlighting. A term is found in a text the way the index sees both: compared on their letters and digits
// only (NFKC, lower case), so 69号 is marked in 〔2017〕69号 and 厦湖府办〔2017〕69号 marks the whole number
// with its brackets; a Latin word or number is marked only where it stands as a whole word.

interface Span {
  start: number;
  end: number;
  term: number;
}

interface Folded {
  /** The letters and digits of the text, normalised, one entry per original code point kept. */
  chars: string[];
  /** Start offset (UTF-16) in the original text of each entry of `chars`. */
  starts: number[];
  /** End offset (UTF-16) in the original text of each entry of `chars`. */
  ends: number[];
}

const ALNUM = /[\p{L}\p{N}]/u;
const CJK_CHAR = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]/u;

function fold(text: string): Folded {
  const out: Folded = { chars: [], starts: [], ends: [] };
  let pos = 0;
  for (const cp of text) {
    const start = pos;
    pos += cp.length;
    const code = cp.codePointAt(0) ?? 0;
    // Fast paths: ASCII only needs lower case; the common CJK ideographs are unchanged by NFKC.
    if (code < 0x80) {
      if (!/[0-9A-Za-z]/.test(cp)) continue;
      out.chars.push(cp.toLowerCase());
      out.starts.push(start);
      out.ends.push(pos);
    } else if (code >= 0x4e00 && code <= 0x9fff) {
      out.chars.push(cp);
      out.starts.push(start);
      out.ends.push(pos);
    } else {
      // One code point may normalise to several (ﬁ → fi); keep its letters and digits, all mapped to it.
      for (const n of normalizeText(cp)) {
        if (!ALNUM.test(n)) continue;
        out.chars.push(n);
        out.starts.push(start);
        out.ends.push(pos);
      }
    }
  }
  return out;
}

function findSpans(text: string, terms: readonly string[]): Span[] {
  const f = fold(text);
  const spans: Span[] = [];
  terms.forEach((term, ti) => {
    const key = fold(term).chars;
    if (key.length === 0) return;
    const wordStart = !CJK_CHAR.test(key[0]);
    const wordEnd = !CJK_CHAR.test(key[key.length - 1]);
    for (let i = 0; i + key.length <= f.chars.length; i++) {
      let k = 0;
      while (k < key.length && f.chars[i + k] === key[k]) k++;
      if (k < key.length) continue;
      const j = i + key.length - 1;
      // A Latin word or number must not be part of a longer one (icp in topicpage, 69 in 1690).
      if (wordStart && i > 0 && f.ends[i - 1] === f.starts[i] && !CJK_CHAR.test(f.chars[i - 1])) continue;
      if (wordEnd && j + 1 < f.chars.length && f.starts[j + 1] === f.ends[j] && !CJK_CHAR.test(f.chars[j + 1]))
        continue;
      spans.push({ start: f.starts[i], end: f.ends[j], term: ti });
    }
  });
  return spans.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** Overlapping spans merged, in order (touching ones stay apart: 预算|公开 are two hits). */
function mergeSpans(spans: readonly Span[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

function toParts(text: string, from: number, to: number, spans: readonly Span[]): TextPart[] {
  const parts: TextPart[] = [];
  let pos = from;
  for (const s of mergeSpans(spans.filter((x) => x.start >= from && x.end <= to))) {
    if (s.start > pos) parts.push({ text: text.slice(pos, s.start), hit: false });
    parts.push({ text: text.slice(s.start, s.end), hit: true });
    pos = s.end;
  }
  if (pos < to) parts.push({ text: text.slice(pos, to), hit: false });
  return parts;
}

/** The whole title split into parts, with every occurrence of every term marked. */
export function highlightTitle(title: string, terms: readonly string[]): TextPart[] {
  return toParts(title, 0, title.length, findSpans(title, terms));
}

// Never cut a surrogate pair in two.
function safeCut(text: string, i: number): number {
  if (i <= 0 || i >= text.length) return Math.max(0, Math.min(i, text.length));
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff ? i - 1 : i;
}

/** Only this much of a text is searched for a snippet window, so a very long body costs little. */
export const SNIPPET_SCAN_LENGTH = 20_000;
// Candidate windows considered (one per hit, in order).
const MAX_WINDOW_CANDIDATES = 500;

/**
 * A window of at most `maxLen` characters of the text (whitespace collapsed) with the terms marked: the
 * window that contains the most distinct terms, then the most hits, then the earliest; "…" marks a cut.
 * Without any hit, the beginning of the text.
 */
export function snippet(text: string, terms: readonly string[], maxLen = 120): TextPart[] {
  const collapsed = text
    .slice(0, SNIPPET_SCAN_LENGTH * 2)
    .replace(/\s+/g, ' ')
    .trim();
  const clean = collapsed.slice(0, safeCut(collapsed, SNIPPET_SCAN_LENGTH));
  const more = collapsed.length > clean.length || text.length > SNIPPET_SCAN_LENGTH * 2;
  if (clean === '' || maxLen <= 0) return [];
  const spans = findSpans(clean, terms);
  let from = 0;
  if (clean.length > maxLen && spans.length > 0) {
    const lead = Math.min(Math.floor(maxLen / 5), 20);
    let best = { distinct: -1, count: -1, start: 0 };
    let lo = 0;
    for (const s of spans.slice(0, MAX_WINDOW_CANDIDATES)) {
      const start = Math.max(0, Math.min(s.start - lead, clean.length - maxLen));
      while (lo < spans.length && spans[lo].start < start) lo++;
      const seen = new Set<number>();
      let count = 0;
      for (let k = lo; k < spans.length && spans[k].start < start + maxLen; k++) {
        if (spans[k].end > start + maxLen) continue;
        seen.add(spans[k].term);
        count++;
      }
      if (seen.size > best.distinct || (seen.size === best.distinct && count > best.count))
        best = { distinct: seen.size, count, start };
    }
    from = best.start;
  }
  from = safeCut(clean, from);
  const to = safeCut(clean, Math.min(clean.length, from + maxLen));
  const parts = toParts(clean, from, to, spans);
  const cutBefore = from > 0;
  const cutAfter = to < clean.length || more;
  if (cutBefore) {
    if (parts[0] && !parts[0].hit) parts[0] = { text: `…${parts[0].text.trimStart()}`, hit: false };
    else parts.unshift({ text: '…', hit: false });
  }
  if (cutAfter) {
    const last = parts[parts.length - 1];
    if (last && !last.hit) parts[parts.length - 1] = { text: `${last.text.trimEnd()}…`, hit: false };
    else parts.push({ text: '…', hit: false });
  }
  return parts;
}
