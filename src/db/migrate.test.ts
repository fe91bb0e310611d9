import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { directoryOf } from '../modules/directory/directory.service.js';
import { findItem } from '../modules/publishing/publishing.repository.js';
import { importPublished } from '../modules/publishing/publishing.service.js';
import { seedDemo } from '../modules/seed/demo.js';
import { createTestApp, type TestApp } from '../testing/app.js';
import { testEngines } from '../testing/db.js';
import * as bodyInVersion from './migrations/20261127_0015_item_body_in_version.js';
import * as stagedChanges from './migrations/20261127_0016_staged_policy_changes.js';

for (const engine of testEngines()) {
  describe(`migrations (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
    });
    after(() => t.dispose());

    test('0015 (each body stored once) goes down with the bodies back in the items, and up again', async () => {
      const org = await t.db.kysely
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', 'wenti')
        .executeTakeFirstOrThrow();
      const columnId = (await directoryOf(t.deps, org.id)).bySlug.get('news')!.id;
      const body = '<p>迁移前后正文不变。</p>';
      const { id } = await importPublished(t.deps, { userId: null, name: 'test', ip: '' }, org.id, {
        sourceRef: 'MIG-1',
        columnId,
        title: '迁移测试',
        dateCreated: '2025-03-01',
        publishedAt: '2025-03-02T02:00:00.000Z',
        theme: '综合政务',
        genre: '其他',
        bodyHtml: body,
      });
      const k = t.db.kysely;
      const before = await sql<{ w: string; f: number }>`
        select working_body_html as w, body_in_version as f from items where id = ${id}`.execute(k);
      assert.deepEqual(before.rows, [{ w: '', f: 1 }]);

      await bodyInVersion.down(k as unknown as Kysely<unknown>);
      const down = await sql<{ b: string }>`select body_html as b from items where id = ${id}`.execute(k);
      assert.deepEqual(down.rows, [{ b: body }], 'the body is back in the item');

      await bodyInVersion.up(k as unknown as Kysely<unknown>);
      const up = await sql<{ w: string; f: number }>`
        select working_body_html as w, body_in_version as f from items where id = ${id}`.execute(k);
      assert.deepEqual(up.rows, [{ w: body, f: 0 }], 'an item from before keeps its own copy');
      assert.equal((await findItem(k, id))?.body_html, body);
    });

    test('0016 (staged revisions) goes down without the staged changes, and up again with none', async () => {
      const k = t.db.kysely;
      const policy = await k.selectFrom('policies').select(['id', 'doc_number']).executeTakeFirstOrThrow();
      await k
        .updateTable('policies')
        .set({ staged_json: '{"fields":{},"issuers":[]}' })
        .where('id', '=', policy.id)
        .execute();
      await stagedChanges.down(k as unknown as Kysely<unknown>);
      const down = await sql<Record<string, unknown>>`select * from policies where id = ${policy.id}`.execute(k);
      assert.equal(down.rows[0].doc_number, policy.doc_number, 'the published fields stay');
      assert.ok(!('staged_json' in down.rows[0]));
      await stagedChanges.up(k as unknown as Kysely<unknown>);
      for (const table of ['policies', 'interpretations'] as const) {
        const rows = await k.selectFrom(table).select('staged_json').execute();
        assert.ok(
          rows.every((r) => r.staged_json === ''),
          `${table}: nothing staged`,
        );
      }
    });
  });
}
