import { type Kysely, sql } from 'kysely';
import { isPostgres } from './util.js';

// A title index beside the full-text index, so a search finds documents whose title holds every term however
// old they are. The full-text candidates stop at the newest matches (search.repository.ts, MAX_CANDIDATES):
// without this, a common word's title matches older than those were never ranked. Titles are about 30 tokens
// against 600 for a body, so these doclists are short and the lookup costs a few milliseconds at 1,000,000
// documents.
//
// SQLite: a second external-content FTS5 table over the same view as search_fts (title tokens and the filter
// tokens of migration 0005, so filters stay terms of the MATCH), kept in step by its own triggers on
// search_docs. Building it reads every search_docs row once (about 90 s at 1,000,000 documents).
// PostgreSQL: a GIN expression index on the title tokens' tsvector (no table rewrite).
const TOKENIZE = `unicode61 remove_diacritics 0 tokenchars '_'`;
const TRIGGERS = ['search_docs_title_ai', 'search_docs_title_ad', 'search_docs_title_au'];

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`create index if not exists search_docs_title_tsv on search_docs using gin (to_tsvector('simple', title_tokens))`.execute(
      db,
    );
    return;
  }
  await sql
    .raw(
      `create virtual table search_title_fts using fts5(title_tokens, filter_tokens, content='search_docs_fts', content_rowid='item_id', tokenize="${TOKENIZE}")`,
    )
    .execute(db);
  const row = (r: 'new' | 'old') =>
    `${r}.item_id, ${r}.title_tokens, '_o' || ${r}.organization_id || ' _c' || ${r}.column_id || ' _y' || ${r}.year`;
  const cols = 'rowid, title_tokens, filter_tokens';
  await sql
    .raw(
      `create trigger search_docs_title_ai after insert on search_docs begin insert into search_title_fts(${cols}) values (${row('new')}); end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger search_docs_title_ad after delete on search_docs begin insert into search_title_fts(search_title_fts, ${cols}) values ('delete', ${row('old')}); end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger search_docs_title_au after update on search_docs begin insert into search_title_fts(search_title_fts, ${cols}) values ('delete', ${row('old')}); insert into search_title_fts(${cols}) values (${row('new')}); end`,
    )
    .execute(db);
  await sql`insert into search_title_fts(search_title_fts) values ('rebuild')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop index if exists search_docs_title_tsv`.execute(db);
    return;
  }
  for (const t of TRIGGERS) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists search_title_fts`.execute(db);
}
