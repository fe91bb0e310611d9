import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { walCheckpointer } from './checkpoint.js';
import { type Db, openDb } from './database.js';

describe('WAL checkpoint thread', () => {
  let dir: string;
  let file: string;
  let db: Db;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-ckpt-'));
    file = path.join(dir, 'test.sqlite');
    db = openDb(`sqlite:${file}`);
    await sql`create table t (id integer primary key, body text not null)`.execute(db.kysely);
  });
  after(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const writeBatch = (k: number) =>
    db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < 50; i++)
        await sql`insert into t (body) values (${`${k}-${i}-${'正文'.repeat(800)}`})`.execute(trx);
    });
  const walPages = () => fs.statSync(`${file}-wal`).size / (4096 + 24);

  test('copies the batches into the database on its own thread, keeps the log short, then hands checkpoints back', async () => {
    const handle = db.sqlite as SQLite.Database;
    assert.equal(handle.pragma('wal_autocheckpoint', { simple: true }), 1000);
    const ck = walCheckpointer(db, { limitPages: 200, everyRows: 400 });
    assert.ok(ck, 'a checkpointer for a WAL database on disk');
    assert.equal(handle.pragma('wal_autocheckpoint', { simple: true }), 0, "the writer's own checkpoints are off");
    let largest = 0;
    for (let k = 0; k < 40; k++) {
      await writeBatch(k);
      await ck.committed(50);
      largest = Math.max(largest, walPages());
    }
    const stats = await ck.finish();
    assert.ok(stats.checkpoints >= 2, `checkpoints ran (${stats.checkpoints})`);
    if (process.platform !== 'win32')
      assert.ok(stats.syncs >= 1, `the thread synced the database file after its checkpoints (${stats.syncs})`);
    // 40 batches log about 40 × 50 × 1.6 pages; with the limit at 200 pages the log starts over again and
    // again instead of holding all of them.
    assert.ok(largest < 1500, `the log stayed short (${Math.round(largest)} pages at most)`);
    assert.equal(handle.pragma('wal_autocheckpoint', { simple: true }), 1000, 'automatic checkpoints are back');
    // Everything committed is in the database file itself: a checkpoint now has nothing left to copy.
    const [r] = handle.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    assert.equal(r.checkpointed, r.log);
    const other = new SQLite(file, { readonly: true });
    try {
      assert.equal((other.prepare('select count(*) as n from t').get() as { n: number }).n, 40 * 50);
    } finally {
      other.close();
    }
  });

  test('the descriptor it syncs the database file with is opened once for the process, not once a run', async () => {
    // Closing a descriptor would drop SQLite's locks on the file, so the thread keeps one; runs must not add more.
    const descriptors = () =>
      fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`) === fs.realpathSync(file);
        } catch {
          return false;
        }
      }).length;
    if (process.platform !== 'linux') return;
    const run = async () => {
      const ck = walCheckpointer(db, { everyRows: 50 });
      for (let k = 0; k < 3; k++) {
        await writeBatch(100 + k);
        await ck?.committed(50);
      }
      return ck?.finish();
    };
    await run();
    const after1 = descriptors();
    await run();
    await run();
    assert.equal(descriptors(), after1, 'no descriptor more after two more runs');
    assert.ok(after1 >= 2, `the connection's descriptor and the one kept for syncing (${after1})`);
  });

  test('nothing to do for an in-memory database or PostgreSQL', async () => {
    const mem = openDb('sqlite::memory:');
    try {
      assert.equal(walCheckpointer(mem), null);
    } finally {
      await mem.close();
    }
    assert.equal(walCheckpointer({ ...db, sqlite: undefined, engine: 'postgres' }), null);
  });
});
