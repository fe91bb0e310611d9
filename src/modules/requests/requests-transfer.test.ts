import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type StaffUser, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { application, insertGrantedStaff, insertOrganization } from '../../testing/requests.js';
import { submitApplication } from './requests.service.js';

// A transfer to the responsible organization through the console, with fixed clocks: the receiving
// organization's 20 working days run from the transfer, the status page and the API explain it, the applicant
// is told the new due date, and a paused clock cannot be transferred.

for (const engine of testEngines()) {
  describe(`transferring a request (${engine})`, () => {
    let t: TestApp;
    let officer: StaffUser;
    let envId = 0;
    const made: Record<string, { id: number; trackingNumber: string; queryCode: string }> = {};
    const at = async (iso: string) => {
      t.setNow(new Date(iso));
      return signedInClient(t, officer);
    };

    before(async () => {
      t = await createTestApp(engine);
      const root = await insertOrganization(t.db.kysely, { slug: 'huli', name: '湖里区人民政府' });
      envId = await insertOrganization(t.db.kysely, { slug: 'env', name: '湖里区生态环境局', parentId: root });
      officer = await insertGrantedStaff(t, 'officer', 'disclosure_officer', root);
      t.setNow(new Date('2025-01-20T02:00:00Z')); // Monday
      for (const key of ['moved', 'paused']) {
        const r = await submitApplication(
          t.deps,
          application({ organization: 'huli', description: `${key}：环境监测数据` }),
          { channel: 'online' },
        );
        made[key] = r;
        assert.equal(r.dueOn, '2025-02-21');
      }
    });
    after(() => t.dispose());

    test('the receiving organization counts 20 working days from the transfer; status page and API explain it', async () => {
      const c = await at('2025-02-10T02:00:00Z');
      const res = await c.post(`/console/requests/${made.moved.id}/transfer`, {
        organizationId: String(envId),
        publicNote: '所申请信息由生态环境局负责公开。',
      });
      assert.equal(res.status, 303);
      const row = await t.db.kysely
        .selectFrom('requests')
        .selectAll()
        .where('id', '=', made.moved.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.organization_id, envId);
      assert.equal(row.due_on, '2025-03-10', 'the queues read the new due date');
      assert.equal(row.received_on, '2025-01-20', 'the application’s own receipt date is kept');

      const citizen = new TestClient(t.app);
      await citizen.post('/requests/status', {
        trackingNumber: made.moved.trackingNumber,
        queryCode: made.moved.queryCode,
      });
      const page = await (await citizen.get('/requests/status/view')).text();
      assert.match(page, /id="due-on">2025-03-10/);
      assert.match(page, /湖里区生态环境局/);
      assert.match(page, /以转送之日为收到申请之日，答复期限自次日起重新计算 20 个工作日/);
      assert.match(page, /（自2025年2月10日转送之日起重新计算）/);

      const api = await (
        await new TestClient(t.app).request(`/api/v1/requests/${made.moved.trackingNumber}`, {
          headers: { 'X-Query-Code': made.moved.queryCode },
        })
      ).json();
      assert.equal(api.dueOn, '2025-03-10');
      assert.equal(api.dueExplanation.transferredOn, '2025-02-10');
      assert.equal(api.dueExplanation.restartReason, 'transfer');
      assert.equal(api.dueExplanation.countFrom, '2025-02-10');
      const doc = await (await new TestClient(t.app).get('/api/v1/openapi.json')).json();
      const schema = JSON.stringify(doc);
      assert.match(schema, /transferredOn/, 'the OpenAPI document describes the new fields');

      const mail = await t.db.kysely
        .selectFrom('mail_outbox')
        .selectAll()
        .where('subject', 'like', '%已转送%')
        .execute();
      assert.equal(mail.length, 1);
      assert.match(mail[0].text_body, /湖里区生态环境局以 2025-02-10 为收到申请之日，答复期限为 2025-03-10/);

      // On 2025-02-24 the first organization's date has passed, the receiving one's has not.
      const later = await at('2025-02-24T02:00:00Z');
      const queue = await (await later.get('/console/requests')).text();
      const overdue = /id="queue-overdue"[\s\S]*?(?=id="queue-|$)/.exec(queue)?.[0] ?? '';
      assert.ok(!overdue.includes(made.moved.trackingNumber), 'not overdue at the receiving organization');
    });

    test('a paused clock cannot be transferred', async () => {
      const c = await at('2025-01-22T02:00:00Z');
      assert.equal(
        (
          await c.post(`/console/requests/${made.paused.id}/consult_start`, {
            detail: 'third_party',
            onDate: '2025-01-22',
            internalNote: '',
          })
        ).status,
        303,
      );
      const res = await c.post(`/console/requests/${made.paused.id}/transfer`, {
        organizationId: String(envId),
        publicNote: '所申请信息由生态环境局负责公开。',
      });
      assert.equal(res.status, 422);
      assert.match(await res.text(), /暂停计时期间不能转送/);
      const row = await t.db.kysely
        .selectFrom('requests')
        .select('organization_id')
        .where('id', '=', made.paused.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(row.organization_id, envId);
    });
  });
}
