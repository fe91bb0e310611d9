import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, insertStaff, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { seedDemo } from '../seed/demo.js';
import * as csvc from './campaigns.service.js';
import { policyStatistics } from './policies.query.js';
import * as svc from './policies.service.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

// Table 二's 本年废止件数 counts 废止 only: repealed or replaced by a document in force that year, or abolished
// by a cleanup decision — not expiry (有效期届满) or 宣布失效, which are 失效, nor amendment.
for (const engine of testEngines()) {
  describe(`table 二: what counts as 废止 (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
    });
    after(() => t.dispose());

    test('废止 by a document or a campaign counts; expiry, 宣布失效, amendment and a later repeal do not', async () => {
      const before2025 = await policyStatistics(t.deps, 2025, desk.orgId);
      t.setNow(new Date('2025-09-01T02:00:00Z'));
      const rule = (title: string, signed: string, effective: string, validUntil = '') =>
        desk.publish(
          { title, date_created: signed },
          {
            policy_type: 'rule',
            date_signed: signed,
            date_effective: effective,
            valid_until: validUntil,
          },
        );
      const relate = (from: number, kind: string, to: number) =>
        svc.recordRelation(t.deps, desk.people.approver.p, desk.people.approver.actor, from, {
          kind,
          to_policy_id: String(to),
        });
      const n1 = await rule('被新文件废止的办法', '2024-01-10', '2024-03-01');
      const r = await rule('废止旧办法的新办法', '2025-02-01', '2025-03-01');
      await relate(r.policyId, 'repeals', n1.policyId);
      await rule('有效期届满的措施', '2024-01-10', '2024-02-01', '2025-06-30');
      const n3 = await rule('经清理废止的规定', '2024-01-10', '2024-02-01');
      const n4 = await rule('经清理宣布失效的规定', '2024-01-10', '2024-02-01');
      const n5 = await rule('被修改的规定', '2024-01-10', '2024-02-01');
      const a = await rule('修改规定的决定', '2025-04-01', '2025-05-01');
      await relate(a.policyId, 'amends', n5.policyId);
      const n6 = await rule('明年才被替代的办法', '2024-01-10', '2024-02-01');
      const r2 = await rule('明年施行的替代办法', '2025-08-20', '2026-01-10');
      await relate(r2.policyId, 'replaces', n6.policyId);

      const u = await insertStaff(t, `stats_officer_${engine}`, [
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
      const id = await csvc.createCampaign(t.deps, officer.p, officer.actor, desk.orgId, {
        name: '2025年规范性文件清理',
        policy_ids: `${n3.policyId}, ${n4.policyId}`,
      });
      for (const e of (await csvc.campaignView(t.deps, id)).entries) {
        await csvc.decide(t.deps, officer.p, officer.actor, id, e.id, {
          decision: e.policy_id === n3.policyId ? 'abolish' : 'expire',
          reason: '经评估作出清理决定。',
        });
        await csvc.approveEntry(t.deps, desk.people.approver.p, desk.people.approver.actor, id, e.id);
      }
      await csvc.closeCampaign(t.deps, officer.p, officer.actor, id);

      t.setNow(new Date('2026-11-25T02:00:00Z'));
      const after2025 = await policyStatistics(t.deps, 2025, desk.orgId);
      const delta = (k: 'issued' | 'abolished' | 'inForce' | 'expired') => after2025.rows[0][k] - before2025.rows[0][k];
      assert.equal(after2025.rows[0].type, 'rule');
      assert.equal(delta('issued'), 3, 'signed in 2025: the repealing, amending and replacing documents');
      assert.equal(
        delta('abolished'),
        2,
        '废止: repealed by a document in force in 2025, and abolished by the campaign',
      );
      assert.equal(delta('expired'), 2, '失效, not 废止: expired and declared expired');
      // In force on 31 December 2025: the repealing and amending documents, the amended one, and the one replaced
      // only in 2026; the replacing one was not yet in force.
      assert.equal(delta('inForce'), 4);
      // 2026: the replacement of n6 takes effect that year, so it is 废止 in 2026.
      const y2026 = await policyStatistics(t.deps, 2026, desk.orgId);
      const n6Status = await svc.statusOf(
        t.db.kysely,
        (await import('./policies.repository.js').then((m) => m.findPolicy(t.db.kysely, n6.policyId)))!,
        '2026-12-31',
      );
      assert.deepEqual([n6Status.status, n6Status.since], ['abolished', '2026-01-10']);
      assert.ok(y2026.rows[0].abolished >= 1);

      // The API answers the same, with `expired` beside the table's three columns.
      const body = (await (
        await new TestClient(t.app).get('/api/v1/statistics/policies?year=2025&organization=wenti')
      ).json()) as {
        rows: { type: string; issued: number; abolished: number; in_force: number; expired: number }[];
      };
      const row = body.rows.find((x) => x.type === 'rule')!;
      assert.deepEqual(
        [row.issued, row.abolished, row.in_force, row.expired],
        [after2025.rows[0].issued, after2025.rows[0].abolished, after2025.rows[0].inForce, after2025.rows[0].expired],
      );
    });
  });
}
