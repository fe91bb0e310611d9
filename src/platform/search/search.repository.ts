import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Engine } from '../../db/database.js';
import type { Database, SearchDocTable } from '../../db/schema.js';
import { beijingDate } from '../time.js';
import { isSafeToken, MAX_FIELD_TOKENS, MAX_TITLE_TOKENS, type QueryToken, tokensFor } from './segment.js';

// All SQL of the search index (table search_docs; on SQLite the external-content FTS5 table search_fts kept
// in sync by triggers, on PostgreSQL the generated, GIN-indexed tsvector column tsv). Both engines receive
// the same tokens from segment.ts; only the match expression differs.
//
// Ranking, identical on both engines, so they return the same hits in the same order:
//   1. score = how many of the query's terms occur in the title (with the 文号): a title holding every term
//      first, then one holding some of them, then body-only matches;
//   2. newest published_at; 3. highest item id.
// The title test is a substring test on the stored token string (" 政务 务公 公开 " within
// " " || title_tokens || " "), which is exactly phrase matching because tokens never contain spaces.
//
// Why not bm25() / ts_rank_cd(): measured on 1,000,000 corpus documents, FTS5's bm25 computes each phrase's
// document frequency by evaluating the phrase over the whole index (120–260 ms for 人民政府, in 69 % of the
// documents) and an FTS5 column filter ({title_tokens}:) also reads the whole doclists (75 ms), so neither
// can stay under 100 ms for common words; on PostgreSQL ts_rank_cd decompresses every candidate's tsvector.
// Ordering by title terms, then date, costs ~20 ms at any size and is the same on both engines.
//
// Bounded work: a query ranks at most `candidates` matches (default MAX_CANDIDATES): those with the highest
// item ids, i.e. the most recently created. FTS5 streams matches in rowid order and stops there; PostgreSQL
// takes the same set. Beside them, the newest `titleCandidates` documents whose title holds every term come
// from a title index (migration 0011), so a title match is ranked first however old it is. When more
// documents match, the result says so (`capped`) and `total` counts what was ranked.

/** Matches ranked per query at most; beyond it the newest (by item id) are ranked and `capped` is set. */
export const MAX_CANDIDATES = 1_000;
/** Documents whose title holds every term, ranked per query at most besides the candidates (the newest). */
export const MAX_TITLE_CANDIDATES = 1_000;

/** What the publishing module hands over when an item is published or republished. */
export interface SearchDocInput {
  itemId: number;
  organizationId: number;
  columnId: number;
  /** The filterable type of the item (the column kind or the genre, as the caller decides). */
  kind: string;
  /** ISO-8601 instant of (first) publication. */
  publishedAt: string;
  /** Publication year for the year filter; defaults to the year of publishedAt in Beijing time. */
  year?: number;
  title: string;
  /** 文号 such as 厦湖府办〔2017〕69号: indexed with the title, so a lookup by number ranks it first. */
  docNumber?: string;
  keywords?: string;
  summary?: string;
  /** Plain text of the body (see htmlToText). */
  body: string;
}

/** A phrase: tokens that must appear adjacent and in this order. A query is a list of phrases, all required. */
export type TokenPhrase = readonly QueryToken[];

export interface SearchFilters {
  phrases: readonly TokenPhrase[];
  organizationId?: number;
  columnId?: number;
  year?: number;
  kind?: string;
  limit: number;
  offset: number;
  /** How many matches to rank at most (default MAX_CANDIDATES). */
  candidates?: number;
  /** How many title matches to rank at most besides them (default MAX_TITLE_CANDIDATES). */
  titleCandidates?: number;
  /**
   * PostgreSQL: how the candidates are found (see pgOrdered in search.repository.ts); 'auto' (the default) lets the planner's
   * estimate decide, the others are for tests and measurements.
   */
  pgCandidates?: 'auto' | 'direct' | 'ordered';
}

export interface SearchHit {
  itemId: number;
  title: string;
  publishedAt: string;
  organizationId: number;
  columnId: number;
  /** True when the title (with the document number) matches every query term. */
  titleHit: boolean;
  /** How many of the query's terms the title (with the document number) matches; the first sort key. */
  score: number;
}

export interface SearchPage {
  /** Documents ranked: matching documents counted up to the candidate cap, plus older title matches. */
  total: number;
  /** More documents match than were ranked: the oldest body-only matches were left out. */
  capped: boolean;
  hits: SearchHit[];
}

/** The search_docs row of a document: the tokens of title + document number, and of keywords + summary + body. */
export function searchDocRow(doc: SearchDocInput): SearchDocTable {
  const year = doc.year ?? Number(beijingDate(new Date(doc.publishedAt)).slice(0, 4));
  if (!Number.isInteger(year)) throw new Error(`search: item ${doc.itemId} has no valid publishedAt/year`);
  // Line breaks between the fields, so no bigram joins the end of one to the start of the next.
  const head = [doc.title, doc.docNumber ?? ''].join('\n');
  const body = [doc.keywords ?? '', doc.summary ?? '', doc.body].join('\n');
  return {
    item_id: doc.itemId,
    organization_id: doc.organizationId,
    column_id: doc.columnId,
    year,
    kind: doc.kind,
    published_at: doc.publishedAt,
    title: doc.title,
    title_tokens: tokensFor(head, MAX_TITLE_TOKENS),
    body_tokens: tokensFor(body, MAX_FIELD_TOKENS),
  };
}

// 9 columns a row: 400 rows stay far below SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
const BATCH_ROWS = 400;

/**
 * Inserts or replaces the index entries of documents (one statement per 400 rows; the last entry wins when an
 * item appears twice); call inside the item's transaction.
 */
export async function indexDocuments(trx: Kysely<Database>, docs: readonly SearchDocInput[]): Promise<void> {
  // PostgreSQL refuses one INSERT … ON CONFLICT that touches the same row twice.
  const unique = [...new Map(docs.map((d) => [d.itemId, d])).values()];
  for (let i = 0; i < unique.length; i += BATCH_ROWS) {
    const rows = unique.slice(i, i + BATCH_ROWS).map(searchDocRow);
    await trx
      .insertInto('search_docs')
      .values(rows)
      .onConflict((oc) =>
        oc.column('item_id').doUpdateSet((eb) => ({
          organization_id: eb.ref('excluded.organization_id'),
          column_id: eb.ref('excluded.column_id'),
          year: eb.ref('excluded.year'),
          kind: eb.ref('excluded.kind'),
          published_at: eb.ref('excluded.published_at'),
          title: eb.ref('excluded.title'),
          title_tokens: eb.ref('excluded.title_tokens'),
          body_tokens: eb.ref('excluded.body_tokens'),
        })),
      )
      .execute();
  }
}

/** Inserts or replaces the index entry of one document. */
export function indexDocument(trx: Kysely<Database>, doc: SearchDocInput): Promise<void> {
  return indexDocuments(trx, [doc]);
}

/** Removes a document from the index (on withdrawal); true when it was there. */
export async function removeDocument(trx: Kysely<Database>, itemId: number): Promise<boolean> {
  const r = await trx.deleteFrom('search_docs').where('item_id', '=', itemId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Number of indexed documents. */
export async function countDocuments(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('search_docs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// ---------------------------------------------------------------------------------------------------------
// Query strings. Tokens are letters and digits only (checked again here), and each is quoted, so nothing a
// visitor types can become FTS5 or tsquery syntax; the strings travel as bound parameters.

function checkTokens(phrases: readonly TokenPhrase[]): void {
  for (const p of phrases) {
    if (p.length === 0) throw new Error('search: empty phrase');
    p.forEach((t, i) => {
      if (!isSafeToken(t.text)) throw new Error(`search: unsafe token ${JSON.stringify(t.text)}`);
      if (t.prefix && i !== p.length - 1) throw new Error('search: only the last token of a phrase can be a prefix');
    });
  }
}

/**
 * The FTS5 MATCH expression: each phrase as one quoted string ("政务 务公 公开", a lone last character as a
 * prefix "69 号"*), all required (AND).
 */
export function ftsMatch(phrases: readonly TokenPhrase[]): string {
  checkTokens(phrases);
  return phrases.map((p) => `"${p.map((t) => t.text).join(' ')}"${p[p.length - 1].prefix ? '*' : ''}`).join(' AND ');
}

/**
 * The PostgreSQL tsquery text for to_tsquery('simple', …): tokens of a phrase joined by <-> (adjacent), a
 * prefix as :*, phrases joined by &.
 */
/** One token as a tsquery operand (a prefix with :*); the tokens were checked by checkTokens. */
const tsLexeme = (t: TokenPhrase[number]) => `'${t.text}'${t.prefix ? ':*' : ''}`;

export function tsQuery(phrases: readonly TokenPhrase[]): string {
  checkTokens(phrases);
  return phrases
    .map((p) => {
      const ops = p.map(tsLexeme);
      return ops.length > 1 ? `(${ops.join(' <-> ')})` : ops[0];
    })
    .join(' & ');
}

/**
 * The tsquery of every token of every phrase, without positions (`'行政' & '政处' & '处罚'`): what the GIN index
 * answers exactly, without reading the documents (see pgOrdered).
 */
export function tsAndQuery(phrases: readonly TokenPhrase[]): string {
  checkTokens(phrases);
  return phrases.flat().map(tsLexeme).join(' & ');
}

type FilterFields = Pick<SearchFilters, 'organizationId' | 'columnId' | 'year'>;

/**
 * The filters given, as the tokens both engines index (`_o8 _c12 _y2024`: SQLite's filter_tokens column,
 * migration 0005; PostgreSQL's tsvector, migration 0014). Ids and years are whole numbers ≥ 0 in the index;
 * any other value gives null: no document has it.
 */
function filterTokens(f: FilterFields): (string | null)[] {
  const token = (prefix: string, n: number) => (Number.isSafeInteger(n) && n >= 0 ? `_${prefix}${n}` : null);
  const out: (string | null)[] = [];
  if (f.organizationId !== undefined) out.push(token('o', f.organizationId));
  if (f.columnId !== undefined) out.push(token('c', f.columnId));
  if (f.year !== undefined) out.push(token('y', f.year));
  return out;
}

/**
 * PostgreSQL: the filters as a tsquery of lexemes the tsvector holds (`'_o8' & '_y2024'`), to be ANDed with
 * the words' query as a tsquery value (to_tsquery would strip the '_'), so the GIN index intersects them with
 * the words; the column conditions stay in the query as well. Null without filters; a value that cannot be
 * one leaves its lexeme out (its column condition then matches nothing).
 */
export function filterLexemes(f: FilterFields): string | null {
  const terms = filterTokens(f).filter((t): t is string => t !== null);
  return terms.length ? terms.map((t) => `'${t}'`).join(' & ') : null;
}

/** SQLite: the filters as required terms of the FTS5 match; a value that cannot be one matches nothing. */
export function filterMatch(f: FilterFields): string {
  return filterTokens(f)
    .map((t) => ` AND "${t ?? '_none'}"`)
    .join('');
}

interface HitRow {
  item_id: number;
  title: string;
  published_at: string;
  organization_id: number;
  column_id: number;
  score: number;
  total: number;
  matched: number;
}

/** The substring of " " + title_tokens + " " that a phrase's occurrence makes (no closing space for a prefix). */
export function titleNeedle(phrase: TokenPhrase): string {
  checkTokens([phrase]);
  return ` ${phrase.map((t) => t.text).join(' ')}${phrase[phrase.length - 1].prefix ? '' : ' '}`;
}

/**
 * PostgreSQL: whether to find the candidates in two steps. A phrase of several tokens is checked against
 * each document's positions, which means reading (and decompressing) its tsvector: 15–20 µs a document. The
 * planner reads the newest documents backwards and checks each when it expects many matches (stopping at the
 * cap), and otherwise takes every match from the GIN index and checks them all — but it multiplies the
 * tokens' frequencies as if they were independent, and the bigrams of one phrase are not: 行政处罚 is
 * expected in 2 % of the documents and is in 14 %, 专项检查结果公示 in 0.001 % and is in 12 %, and checking
 * all their matches took 255 and 264 ms at 100,000 documents. The two steps, used when the planner chooses
 * the GIN index for a query with such a phrase: the documents holding every token, which the index answers
 * without reading them, newest first; then the phrase checked on those, stopping at the cap (53 ms for
 * 专项检查结果公示). When the planner expects many matches its backward reading stays (人民政府: 39 ms,
 * against 650 ms in two steps). The same holds for the title query, whose check computes the title's tsvector.
 * Asking the planner (EXPLAIN, both queries at once) costs about a millisecond.
 */
async function pgOrdered(db: Kysely<Database>, f: SearchFilters, cand: RawBuilder<unknown>): Promise<boolean> {
  const mode = f.pgCandidates ?? 'auto';
  if (mode !== 'auto') return mode === 'ordered';
  if (!f.phrases.some((p) => p.length > 1)) return false;
  const { rows } = await sql<Record<string, unknown>>`explain (format json) ${cand}`.execute(db);
  return JSON.stringify(rows[0] ?? {}).includes('"Bitmap Heap Scan"');
}

/**
 * One page of documents matching every phrase, with the filters, in ranking order (see above), and the
 * number of matching documents (up to the candidate cap, plus older documents whose title matches).
 */
export async function searchDocuments(db: Kysely<Database>, engine: Engine, f: SearchFilters): Promise<SearchPage> {
  if (f.phrases.length === 0) return { total: 0, capped: false, hits: [] };
  const cap = Math.max(1, Math.trunc(f.candidates ?? MAX_CANDIDATES));
  const titleCap = Math.max(1, Math.trunc(f.titleCandidates ?? MAX_TITLE_CANDIDATES));

  const filters: RawBuilder<unknown>[] = [];
  if (f.organizationId !== undefined) filters.push(sql`organization_id = ${f.organizationId}`);
  if (f.columnId !== undefined) filters.push(sql`column_id = ${f.columnId}`);
  if (f.year !== undefined) filters.push(sql`year = ${f.year}`);
  const indexed = filters.length > 0 ? sql.join(filters, sql` and `) : null;

  // The engine-specific part: the ids of the newest cap + 1 matches (the extra one tells whether the cap was
  // reached), the ids of the newest titleCap documents whose title holds every phrase, and the name of the
  // substring function.
  let cand: RawBuilder<unknown>;
  let titled: RawBuilder<unknown>;
  let contains: (needle: string) => RawBuilder<unknown>;
  if (engine === 'sqlite') {
    // Organization, column and year are tokens of the FTS5 column filter_tokens (migration 0005), so a
    // filter is one more term of the MATCH and FTS5 stops after the newest cap + 1 documents that have it;
    // only `kind`, which has no token, joins rows. The title index (migration 0011) has the same filter tokens.
    const match = ftsMatch(f.phrases) + filterMatch(f);
    const kindJoin = (alias: string) =>
      f.kind !== undefined
        ? sql`join search_docs k on k.item_id = ${sql.ref(alias)}.rowid and k.kind = ${f.kind}`
        : sql``;
    cand = sql`select f.rowid as id from search_fts f ${kindJoin('f')}
      where search_fts match ${match} order by f.rowid desc limit ${cap + 1}`;
    titled = sql`select t.rowid as id from search_title_fts t ${kindJoin('t')}
      where search_title_fts match ${match} order by t.rowid desc limit ${titleCap}`;
    contains = (needle) => sql`(instr(' ' || r.title_tokens || ' ', ${needle}) > 0)`;
  } else {
    const query = tsQuery(f.phrases);
    const rest = [...(indexed ? [indexed] : []), ...(f.kind !== undefined ? [sql`kind = ${f.kind}`] : [])];
    const where = (match: RawBuilder<unknown>) => sql.join([match, ...rest], sql` and `);
    // The filters are lexemes of tsv too (migration 0014): the GIN index finds the documents that have the words
    // and the filters at once, instead of the planner walking back through the newest documents.
    const lexemes = filterLexemes(f);
    const withFilters = (q: RawBuilder<unknown>) => (lexemes ? sql`(${q} && ${lexemes}::tsquery)` : q);
    const words = sql`to_tsquery('simple', ${query})`;
    cand = sql`select d.item_id as id from search_docs d
      where ${where(sql`d.tsv @@ ${withFilters(words)}`)}
      order by d.item_id desc limit ${cap + 1}`;
    // The GIN expression index search_docs_title_tsv (migration 0011).
    const titleTsv = (alias: string) => sql`to_tsvector('simple', ${sql.ref(`${alias}.title_tokens`)})`;
    titled = sql`select d.item_id as id from search_docs d
      where ${where(sql`${titleTsv('d')} @@ ${words}`)}
      order by d.item_id desc limit ${titleCap}`;
    const [orderedCand, orderedTitled] = await Promise.all([pgOrdered(db, f, cand), pgOrdered(db, f, titled)]);
    // The two steps (see pgOrdered): the documents with every token from the GIN index, newest first, then
    // the phrases checked by a scalar subquery per document, which the planner cannot turn into a join that
    // checks every document (as it does with EXISTS), so the checking stops at `limit`.
    const all = sql`to_tsquery('simple', ${tsAndQuery(f.phrases)})`;
    const twoSteps = (tsv: (alias: string) => RawBuilder<unknown>, every: RawBuilder<unknown>, limit: number) =>
      sql`with every_token as materialized (
          select d.item_id as id from search_docs d where ${where(sql`${tsv('d')} @@ ${every}`)})
        select s.id from (select id from every_token order by id desc) s
        where (select ${tsv('p')} @@ ${words} from search_docs p where p.item_id = s.id)
        order by s.id desc limit ${limit}`;
    if (orderedCand) cand = twoSteps((alias) => sql.ref(`${alias}.tsv`), withFilters(all), cap + 1);
    if (orderedTitled) titled = twoSteps(titleTsv, all, titleCap);
    contains = (needle) => sql`(strpos(' ' || r.title_tokens || ' ', ${needle}) > 0)::int`;
  }
  const score = sql.join(
    f.phrases.map((p) => contains(titleNeedle(p))),
    sql` + `,
  );

  // The documents ranked: the newest `cap` matches and the title matches (a title holding every phrase is a
  // match too, so both sets obey the query; `union` counts a document in both once).
  const pool = sql`cand as materialized (${cand}),
    titled as materialized (${titled}),
    lo as (select min(id) as v from (select id from cand order by id desc limit ${cap}) x),
    pool as (select id from cand where id >= (select v from lo) union select id from titled)`;

  // Ranking reads only item_id, published_at and title_tokens of the pool — on SQLite from the covering
  // index search_docs_rank (migration 0005) rather than the wide rows — and the page's rows are read last.
  const rankFrom = engine === 'sqlite' ? sql`search_docs r indexed by search_docs_rank` : sql`search_docs r`;
  const { rows } = await sql<HitRow>`
    with ${pool},
    ranked as (
      select r.item_id, r.published_at, ${score} as score
      from pool c join ${rankFrom} on r.item_id = c.id
      order by score desc, r.published_at desc, r.item_id desc
      limit ${f.limit} offset ${f.offset})
    select d.item_id, d.title, d.published_at, d.organization_id, d.column_id, ranked.score,
      (select count(*) from pool) as total, (select count(*) from cand) as matched
    from ranked join search_docs d on d.item_id = ranked.item_id
    order by ranked.score desc, ranked.published_at desc, ranked.item_id desc`.execute(db);

  let total = rows.length > 0 ? Number(rows[0].total) : 0;
  let matched = rows.length > 0 ? Number(rows[0].matched) : 0;
  if (rows.length === 0 && f.offset > 0) {
    // Past the last page: no row to read the counts from.
    const r = await sql<{ total: number; matched: number }>`with ${pool}
      select (select count(*) from pool) as total, (select count(*) from cand) as matched`.execute(db);
    total = Number(r.rows[0]?.total ?? 0);
    matched = Number(r.rows[0]?.matched ?? 0);
  }
  return {
    total,
    capped: matched > cap,
    hits: rows.map((r) => ({
      itemId: Number(r.item_id),
      title: r.title,
      publishedAt: r.published_at,
      organizationId: Number(r.organization_id),
      columnId: Number(r.column_id),
      titleHit: Number(r.score) === f.phrases.length,
      score: Number(r.score),
    })),
  };
}
