import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConflictError, ValidationError } from '../../platform/errors.js';
import { onEvent } from '../../platform/events.js';
import { createTestApp, type TestApp } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import * as pub from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';
import * as isvc from './interpretations.service.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

// Items whose publication a test makes fail, to prove the bundle is published all together or not at all.
const failOnPublish = new Set<number>();
onEvent('test.fail-bundle', async (_trx, event) => {
  if (event.type === 'item.published' && failOnPublish.has(event.itemId)) throw new Error('磁盘已满（测试注入的故障）');
});

const IMG = `/files/${'a'.repeat(64)}/tujie.png`;

for (const engine of testEngines()) {
  describe(`interpretations and 三同步 (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
    });
    after(() => t.dispose());

    const item = (id: number) =>
      t.db.kysely.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const d = () => t.deps;

    const interpretation = async (
      policyId: number,
      form: string,
      body = '<p>一、出台背景……</p>',
      over: Record<string, string> = {},
    ) => {
      const itemId = await desk.draftItem({ title: `解读：${form}`, body_html: body });
      await isvc.saveInterpretation(d(), desk.people.drafter.p, desk.people.drafter.actor, itemId, {
        form,
        policy_ids: String(policyId),
        ...over,
      });
      return itemId;
    };

    test('a 行政规范性文件 submitted without an interpretation is stopped', async () => {
      const { itemId } = await desk.draft({}, { policy_type: 'normative' });
      await assert.rejects(
        pub.submit(d(), desk.people.drafter.p, desk.people.drafter.actor, itemId),
        (e) => e instanceof ValidationError && /三同步/.test(e.fields.interpretation ?? ''),
      );
      assert.equal((await item(itemId)).status, 'draft');
    });

    test('other policy types need no interpretation', async () => {
      const { itemId } = await desk.draft({}, { policy_type: 'other' });
      await pub.submit(d(), desk.people.drafter.p, desk.people.drafter.actor, itemId);
      assert.equal((await item(itemId)).status, 'submitted');
    });

    test('a recorded reason lets it go to review, but the approver must accept the reason before signing', async () => {
      const { itemId, policyId } = await desk.draft({}, { policy_type: 'normative' });
      await isvc.setWaiver(
        d(),
        desk.people.drafter.p,
        desk.people.drafter.actor,
        policyId,
        '本文件仅调整个别文字表述，内容无实质变化。',
      );
      await pub.submit(d(), desk.people.drafter.p, desk.people.drafter.actor, itemId);
      await pub.review(d(), desk.people.reviewer.p, desk.people.reviewer.actor, itemId);
      await assert.rejects(
        pub.approve(d(), desk.people.approver.p, desk.people.approver.actor, itemId),
        (e) => e instanceof ValidationError && /签发人须先接受/.test(e.fields.interpretation ?? ''),
      );
      await assert.rejects(
        isvc.acceptWaiver(d(), desk.people.drafter.p, desk.people.drafter.actor, policyId),
        /只有签发人/,
      );
      await isvc.acceptWaiver(d(), desk.people.approver.p, desk.people.approver.actor, policyId);
      await pub.approve(d(), desk.people.approver.p, desk.people.approver.actor, itemId);
      assert.equal((await item(itemId)).status, 'approved');
    });

    test('a 图片解读 without an image cannot go to review', async () => {
      const { itemId, policyId } = await desk.draft({}, { policy_type: 'normative' });
      await interpretation(policyId, 'graphic');
      await assert.rejects(
        pub.submit(d(), desk.people.drafter.p, desk.people.drafter.actor, itemId),
        (e) => e instanceof ValidationError && /图片解读须在正文中插入/.test(e.fields.interpretation ?? ''),
      );
    });

    test('the bundle moves through review and approval together and is published in one transaction', async () => {
      const { itemId, policyId } = await desk.draft({}, { policy_type: 'normative' });
      const graphic = await interpretation(policyId, 'graphic', `<p><img src="${IMG}" alt="政策要点图解"></p>`);
      const text = await interpretation(policyId, 'text', '<p>一、出台背景</p>', {
        by_principal: '1',
        principal_name: '张三 局长',
      });
      await pub.submit(d(), desk.people.drafter.p, desk.people.drafter.actor, itemId);
      assert.deepEqual([(await item(graphic)).status, (await item(text)).status], ['submitted', 'submitted']);
      await pub.review(d(), desk.people.reviewer.p, desk.people.reviewer.actor, itemId);
      await pub.approve(d(), desk.people.approver.p, desk.people.approver.actor, itemId);
      assert.deepEqual([(await item(graphic)).status, (await item(text)).status], ['approved', 'approved']);
      await pub.publishNow(d(), desk.people.approver.p, desk.people.approver.actor, itemId);
      for (const id of [itemId, graphic, text]) {
        const it = await item(id);
        assert.deepEqual([it.status, it.published_version], ['published', 1], `item ${id}`);
      }
      const groups = await isvc.relatedInterpretations(t.db.kysely, policyId);
      assert.deepEqual(
        groups.map((g) => [g.label, g.items.length]),
        [
          ['文字解读', 1],
          ['图片解读', 1],
        ],
      );
      // The responsible organization defaults to the drafting one (谁起草谁解读).
      const row = await t.db.kysely
        .selectFrom('interpretations')
        .selectAll()
        .where('item_id', '=', text)
        .executeTakeFirstOrThrow();
      assert.equal(row.responsible_organization_id, desk.orgId);
      assert.equal(row.by_principal, 1);
    });

    test('a failure midway publishes neither the policy nor any interpretation', async () => {
      const { itemId, policyId } = await desk.draft({}, { policy_type: 'normative' });
      const first = await interpretation(policyId, 'text');
      const second = await interpretation(policyId, 'qa');
      await pub.submit(d(), desk.people.drafter.p, desk.people.drafter.actor, itemId);
      await pub.review(d(), desk.people.reviewer.p, desk.people.reviewer.actor, itemId);
      await pub.approve(d(), desk.people.approver.p, desk.people.approver.actor, itemId);
      failOnPublish.add(second);
      try {
        await assert.rejects(
          pub.publishNow(d(), desk.people.approver.p, desk.people.approver.actor, itemId),
          /测试注入的故障/,
        );
      } finally {
        failOnPublish.delete(second);
      }
      for (const id of [itemId, first, second]) {
        const it = await item(id);
        assert.deepEqual([it.status, it.published_version], ['approved', 0], `item ${id} stays unpublished`);
      }
      const versions = await t.db.kysely
        .selectFrom('item_versions')
        .select('item_id')
        .where('item_id', 'in', [itemId, first, second])
        .execute();
      assert.equal(versions.length, 0);
      const indexed = await t.db.kysely
        .selectFrom('search_docs')
        .select('item_id')
        .where('item_id', 'in', [itemId, first, second])
        .execute();
      assert.equal(indexed.length, 0);
      // Once the fault is gone the same bundle publishes whole.
      await pub.publishNow(d(), desk.people.approver.p, desk.people.approver.actor, itemId);
      for (const id of [itemId, first, second]) assert.equal((await item(id)).published_version, 1);
    });

    test('an interpretation not signed with the bundle blocks the publication', async () => {
      const { itemId, policyId } = await desk.draft({}, { policy_type: 'normative' });
      await interpretation(policyId, 'text');
      await pub.submit(d(), desk.people.drafter.p, desk.people.drafter.actor, itemId);
      await pub.review(d(), desk.people.reviewer.p, desk.people.reviewer.actor, itemId);
      await pub.approve(d(), desk.people.approver.p, desk.people.approver.actor, itemId);
      // Added after signing: it was never reviewed, so the bundle may not go out.
      const late = await interpretation(policyId, 'media');
      await assert.rejects(
        pub.publishNow(d(), desk.people.approver.p, desk.people.approver.actor, itemId),
        ConflictError,
      );
      assert.equal((await item(itemId)).published_version, 0);
      assert.equal((await item(late)).published_version, 0);
    });
  });
}
