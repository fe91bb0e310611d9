import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openDb } from './database.js';

describe('PostgreSQL pool', { skip: process.env.GONGKAI_TEST_PG_URL ? false : 'no PostgreSQL cluster' }, () => {
  test('an idle connection ended by the server is dropped, reported, and the next query gets a new one', async () => {
    const admin = process.env.GONGKAI_TEST_PG_URL as string;
    const errors: string[] = [];
    const db = openDb(admin, { poolSize: 2, onIdleError: (e) => errors.push(e.message) });
    try {
      const first = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely);
      const pid = first.rows[0].pid;
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query('select pg_terminate_backend($1)', [pid]);
      await c.end();
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(errors.length, 1, 'the pool reported the lost connection instead of crashing the process');
      assert.match(errors[0], /terminat/);
      const next = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely);
      assert.notEqual(next.rows[0].pid, pid, 'a new connection');
    } finally {
      await db.close();
    }
  });
});
