import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly engine: Engine;
  /** The SQLite handle, for consistent backups; undefined on PostgreSQL. */
  readonly sqlite?: SQLite.Database;
  close(): Promise<void>;
}

// PostgreSQL returns int8 (count(*), bigserial) as strings; our ids and counts fit in a JS number.
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));
pg.types.setTypeParser(1700, (v: string) => Number.parseFloat(v));

/** Opens the database named by a `sqlite:` or `postgres://` URL. */
export function openDb(
  url: string,
  opts: { poolSize?: number; sqliteCacheMb?: number; sqliteMmapMb?: number; onIdleError?: (err: Error) => void } = {},
): Db {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const handle = new SQLite(file);
    handle.pragma('journal_mode = WAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 5000');
    handle.pragma('synchronous = NORMAL');
    // SQLite's default page cache is 2 MB, so on a large database (1,000,000 items: 14 GB) every index and
    // row page a search reads became a pread. 256 MB of cache (allocated only as pages are read) and reads
    // through a 1 GiB memory map took search p95 from about 300 to under 100 ms (docs/benchmarks.md).
    handle.pragma(`cache_size = -${(opts.sqliteCacheMb ?? 256) * 1024}`);
    handle.pragma(`mmap_size = ${(opts.sqliteMmapMb ?? 1024) * 1024 * 1024}`);
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
    return {
      kysely,
      engine: 'sqlite',
      sqlite: handle,
      close: () => kysely.destroy(),
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  // An idle pooled connection that the server ends (a PostgreSQL restart, an administrator terminating
  // backends, a test dropping its database) emits 'error' on the pool; unhandled, that would crash the process.
  // The pool drops that connection and opens a new one when needed, so a line on stderr is all it takes.
  pool.on('error', (err) => {
    if (opts.onIdleError) opts.onIdleError(err);
    else process.stderr.write(`postgres: an idle connection failed and was dropped: ${err.message}\n`);
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, engine: 'postgres', close: () => kysely.destroy() };
}

/** True when the database answers a trivial query. */
export async function isReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1 as ok`.execute(db.kysely);
    return true;
  } catch {
    return false;
  }
}

/** Whether an error is a unique-constraint violation, on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
