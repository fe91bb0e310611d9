import { type Kysely, sql } from 'kysely';
import { isPostgres } from './util.js';

// PostgreSQL: the search filters (organization, column, year) as lexemes of the GIN-indexed tsvector, as
// migration 0005 made them terms of the FTS5 match on SQLite. A query for a common word within one
// organization or year was planned as a backward scan of the primary key, testing each document's tsvector
// until 1,001 matched: 340–970 ms at 100,000 documents (解读 in 2024, 公开 in one organization), because the
// planner cannot know the filter and the word are rarely true together. With the filter as a lexeme the GIN
// index intersects both and the same queries take 3–60 ms. The lexemes are those of SQLite's filter tokens
// (_o8 _c12 _y2021), put in with array_to_tsvector, which keeps them as they are: no text and no query goes
// through the parser with its '_' intact, so nobody can type them, and neither engine finds a document by
// them. The column conditions stay in the query as well. SQLite: nothing to do.
//
// A generated column cannot change its expression before PostgreSQL 17, so the column is dropped and added
// again: the table is rewritten and its GIN index rebuilt (about a minute at 100,000 documents here).

const TEXT_TSV = sql`setweight(to_tsvector('simple', title_tokens), 'A') || setweight(to_tsvector('simple', body_tokens), 'B')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop index if exists search_docs_tsv`.execute(db);
  await sql`alter table search_docs drop column tsv`.execute(db);
  await sql`alter table search_docs add column tsv tsvector generated always as (${TEXT_TSV} || array_to_tsvector(array['_o' || organization_id::text, '_c' || column_id::text, '_y' || year::text])) stored`.execute(
    db,
  );
  await sql`create index search_docs_tsv on search_docs using gin (tsv)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop index if exists search_docs_tsv`.execute(db);
  await sql`alter table search_docs drop column tsv`.execute(db);
  await sql`alter table search_docs add column tsv tsvector generated always as (${TEXT_TSV}) stored`.execute(db);
  await sql`create index search_docs_tsv on search_docs using gin (tsv)`.execute(db);
}
