import { CompiledQuery, Kysely, SqliteDialect, type SqliteStatement } from 'kysely';
import type { Db, Engine } from './database.js';
import type { Database } from './schema.js';

// Multi-row inserts for bulk paths (the import writes hundreds of rows per statement). Kysely builds and
// freezes a node per value and compiles the whole tree for every statement, which for 500 rows of 25
// columns costs more than SQLite takes to insert them. Here the SQL text of a statement shape (table,
// columns, row count, engine) is built once and kept, so a connection that keeps its prepared statements
// (bulkConnection below) prepares each shape once; values are passed positionally, in the order of `columns`.

// Bound parameters per statement: SQLite allows 32,766, PostgreSQL 65,535.
const MAX_PARAMS = 30_000;

/** How many rows of `columns` values fit one statement under the engines' parameter limits. */
export function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.floor(MAX_PARAMS / columns));
}

const texts = new Map<string, string>();

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The SQL of a multi-row insert of one shape, built once and kept. */
export function statementText(
  engine: Engine,
  table: string,
  columns: readonly string[],
  rows: number,
  returning: readonly string[],
) {
  const key = `${engine}\u0000${table}\u0000${columns.join(',')}\u0000${rows}\u0000${returning.join(',')}`;
  let text = texts.get(key);
  if (text) return text;
  const groups: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const marks: string[] = [];
    for (let c = 0; c < columns.length; c++) marks.push(engine === 'postgres' ? `$${++n}` : '?');
    groups.push(`(${marks.join(', ')})`);
  }
  text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${groups.join(', ')}`;
  if (returning.length) text += ` returning ${returning.map(quote).join(', ')}`;
  if (texts.size > 200) texts.clear();
  texts.set(key, text);
  return text;
}

/**
 * Inserts `rows` (each an array of values in the order of `columns`) into `table` with as few statements as
 * the engine's parameter limit allows, in the caller's transaction. Returns the `returning` columns of the
 * inserted rows, in order. Values go to the driver as they are: numbers for SQLite booleans, ISO strings
 * for times, null for NULL.
 */
export async function insertRows<T extends keyof Database & string>(
  trx: Kysely<Database>,
  engine: Engine,
  table: T,
  columns: readonly (keyof Database[T] & string)[],
  rows: readonly (readonly unknown[])[],
  returning: readonly (keyof Database[T] & string)[] = [],
): Promise<Record<string, unknown>[]> {
  if (!columns.length) throw new Error('insertRows: no columns');
  const perStatement = rowsPerStatement(columns.length);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const params: unknown[] = [];
    for (const row of chunk) {
      if (row.length !== columns.length)
        throw new Error(`insertRows: a row of ${table} has ${row.length} values for ${columns.length} columns`);
      for (const v of row) params.push(v);
    }
    const r = await trx.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(statementText(engine, table, columns, chunk.length, returning), params),
    );
    if (returning.length) for (const x of r.rows) out.push(x);
  }
  return out;
}

const BULK_CACHE_KB = 64 * 1024;

/**
 * A Kysely over the same SQLite connection, set up for bulk writes until closed:
 * - it keeps its prepared statements: the import runs the same dozen statements for every row, and
 *   preparing each one anew costs more than running it;
 * - statement journals stay in memory: a multi-row insert into a table with unique indexes inside a
 *   transaction records the old content of every page it touches, so that it can undo itself alone, and
 *   SQLite writes that record to a temporary file once it passes 64 KB, two system calls a page, about 3
 *   pages an imported item;
 * - the page cache is 64 MB instead of the server's 256 MB. A bulk write touches new pages all the time
 *   (each item's row, and index pages across the whole database); while the cache is below its limit every
 *   one of them is a fresh allocation of fresh memory, which cost the import of 20,000 items into a million
 *   more than re-reading the few pages that a smaller cache lets go (1.2–1.35× the items per second, in
 *   alternating runs).
 * Closing it restores the connection's settings and leaves it open. PostgreSQL: the database as it is.
 */
export function bulkConnection(db: Db): { db: Db; close: () => Promise<void> } {
  const handle = db.sqlite;
  if (!handle) return { db, close: async () => {} };
  const tempStore = Number(handle.pragma('temp_store', { simple: true }));
  const cacheSize = Number(handle.pragma('cache_size', { simple: true }));
  handle.pragma('temp_store = MEMORY');
  handle.pragma(`cache_size = -${BULK_CACHE_KB}`);
  const cache = new Map<string, SqliteStatement>();
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: {
        close: () => {},
        prepare: (sql: string) => {
          let st = cache.get(sql);
          if (!st) {
            st = handle.prepare(sql) as unknown as SqliteStatement;
            if (cache.size > 500) cache.clear();
            cache.set(sql, st);
          }
          return st;
        },
      },
    }),
  });
  return {
    db: { ...db, kysely, close: () => db.close() },
    close: async () => {
      await kysely.destroy();
      if (!handle.open) return;
      handle.pragma(`temp_store = ${tempStore}`);
      handle.pragma(`cache_size = ${cacheSize}`);
    },
  };
}
