import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ValidationError } from '../../platform/errors.js';
import { onEvent } from '../../platform/events.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { directoryOf } from '../directory/directory.service.js';
import { findItem } from '../publishing/publishing.repository.js';
import { seedDemo } from '../seed/demo.js';
import * as csvc from './campaigns.service.js';
import * as repo from './policies.repository.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

// Makes the publication of a campaign's result list fail, to prove closing is all or nothing.
let failResultPublication = false;
onEvent('test.fail-campaign-result', async (_trx, event) => {
  if (failResultPublication && event.type === 'item.published') throw new Error('磁盘已满（测试注入的故障）');
});

for (const engine of testEngines()) {
  describe(`cleanup campaigns (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
    });
    after(() => t.dispose());

    test('decisions need a reason and approval; closing applies 废止 and publishes the result list', async () => {
      t.setNow(new Date('2026-11-25T02:00:00Z'));
      const a = await desk.publish({ title: '关于加强网吧管理的通知' });
      const b = await desk.publish({ title: '关于公共文化设施开放时间的规定' });
      const u = await insertStaff(t, 'pol_campaign_officer', [
        { role: 'disclosure_officer', organizationId: desk.orgId },
      ]);
      const officer = {
        p: {
          userId: u.id,
          username: u.username,
          displayName: u.username,
          grants: [{ role: 'disclosure_officer' as const, organizationId: desk.orgId }],
        },
        actor: { userId: u.id, name: u.username, ip: '127.0.0.1' },
      };
      await assert.rejects(
        csvc.createCampaign(t.deps, desk.people.drafter.p, desk.people.drafter.actor, desk.orgId, {
          name: '2026年规范性文件清理',
          policy_ids: `${a.policyId}`,
        }),
        /无权/,
      );
      const id = await csvc.createCampaign(t.deps, officer.p, officer.actor, desk.orgId, {
        name: '2026年规范性文件清理',
        policy_ids: `${a.policyId}, ${b.policyId}`,
      });
      const { entries } = await csvc.campaignView(t.deps, id);
      const ea = entries.find((e) => e.policy_id === a.policyId)!;
      const eb = entries.find((e) => e.policy_id === b.policyId)!;
      await assert.rejects(
        csvc.decide(t.deps, officer.p, officer.actor, id, ea.id, { decision: 'abolish', reason: '' }),
        ValidationError,
      );
      await csvc.decide(t.deps, officer.p, officer.actor, id, ea.id, {
        decision: 'abolish',
        reason: '上位法已废止，文件依据不复存在。',
      });
      await csvc.decide(t.deps, officer.p, officer.actor, id, eb.id, {
        decision: 'keep',
        reason: '符合现行法律法规，继续执行。',
      });
      await csvc.approveEntry(t.deps, desk.people.approver.p, desk.people.approver.actor, id, ea.id);
      const client = new TestClient(t.app);
      assert.equal((await client.get(`/org/wenti/policy-campaigns/${id}`)).status, 404, 'not public while open');
      await assert.rejects(
        csvc.closeCampaign(t.deps, officer.p, officer.actor, id),
        (e) => e instanceof ValidationError && /还有 1 件/.test(e.fields.close ?? ''),
      );
      await csvc.approveEntry(t.deps, desk.people.approver.p, desk.people.approver.actor, id, eb.id);
      // A failure while publishing the result list undoes everything: the campaign stays open, no decision applies.
      failResultPublication = true;
      try {
        await assert.rejects(csvc.closeCampaign(t.deps, officer.p, officer.actor, id), /测试注入的故障/);
      } finally {
        failResultPublication = false;
      }
      assert.equal((await csvc.campaignView(t.deps, id)).campaign.status, 'open');
      assert.equal((await repo.findPolicy(t.db.kysely, a.policyId))?.status, 'in_force');
      assert.equal((await repo.findPolicy(t.db.kysely, a.policyId))?.declared_status, null);
      const results = () =>
        t.db.kysely.selectFrom('items').select(['id']).where('title', '=', '2026年规范性文件清理结果').execute();
      assert.deepEqual(await results(), []);
      const resultId = await csvc.closeCampaign(t.deps, officer.p, officer.actor, id);
      assert.deepEqual(await results(), [{ id: resultId }]);
      // The result list is a published information item in the organization's 政策文件 column.
      const item = await t.db.kysely
        .selectFrom('items')
        .selectAll()
        .where('id', '=', resultId)
        .executeTakeFirstOrThrow();
      assert.equal(item.status, 'published');
      assert.equal(item.published_version, 1);
      assert.equal(item.organization_id, desk.orgId);
      assert.equal(item.column_id, desk.columnId);
      assert.equal(item.five_category, 'result');
      assert.equal((await csvc.campaignView(t.deps, id)).campaign.result_item_id, resultId);
      const doc = (await (await new TestClient(t.app).get(`/api/v1/documents/${resultId}`)).json()) as {
        title: string;
        body_html: string;
      };
      assert.equal(doc.title, '2026年规范性文件清理结果');
      assert.match(doc.body_html, /关于加强网吧管理的通知<\/a><\/td><td>[^<]*<\/td><td>废止<\/td><td>上位法已废止/);
      assert.match(doc.body_html, /关于公共文化设施开放时间的规定<\/a><\/td><td>[^<]*<\/td><td>继续有效<\/td>/);
      assert.match(doc.body_html, /共清理文件 2 件：继续有效 1 件，废止 1 件/);
      const announced = (
        await t.db.kysely.selectFrom('jobs').select('payload').where('handler', '=', 'subscriptions.notify').execute()
      ).filter((j) => JSON.parse(j.payload).itemId === resultId && JSON.parse(j.payload).type === 'item.published');
      assert.equal(announced.length, 1, 'subscribers of the column are told of the result list');
      const ra = await repo.findPolicy(t.db.kysely, a.policyId);
      assert.deepEqual([ra?.status, ra?.status_since], ['abolished', '2026-11-25']);
      assert.equal((await repo.findPolicy(t.db.kysely, b.policyId))?.status, 'in_force');
      const notify = (
        await t.db.kysely.selectFrom('jobs').select('payload').where('handler', '=', 'subscriptions.notify').execute()
      ).filter(
        (j) => JSON.parse(j.payload).itemId === a.itemId && JSON.parse(j.payload).type === 'item.status_changed',
      );
      assert.equal(notify.length, 1);
      // The old address of the result page leads to the item.
      const page = await client.get(`/org/wenti/policy-campaigns/${id}`);
      assert.equal(page.status, 301);
      assert.equal(page.headers.get('location'), `/org/wenti/items/${resultId}`);
      const html = await (await client.get(`/org/wenti/items/${resultId}`)).text();
      assert.match(html, /关于加强网吧管理的通知/);
      assert.match(html, /废止/);
      assert.match(html, /继续有效/);
      const banner = await (await client.get(`/org/wenti/items/${a.itemId}`)).text();
      assert.match(banner, /本文件已废止/);
      await assert.rejects(csvc.closeCampaign(t.deps, officer.p, officer.actor, id), /已结束/);
    });

    test('through the console, the administrator picks the column the result list is published in', async () => {
      t.setNow(new Date('2026-11-26T02:00:00Z'));
      const a = await desk.publish({ title: '关于文化市场执法的若干规定' });
      const u = await insertStaff(t, 'pol_campaign_officer_http', [
        { role: 'disclosure_officer', organizationId: desk.orgId },
      ]);
      const officer = await signedInClient(t, u);
      const approver = await insertStaff(t, 'pol_campaign_approver_http', [
        { role: 'approver', organizationId: desk.orgId },
      ]);
      const approverClient = await signedInClient(t, approver);
      const created = await officer.post('/console/policy-campaigns', {
        organization_id: String(desk.orgId),
        name: '2026年第二批文件清理',
        policy_ids: String(a.policyId),
      });
      assert.equal(created.status, 303);
      const id = Number(/(\d+)$/.exec(created.headers.get('location')!)![1]);
      const { entries } = await csvc.campaignView(t.deps, id);
      assert.equal(
        (
          await officer.post(`/console/policy-campaigns/${id}/entries/${entries[0].id}/decide`, {
            decision: 'expire',
            reason: '调整对象已消失，宣布失效。',
          })
        ).status,
        303,
      );
      assert.equal(
        (await approverClient.post(`/console/policy-campaigns/${id}/entries/${entries[0].id}/approve`)).status,
        303,
      );
      const dir = await directoryOf(t.deps, desk.orgId);
      const page = await (await officer.get(`/console/policy-campaigns/${id}`)).text();
      assert.match(page, /公布清理结果的栏目/);
      assert.ok(page.includes(`<option value="${desk.columnId}" selected`), '政策文件 by default');
      const other = dir.all.find((c) => c.id !== desk.columnId && !c.retired && c.kind !== 'static')!;
      const staticColumn = dir.all.find((c) => c.kind === 'static');
      if (staticColumn) {
        const refused = await officer.post(`/console/policy-campaigns/${id}/close`, {
          column_id: String(staticColumn.id),
        });
        assert.equal(refused.status, 303);
        assert.equal((await csvc.campaignView(t.deps, id)).campaign.status, 'open', 'a single-page column is refused');
      }
      const closed = await officer.post(`/console/policy-campaigns/${id}/close`, { column_id: String(other.id) });
      assert.equal(closed.status, 303);
      const v = await csvc.campaignView(t.deps, id);
      assert.equal(v.campaign.status, 'closed');
      const item = (await findItem(t.db.kysely, v.campaign.result_item_id!))!;
      assert.equal(item.column_id, other.id);
      assert.equal(item.status, 'published');
      assert.match(item.body_html, /宣布失效/);
      const after = await (await officer.get(`/console/policy-campaigns/${id}`)).text();
      assert.ok(after.includes(`href="/org/wenti/items/${item.id}"`), 'the console links the published result');
      assert.equal((await repo.findPolicy(t.db.kysely, a.policyId))?.status, 'expired');
    });
  });
}
