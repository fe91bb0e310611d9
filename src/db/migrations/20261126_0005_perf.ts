import { type Kysely, sql } from 'kysely';
import { isPostgres } from './util.js';

// Search filters inside the FTS5 query (SQLite). Until now a search with an organization, column or year
// filter first collected every matching item id from search_docs (100,000 ids for one year at 1,000,000
// items; a full scan of the filter index for a year, which does not lead it) and then walked about ten times
// as many FTS matches to fill the candidate list. Now each document also carries the tokens `_o<organization>
// _c<column> _y<year>` in a third FTS5 column, and a filter is one more required term of the MATCH, so FTS5
// intersects the doclists and stops after the newest candidates. The tokens start with `_`, which the
// tokenizer keeps inside a token (tokenchars '_') and which no text token contains (they are letters and
// digits only), so they match nothing else and need no column filter. The column's values come from a view,
// so search_docs keeps its shape. PostgreSQL is unchanged: its filters are plain conditions beside the GIN
// match.
const TOKENIZE = `unicode61 remove_diacritics 0 tokenchars '_'`;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  for (const t of ['search_docs_au', 'search_docs_ad', 'search_docs_ai'])
    await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists search_fts`.execute(db);
  await sql`create view search_docs_fts as select item_id, title_tokens, body_tokens,
    '_o' || organization_id || ' _c' || column_id || ' _y' || year as filter_tokens from search_docs`.execute(db);
  await sql
    .raw(
      `create virtual table search_fts using fts5(title_tokens, body_tokens, filter_tokens, content='search_docs_fts', content_rowid='item_id', tokenize="${TOKENIZE}")`,
    )
    .execute(db);
  const newRow = `new.item_id, new.title_tokens, new.body_tokens, '_o' || new.organization_id || ' _c' || new.column_id || ' _y' || new.year`;
  const oldRow = `old.item_id, old.title_tokens, old.body_tokens, '_o' || old.organization_id || ' _c' || old.column_id || ' _y' || old.year`;
  const cols = 'rowid, title_tokens, body_tokens, filter_tokens';
  await sql
    .raw(
      `create trigger search_docs_ai after insert on search_docs begin insert into search_fts(${cols}) values (${newRow}); end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger search_docs_ad after delete on search_docs begin insert into search_fts(search_fts, ${cols}) values ('delete', ${oldRow}); end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger search_docs_au after update on search_docs begin insert into search_fts(search_fts, ${cols}) values ('delete', ${oldRow}); insert into search_fts(${cols}) values (${newRow}); end`,
    )
    .execute(db);
  // Indexes every existing document again (about as long as indexing them took: 18 minutes at 1,000,000
  // items on a busy 2-core machine).
  await sql`insert into search_fts(search_fts) values ('rebuild')`.execute(db);
  // Ranking reads the date and title tokens of up to 5,000 candidates. From the table each is a random read
  // of a wide row (the body tokens live there too): 150–900 ms at 1,000,000 items with a cold cache. This
  // covering index holds just those columns, about 200 bytes an entry, so the candidates' entries sit on a
  // few hundred pages.
  await sql`create index search_docs_rank on search_docs(item_id, published_at, title_tokens)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`drop index if exists search_docs_rank`.execute(db);
  for (const t of ['search_docs_au', 'search_docs_ad', 'search_docs_ai'])
    await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists search_fts`.execute(db);
  await sql`drop view if exists search_docs_fts`.execute(db);
  await sql`create virtual table search_fts using fts5(title_tokens, body_tokens, content='search_docs', content_rowid='item_id', tokenize='unicode61 remove_diacritics 0')`.execute(
    db,
  );
  await sql`create trigger search_docs_ai after insert on search_docs begin insert into search_fts(rowid, title_tokens, body_tokens) values (new.item_id, new.title_tokens, new.body_tokens); end`.execute(
    db,
  );
  await sql`create trigger search_docs_ad after delete on search_docs begin insert into search_fts(search_fts, rowid, title_tokens, body_tokens) values ('delete', old.item_id, old.title_tokens, old.body_tokens); end`.execute(
    db,
  );
  await sql`create trigger search_docs_au after update on search_docs begin insert into search_fts(search_fts, rowid, title_tokens, body_tokens) values ('delete', old.item_id, old.title_tokens, old.body_tokens); insert into search_fts(rowid, title_tokens, body_tokens) values (new.item_id, new.title_tokens, new.body_tokens); end`.execute(
    db,
  );
  await sql`insert into search_fts(search_fts) values ('rebuild')`.execute(db);
}
