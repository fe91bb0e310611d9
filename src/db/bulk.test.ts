import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, type TestDb, testEngines } from '../testing/db.js';
import { bulkConnection, insertRows } from './bulk.js';

for (const engine of testEngines()) {
  describe(`insertRows (${engine})`, () => {
    let db: TestDb;
    before(async () => {
      db = await createTestDb(engine);
    });
    after(() => db.dispose());

    test('writes the rows in order and returns the asked columns of each', async () => {
      const rows = [
        ['bulk-a', 3],
        ['bulk-b', 1],
        ['bulk-c', 2],
      ];
      const back = await db.kysely
        .transaction()
        .execute((trx) =>
          insertRows(trx, engine, 'index_sequences', ['key', 'next_value'], rows, ['key', 'next_value']),
        );
      assert.deepEqual(
        back.map((r) => [r.key, Number(r.next_value)]),
        rows,
      );
      const stored = await db.kysely
        .selectFrom('index_sequences')
        .select(['key', 'next_value'])
        .where('key', 'like', 'bulk-%')
        .orderBy('key')
        .execute();
      assert.deepEqual(
        stored.map((r) => [r.key, r.next_value]),
        [
          ['bulk-a', 3],
          ['bulk-b', 1],
          ['bulk-c', 2],
        ],
      );
    });

    test('splits a batch larger than the parameter limit into several statements', async () => {
      // Two columns: 15,000 rows a statement, so 15,001 rows take two.
      const rows = Array.from({ length: 15_001 }, (_, i) => [`many-${String(i).padStart(5, '0')}`, i]);
      const back = await db.kysely
        .transaction()
        .execute((trx) => insertRows(trx, engine, 'index_sequences', ['key', 'next_value'], rows, ['key']));
      assert.equal(back.length, 15_001);
      assert.equal(back[15_000].key, 'many-15000');
      const n = await db.kysely
        .selectFrom('index_sequences')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('key', 'like', 'many-%')
        .executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 15_001);
    });

    test('a row with the wrong number of values fails the transaction and writes nothing', async () => {
      await assert.rejects(
        db.kysely
          .transaction()
          .execute((trx) =>
            insertRows(trx, engine, 'index_sequences', ['key', 'next_value'], [['bad-1', 1], ['bad-2']]),
          ),
        /has 1 values for 2 columns/,
      );
      const n = await db.kysely.selectFrom('index_sequences').select('key').where('key', 'like', 'bad-%').execute();
      assert.equal(n.length, 0);
    });

    test('a constraint violation rolls back the whole batch', async () => {
      await assert.rejects(
        db.kysely.transaction().execute((trx) =>
          insertRows(
            trx,
            engine,
            'index_sequences',
            ['key', 'next_value'],
            [
              ['dup-1', 1],
              ['bulk-a', 9], // already there
            ],
          ),
        ),
      );
      const n = await db.kysely.selectFrom('index_sequences').select('key').where('key', '=', 'dup-1').execute();
      assert.equal(n.length, 0);
    });

    test('bulkConnection: statement journals in memory and a smaller page cache while it is open, a failing statement still undoes only itself', async () => {
      const tempStore = () => db.sqlite?.pragma('temp_store', { simple: true });
      const cacheSize = () => db.sqlite?.pragma('cache_size', { simple: true });
      const was = [tempStore(), cacheSize()];
      const bulk = bulkConnection(db);
      try {
        if (engine === 'sqlite') assert.equal(tempStore(), 2, 'temp_store = MEMORY');
        if (engine === 'sqlite') assert.equal(cacheSize(), -64 * 1024, 'a 64 MB page cache');
        if (engine === 'sqlite')
          await bulk.db.kysely.transaction().execute(async (trx) => {
            await insertRows(trx, engine, 'index_sequences', ['key', 'next_value'], [['stmt-1', 1]]);
            await assert.rejects(
              insertRows(
                trx,
                engine,
                'index_sequences',
                ['key', 'next_value'],
                [
                  ['stmt-2', 1],
                  ['stmt-1', 2], // the statement fails on its second row, after writing the first
                ],
              ),
            );
          });
        else await insertRows(bulk.db.kysely, engine, 'index_sequences', ['key', 'next_value'], [['stmt-1', 1]]);
      } finally {
        await bulk.close();
      }
      assert.deepEqual([tempStore(), cacheSize()], was, 'restored when closed');
      const keys = await db.kysely.selectFrom('index_sequences').select('key').where('key', 'like', 'stmt-%').execute();
      assert.deepEqual(
        keys.map((k) => k.key),
        ['stmt-1'],
      );
    });

    test('no rows, no statement', async () => {
      const back = await insertRows(db.kysely, engine, 'index_sequences', ['key', 'next_value'], [], ['key']);
      assert.deepEqual(back, []);
    });
  });
}
