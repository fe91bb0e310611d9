import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  RootOperationNode,
} from 'kysely';
import type { Database } from '../../db/schema.js';
import { ValidationError } from '../../platform/errors.js';
import { clearPageCache } from '../../platform/http/portal.js';
import { createTestApp, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { seedDemo } from '../seed/demo.js';
import * as isvc from './interpretations.service.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

// Item pages run the policy sections only for items flagged as policies or interpretations (items.kind): an
// ordinary item's page, and its API answer, do not touch the policy tables.

const POLICY_TABLES = [
  'policies',
  'policy_issuers',
  'policy_relations',
  'policy_status_changes',
  'interpretations',
  'interpretation_policies',
];

/** Records every query the application runs while `run` is going on, by swapping the database's Kysely. */
async function queriesDuring(t: TestApp, run: () => Promise<void>): Promise<RootOperationNode[]> {
  const seen: RootOperationNode[] = [];
  const recorder: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs) {
      seen.push(args.node);
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs) {
      return args.result;
    },
  };
  const db = t.db as { kysely: Kysely<Database> };
  const original = db.kysely;
  db.kysely = original.withPlugin(recorder);
  try {
    await run();
  } finally {
    db.kysely = original;
  }
  return seen;
}

/** The policy tables a query names (as table identifiers in its tree). */
function policyTablesOf(nodes: RootOperationNode[]): string[] {
  const names = new Set<string>();
  for (const n of nodes) {
    const json = JSON.stringify(n);
    for (const table of POLICY_TABLES) if (json.includes(`"name":"${table}"`)) names.add(table);
  }
  return [...names].sort();
}

for (const engine of testEngines()) {
  describe(`item kind flag (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;
    let client: TestClient;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
      client = new TestClient(t.app);
    });
    after(() => t.dispose());

    test('the flag is set when a policy or an interpretation is attached; the demo backfilled by the insert', async () => {
      const plain = await desk.draftItem({ title: '普通通知' });
      const pol = await desk.draft({ title: '某政策文件' });
      const interp = await desk.draftItem({ title: '某政策文件的解读' });
      await desk.interpret(interp, pol.policyId);
      const kinds = await t.db.kysely
        .selectFrom('items')
        .select(['id', 'kind'])
        .where('id', 'in', [plain, pol.itemId, interp])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        kinds.map((k) => k.kind),
        ['', 'policy', 'interpretation'],
      );
      // Every policy and interpretation of the demo is flagged.
      const unflagged = await t.db.kysely
        .selectFrom('items as i')
        .leftJoin('policies as p', 'p.item_id', 'i.id')
        .leftJoin('interpretations as x', 'x.item_id', 'i.id')
        .select(['i.id', 'i.kind', 'p.id as policy_id', 'x.id as interpretation_id'])
        .execute();
      for (const r of unflagged) {
        const expected = r.policy_id !== null ? 'policy' : r.interpretation_id !== null ? 'interpretation' : '';
        assert.equal(r.kind, expected, `item ${r.id}`);
      }
      // One or the other: a policy cannot become an interpretation, nor the reverse.
      await assert.rejects(
        isvc.saveInterpretation(t.deps, desk.people.drafter.p, desk.people.drafter.actor, pol.itemId, {
          form: 'text',
          policy_ids: String(pol.policyId),
        }),
        (e) => e instanceof ValidationError && /不能同时设为政策解读/.test(e.fields.form ?? ''),
      );
    });

    test('an ordinary item page and its API answer do not query the policy tables; a policy page does', async () => {
      const plain = await desk.draftItem({ title: '关于举办文化惠民活动的通知' });
      await desk.publishDraft(plain);
      const pol = await desk.publish({ title: '关于文化惠民的若干措施' });
      clearPageCache();
      let status = 0;
      const plainQueries = await queriesDuring(t, async () => {
        status = (await client.get(`/org/wenti/items/${plain}`)).status;
      });
      assert.equal(status, 200);
      assert.ok(plainQueries.length > 0, 'the recorder saw the page queries');
      assert.deepEqual(policyTablesOf(plainQueries), []);
      const apiQueries = await queriesDuring(t, async () => {
        status = (await client.get(`/api/v1/documents/${plain}`)).status;
      });
      assert.equal(status, 200);
      assert.deepEqual(policyTablesOf(apiQueries), []);

      // The control: a policy's page reads the policy tables (so the check above can fail).
      const policyQueries = await queriesDuring(t, async () => {
        status = (await client.get(`/org/wenti/items/${pol.itemId}`)).status;
      });
      assert.equal(status, 200);
      assert.ok(policyTablesOf(policyQueries).includes('policies'));
      assert.ok(policyTablesOf(policyQueries).includes('interpretation_policies'), '相关解读 is looked up');
    });
  });
}
