import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db, type Engine, openDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

// Test databases: a fresh migrated SQLite in memory, or a fresh PostgreSQL database on the throwaway
// cluster that scripts/test.mjs starts (its admin URL is in GONGKAI_TEST_PG_URL).

/** The engines the integration tests run on here: SQLite always, PostgreSQL when a cluster is up. */
export function testEngines(): Engine[] {
  return process.env.GONGKAI_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDb extends Db {
  url: string;
  /** Closes the connection and drops the database. */
  dispose(): Promise<void>;
}

/** A new, empty, migrated database on the engine. */
export async function createTestDb(engine: Engine): Promise<TestDb> {
  if (engine === 'sqlite') {
    const url = 'sqlite::memory:';
    const db = openDb(url);
    await migrateToLatest(db);
    return Object.assign(db, { url, dispose: () => db.close() });
  }
  const admin = process.env.GONGKAI_TEST_PG_URL;
  if (!admin) throw new Error('GONGKAI_TEST_PG_URL is not set');
  const name = `gk_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  // Dropping the database at the end terminates any connection still closing: expected, not worth a line.
  const db = openDb(url, { poolSize: 5, onIdleError: () => {} });
  await migrateToLatest(db);
  return Object.assign(db, {
    url,
    dispose: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  });
}
