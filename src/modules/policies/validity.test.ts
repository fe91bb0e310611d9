import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openApiChecker } from '../../platform/api/testing.js';
import { createTestApp, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { seedDemo } from '../seed/demo.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

type Json = Record<string, unknown>;

// GET /api/v1/documents/{id} of a policy document carries its validity marking, and its validators change
// when the status changes by date alone at Beijing midnight, with no write to the database.
for (const engine of testEngines()) {
  describe(`validity in the generic document API (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;
    let client: TestClient;
    let p: { itemId: number; policyId: number };
    let a: { itemId: number; policyId: number };
    let b: { itemId: number; policyId: number };

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
      client = new TestClient(t.app);
      t.setNow(new Date('2026-11-25T02:00:00Z'));
      // In force on 28 November, last day in force 30 November.
      p = await desk.publish(
        { title: '湖里区临时性文化惠民措施' },
        { date_signed: '2026-11-20', date_effective: '2026-11-28', valid_until: '2026-11-30' },
      );
      a = await desk.publish({ title: '被替代的旧办法' }, { date_effective: '2026-11-10' });
      b = await desk.publish(
        { title: '替代旧办法的新办法' },
        { date_signed: '2026-11-20', date_effective: '2026-11-21' },
      );
      const { recordRelation } = await import('./policies.service.js');
      await recordRelation(t.deps, desk.people.approver.p, desk.people.approver.actor, b.policyId, {
        kind: 'replaces',
        to_policy_id: String(a.policyId),
      });
    });
    after(() => t.dispose());

    const get = (id: number, headers: Record<string, string> = {}) =>
      client.request(`/api/v1/documents/${id}`, { headers });

    test('a policy document carries status, since when, by which document with its URL; others carry null', async () => {
      const doc = (await (await client.get('/api/v1/openapi.json')).json()) as Json;
      const checker = openApiChecker(doc);
      const res = await get(a.itemId);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Json;
      assert.deepEqual(await checker.bodyErrors('/api/v1/documents/{id}', 'GET', 200, body), []);
      assert.deepEqual(body.validity, {
        status: 'abolished',
        label: '已废止',
        since: '2026-11-21',
        banner: {
          text: '本文件已废止，自 2026-11-21 起不再执行。',
          by: {
            id: b.policyId,
            title: '替代旧办法的新办法',
            doc_number: (body.validity as { banner: { by: { doc_number: string } } }).banner.by.doc_number,
            url: `http://gk.test/org/wenti/items/${b.itemId}`,
          },
        },
      });
      // The same marking as the policy API.
      const pol = (await (await client.get(`/api/v1/policies/${a.policyId}`)).json()) as Json;
      assert.deepEqual(pol.status, body.validity);
      // An ordinary item: null.
      const plain = await desk.draftItem({ title: '普通信息' });
      await desk.publishDraft(plain);
      const pb = (await (await get(plain)).json()) as Json;
      assert.equal(pb.validity, null);
      assert.deepEqual(await checker.bodyErrors('/api/v1/documents/{id}', 'GET', 200, pb), []);
    });

    test('ETag and Last-Modified change at Beijing midnight when the status changes by date alone', async () => {
      const row = () =>
        t.db.kysely
          .selectFrom('policies')
          .select(['status', 'updated_at'])
          .where('id', '=', p.policyId)
          .executeTakeFirstOrThrow();
      const stored = await row();
      t.setNow(new Date('2026-11-26T02:00:00Z'));
      const first = await get(p.itemId);
      assert.equal(((await first.json()) as Json & { validity: Json }).validity.status, 'pending');
      const etag = first.headers.get('etag')!;
      const lastModified = first.headers.get('last-modified')!;
      assert.ok(etag && lastModified);

      // 23:59:59 on 27 November in Beijing: still 尚未施行, nothing changed.
      t.setNow(new Date('2026-11-27T15:59:59Z'));
      assert.equal((await get(p.itemId, { 'if-none-match': etag })).status, 304);
      assert.equal((await get(p.itemId, { 'if-modified-since': lastModified })).status, 304);

      // 00:00:01 on 28 November in Beijing: 有效, from midnight.
      t.setNow(new Date('2026-11-27T16:00:01Z'));
      const inForce = await get(p.itemId, { 'if-none-match': etag });
      assert.equal(inForce.status, 200);
      const v = ((await inForce.json()) as { validity: Json }).validity;
      assert.equal(v.status, 'in_force');
      assert.equal(v.since, '2026-11-28');
      assert.equal(v.banner, null);
      assert.equal(inForce.headers.get('last-modified'), 'Fri, 27 Nov 2026 16:00:00 GMT');
      assert.notEqual(inForce.headers.get('etag'), etag);
      assert.equal((await get(p.itemId, { 'if-modified-since': lastModified })).status, 200);
      const etag2 = inForce.headers.get('etag')!;
      assert.equal((await get(p.itemId, { 'if-none-match': etag2 })).status, 304);

      // Valid until 30 November: 已失效 from 00:00 on 1 December (Beijing), with the banner.
      t.setNow(new Date('2026-11-30T15:59:00Z'));
      assert.equal((await get(p.itemId, { 'if-none-match': etag2 })).status, 304);
      t.setNow(new Date('2026-11-30T16:00:30Z'));
      const expired = await get(p.itemId, { 'if-none-match': etag2 });
      assert.equal(expired.status, 200);
      const e = ((await expired.json()) as { validity: Json & { banner: Json } }).validity;
      assert.equal(e.status, 'expired');
      assert.equal(e.since, '2026-12-01');
      assert.equal(e.banner.text, '本文件已失效，自 2026-12-01 起不再执行。');
      assert.equal(expired.headers.get('last-modified'), 'Mon, 30 Nov 2026 16:00:00 GMT');
      assert.equal((await get(p.itemId, { 'if-modified-since': inForce.headers.get('last-modified')! })).status, 200);

      // Nothing was written: the validators come from the date alone.
      assert.deepEqual(await row(), stored);
    });
  });
}
