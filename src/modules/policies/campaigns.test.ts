import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ValidationError } from '../../platform/errors.js';
import { createTestApp, insertStaff, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { seedDemo } from '../seed/demo.js';
import * as csvc from './campaigns.service.js';
import * as repo from './policies.repository.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

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
      await csvc.closeCampaign(t.deps, officer.p, officer.actor, id);
      const ra = await repo.findPolicy(t.db.kysely, a.policyId);
      assert.deepEqual([ra?.status, ra?.status_since], ['abolished', '2026-11-25']);
      assert.equal((await repo.findPolicy(t.db.kysely, b.policyId))?.status, 'in_force');
      const notify = (
        await t.db.kysely.selectFrom('jobs').select('payload').where('handler', '=', 'subscriptions.notify').execute()
      ).filter(
        (j) => JSON.parse(j.payload).itemId === a.itemId && JSON.parse(j.payload).type === 'item.status_changed',
      );
      assert.equal(notify.length, 1);
      const page = await client.get(`/org/wenti/policy-campaigns/${id}`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /关于加强网吧管理的通知/);
      assert.match(html, /废止/);
      assert.match(html, /继续有效/);
      const banner = await (await client.get(`/org/wenti/items/${a.itemId}`)).text();
      assert.match(banner, /本文件已废止/);
      await assert.rejects(csvc.closeCampaign(t.deps, officer.p, officer.actor, id), /已结束/);
    });
  });
}
