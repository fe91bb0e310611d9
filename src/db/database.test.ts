import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestDb, testEngines } from '../testing/db.js';
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

describe('partial indexes on items (migration 0012)', () => {
  for (const engine of testEngines()) {
    test(`${engine}: the due-scheduled and replacement lookups can use them, and only matching rows are in them`, async () => {
      const db = await createTestDb(engine);
      try {
        if (engine === 'sqlite') {
          const lite = db.sqlite;
          assert.ok(lite);
          const plan = (q: { sql: string; parameters: readonly unknown[] }) =>
            (lite.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as { detail: string }[])
              .map((r) => r.detail)
              .join('\n');
          // The query of dueScheduled (publishing.repository.ts), which runs it at once.
          const due = db.kysely
            .selectFrom('items')
            .select(['id'])
            .where('status', '=', 'scheduled')
            .where('scheduled_at', '<=', '2026-11-26T00:00:00.000Z')
            .limit(100);
          assert.match(plan(due.compile()), /USING (COVERING )?INDEX items_scheduled \(scheduled_at<\?\)/);
          const pointing = db.kysely.selectFrom('items').select('id').where('replacement_item_id', '=', 7);
          assert.match(
            plan(pointing.compile()),
            /USING (COVERING )?INDEX items_replacement \(replacement_item_id=\?\)/,
          );
          const sqlOf = (name: string) =>
            (lite.prepare('select sql from sqlite_master where name = ?').get(name) as { sql: string }).sql;
          assert.match(sqlOf('items_scheduled'), /where "status" = 'scheduled'/i);
          assert.match(sqlOf('items_replacement'), /where "replacement_item_id" is not null/i);
        } else {
          const r = await sql<{ indexname: string; indexdef: string }>`
            select indexname, indexdef from pg_indexes where indexname in ('items_scheduled', 'items_replacement')
            order by indexname`.execute(db.kysely);
          assert.equal(r.rows.length, 2);
          assert.match(r.rows[0].indexdef, /WHERE \(replacement_item_id IS NOT NULL\)/);
          assert.match(r.rows[1].indexdef, /WHERE \(status = 'scheduled'::text\)/);
        }
      } finally {
        await db.dispose();
      }
    });
  }
});
