import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';

// Helpers that let one migration file run on SQLite and PostgreSQL.

/** Adds an auto-incrementing integer primary key named `id` in the engine's own way. */
export function withId<T extends string>(db: Kysely<unknown>, table: CreateTableBuilder<T, never>) {
  return isPostgres(db)
    ? table.addColumn('id', 'serial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter.constructor.name.toLowerCase().includes('postgres');
}

export const notNull = (c: ColumnDefinitionBuilder) => c.notNull();
