import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { emit } from '../../platform/events.js';
import { JobRunner } from '../../platform/jobs/jobs.service.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { type ImportedItem, importPublishedMany } from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';
import { drainSearchQueue, INDEX_QUEUE_JOB, queueLength, registerSearchQueueJob } from './search-queue.js';

// The bulk path of publishing (importPublishedMany) and the search queue it fills.

const actor = { userId: null, name: 'cli:test', ip: 'localhost' };

for (const engine of testEngines()) {
  describe(`bulk import and the search queue (${engine})`, () => {
    let t: TestApp;
    let orgId: number;
    let columns: { id: number; code: string; slug: string }[];
    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      orgId = (
        await t.db.kysely.selectFrom('organizations').select('id').where('slug', '=', 'wenti').executeTakeFirstOrThrow()
      ).id;
      columns = await t.db.kysely
        .selectFrom('columns')
        .select(['id', 'code', 'slug'])
        .where('organization_id', '=', orgId)
        .where('kind', '!=', 'static')
        .orderBy('id')
        .execute();
    });
    after(() => t.dispose());

    const item = (ref: string, columnId: number, year: number, extra: Partial<ImportedItem> = {}): ImportedItem => ({
      sourceRef: ref,
      columnId,
      title: `批量导入的信息 ${ref}`,
      dateCreated: `${year}-03-01`,
      publishedAt: `${year}-03-02T02:00:00.000Z`,
      theme: '综合政务',
      genre: '通知',
      bodyHtml: `<p>正文 ${ref}<script>alert(1)</script></p>`,
      ...extra,
    });
    const many = (items: ImportedItem[]) =>
      t.db.kysely.transaction().execute((trx) => importPublishedMany(t.deps, actor, orgId, items, trx));

    test('index numbers are unique and sequential per column and year within a batch', async () => {
      const [a, b] = columns;
      const { results } = await many([
        item('B-1', a.id, 2016),
        item('B-2', b.id, 2016),
        item('B-3', a.id, 2016),
        item('B-4', a.id, 2017),
        item('B-5', a.id, 2016),
        item('B-6', b.id, 2016, { indexNumber: 'OWN-1' }),
      ]);
      assert.ok(results.every((r) => r.created));
      const rows = await t.db.kysely
        .selectFrom('items')
        .innerJoin('item_versions as v', (j) =>
          j.onRef('v.item_id', '=', 'items.id').onRef('v.version', '=', 'items.published_version'),
        )
        .select(['items.source_ref', 'items.index_number', 'v.body_html', 'items.status', 'items.published_version'])
        .where('source_ref', 'like', 'B-%')
        .orderBy('source_ref')
        .execute();
      const num = Object.fromEntries(rows.map((r) => [r.source_ref, r.index_number]));
      const prefixA = `HLWT-${a.code}-2016-`;
      const seqA = ['B-1', 'B-3', 'B-5'].map((r) => {
        assert.ok(num[r].startsWith(prefixA), num[r]);
        return Number(num[r].slice(prefixA.length));
      });
      assert.deepEqual(seqA, [seqA[0], seqA[0] + 1, seqA[0] + 2], 'consecutive, in the order of the batch');
      assert.match(num['B-2'], new RegExp(`^HLWT-${b.code}-2016-\\d{5}$`));
      assert.match(num['B-4'], new RegExp(`^HLWT-${a.code}-2017-\\d{5}$`));
      assert.equal(num['B-6'], 'OWN-1');
      assert.equal(new Set(Object.values(num)).size, 6);
      assert.ok(rows.every((r) => r.status === 'published' && r.published_version === 1));
      assert.ok(
        rows.every((r) => !r.body_html.includes('script')),
        'bodies are sanitized',
      );

      // The next item drafted one at a time continues the same sequence.
      const next = await many([item('B-7', a.id, 2016)]);
      const n7 = await t.db.kysely
        .selectFrom('items')
        .select('index_number')
        .where('id', '=', next.results[0].id)
        .executeTakeFirstOrThrow();
      assert.equal(n7.index_number, `${prefixA}${String(seqA[2] + 1).padStart(5, '0')}`);

      // Each item has its version 1 and its import event, like importPublished.
      const ids = results.map((r) => r.id);
      const versions = await t.db.kysely
        .selectFrom('item_versions')
        .select('item_id')
        .where('item_id', 'in', ids)
        .execute();
      const events = await t.db.kysely
        .selectFrom('item_events')
        .select(['item_id', 'action', 'to_status'])
        .where('item_id', 'in', ids)
        .execute();
      assert.equal(versions.length, 6);
      assert.equal(events.length, 6);
      assert.ok(events.every((e) => e.action === 'import' && e.to_status === 'published'));
    });

    test('a source reference already imported, or twice in the batch, is skipped', async () => {
      const [a] = columns;
      const before = await t.db.kysely
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const { results } = await many([item('B-1', a.id, 2016), item('D-1', a.id, 2016), item('D-1', a.id, 2016)]);
      assert.deepEqual(
        results.map((r) => r.created),
        [false, true, false],
      );
      assert.equal(results[1].id, results[2].id, 'the repeat gets the id of the first');
      const after = await t.db.kysely
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n) + 1);
    });

    test('imported items are public at once; search finds them after the queue job ran', async () => {
      const [a] = columns;
      await drainSearchQueue(t.db); // what the tests above queued
      const { results } = await many([item('Q-1', a.id, 2019, { title: '关于开展蓝鲸湾湿地保护宣传的通知' })]);
      const id = results[0].id;
      const client = new TestClient(t.app);
      assert.equal((await client.get(`/org/wenti/items/${id}`)).status, 200);
      const search = () => client.get(`/search?q=${encodeURIComponent('蓝鲸湾湿地')}`).then((r) => r.text());
      assert.doesNotMatch(await search(), new RegExp(`/org/wenti/items/${id}"`));
      assert.equal(await queueLength(t.db.kysely), 1);
      // The console's dashboard says how many items search cannot find yet.
      const staff = await signedInClient(
        t,
        await insertStaff(t, 'queue-viewer', [{ role: 'drafter', organizationId: orgId }]),
      );
      const dash = async () => (await staff.get('/console')).text();
      assert.match(await dash(), /<span class="stat">1<\/span> 条导入的信息正在排队建立搜索索引/);

      const runner = new JobRunner(t.db, { clock: t.deps.clock });
      await registerSearchQueueJob(runner);
      assert.ok(runner.handlerNames().includes(INDEX_QUEUE_JOB));
      assert.equal(await runner.runDue(t.deps.clock()), 1);
      assert.equal(await queueLength(t.db.kysely), 0);
      assert.match(await search(), new RegExp(`/org/wenti/items/${id}"`));
      assert.doesNotMatch(await dash(), /排队建立搜索索引/);
    });

    test('two workers draining at once index each item once', async () => {
      const [a, b] = columns;
      const batch = Array.from({ length: 60 }, (_, i) => item(`W-${i}`, i % 2 ? a.id : b.id, 2020));
      await many(batch);
      const queued = await queueLength(t.db.kysely);
      assert.equal(queued, 60);
      const [x, y] = await Promise.all([
        drainSearchQueue(t.db, { worker: 'one', batch: 7 }),
        drainSearchQueue(t.db, { worker: 'two', batch: 7 }),
      ]);
      assert.equal(x + y, 60, `each queue row handled by exactly one worker (${x} + ${y})`);
      assert.equal(await queueLength(t.db.kysely), 0);
      const indexed = await t.db.kysely
        .selectFrom('search_docs')
        .innerJoin('items', 'items.id', 'search_docs.item_id')
        .select('items.id')
        .where('items.source_ref', 'like', 'W-%')
        .execute();
      assert.equal(indexed.length, 60);
    });

    test('a claim that expired is taken over; a withdrawn item leaves the queue without an entry', async () => {
      const [a] = columns;
      const { results } = await many([item('X-1', a.id, 2021), item('X-2', a.id, 2021)]);
      // A worker that claimed the rows and died: its claim is in the past.
      await t.db.kysely
        .updateTable('search_queue')
        .set({ claimed_by: 'dead', claim_until: '2000-01-01T00:00:00.000Z' })
        .execute();
      await t.db.kysely.updateTable('items').set({ withdrawn: 1 }).where('id', '=', results[1].id).execute();
      assert.equal(await drainSearchQueue(t.db, { worker: 'live' }), 2);
      const docs = await t.db.kysely
        .selectFrom('search_docs')
        .select('item_id')
        .where(
          'item_id',
          'in',
          results.map((r) => r.id),
        )
        .execute();
      assert.deepEqual(
        docs.map((d) => d.item_id),
        [results[0].id],
      );
      // A claim still held by another worker is left alone.
      await many([item('X-3', a.id, 2021)]);
      await t.db.kysely
        .updateTable('search_queue')
        .set({ claimed_by: 'busy', claim_until: '2999-01-01T00:00:00.000Z' })
        .execute();
      assert.equal(await drainSearchQueue(t.db, { worker: 'live' }), 0);
      await t.db.kysely.deleteFrom('search_queue').execute();

      // Withdrawing an item that still waits in the queue takes it out of the queue too.
      const { results: w } = await many([item('X-4', a.id, 2021)]);
      assert.equal(await queueLength(t.db.kysely), 1);
      await t.db.kysely.transaction().execute(async (trx) => {
        await trx.updateTable('items').set({ withdrawn: 1 }).where('id', '=', w[0].id).execute();
        await emit(trx, t.deps, {
          type: 'item.withdrawn',
          itemId: w[0].id,
          organizationId: orgId,
          columnId: a.id,
          version: 1,
          at: '2026-11-25T02:00:00.000Z',
          reason: 'outdated',
        });
      });
      assert.equal(await queueLength(t.db.kysely), 0);
    });
  });
}
