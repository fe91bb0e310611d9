import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openApiChecker } from '../../platform/api/testing.js';
import { createTestApp, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import * as pub from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

type Json = Record<string, unknown>;

// GET /api/v1/documents/{id} of a policy document carries its validity marking, and its validators change
// when the status changes by date alone at Beijing midnight, with no write to the database. GET
// /api/v1/policies/{id} is a conditional GET the same way (ETag, Last-Modified, 304, the same change at
// midnight), and its validators move after an edit too; CORS as on every public read.
for (const engine of testEngines()) {
  describe(`validity and validators in the document and policy APIs (${engine})`, () => {
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

    const path = () => `/api/v1/policies/${p.policyId}`;
    const getPolicy = (headers: Record<string, string> = {}) => client.request(path(), { headers });

    test('GET /policies/{id}: 200 with ETag, Last-Modified and CORS; 304 on a matching If-None-Match or If-Modified-Since', async () => {
      t.setNow(new Date('2026-11-25T02:00:00Z'));
      const first = await getPolicy({ origin: 'https://example.org' });
      assert.equal(first.status, 200);
      const body = (await first.json()) as Json & { status: Json };
      assert.equal(body.id, p.policyId);
      assert.equal(body.status.status, 'pending');
      const etag = first.headers.get('etag');
      const lastModified = first.headers.get('last-modified');
      assert.match(etag ?? '', /^W\/".+"$/);
      assert.ok(lastModified, 'Last-Modified');
      // Published at 2026-11-25T02:00:00Z; nothing later yet.
      assert.equal(lastModified, 'Wed, 25 Nov 2026 02:00:00 GMT');
      assert.equal(first.headers.get('cache-control'), 'public, no-cache');
      assert.equal(first.headers.get('access-control-allow-origin'), '*');
      assert.match(first.headers.get('access-control-expose-headers') ?? '', /ETag, Last-Modified/);
      assert.equal(first.headers.get('access-control-allow-credentials'), null);

      const again = await getPolicy({ origin: 'https://example.org', 'if-none-match': etag! });
      assert.equal(again.status, 304);
      assert.equal(again.headers.get('etag'), etag);
      assert.equal(again.headers.get('last-modified'), lastModified);
      assert.equal(again.headers.get('access-control-allow-origin'), '*', 'a 304 is readable cross-origin too');
      assert.equal(await again.text(), '');
      assert.equal((await getPolicy({ 'if-none-match': `W/"other", ${etag}` })).status, 304, 'one of a list');
      assert.equal((await getPolicy({ 'if-modified-since': lastModified! })).status, 304);
      assert.equal((await getPolicy({ 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' })).status, 200);
      assert.equal((await getPolicy({ 'if-none-match': 'W/"other"' })).status, 200);
      // If-None-Match decides when both are sent (RFC 9110 §13.2.2).
      assert.equal((await getPolicy({ 'if-none-match': 'W/"other"', 'if-modified-since': lastModified! })).status, 200);

      // The preflight is what it was: GET and HEAD from any origin, with the conditional headers allowed.
      const pre = await client.request(path(), {
        method: 'OPTIONS',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, HEAD, OPTIONS');
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /If-None-Match, If-Modified-Since/);

      // Unknown and unpublished policies stay 404, without validators.
      const draft = await desk.draft({ title: '尚未公开的办法' });
      for (const id of [draft.policyId, 999999]) {
        const res = await client.request(`/api/v1/policies/${id}`);
        assert.equal(res.status, 404, String(id));
        assert.equal(res.headers.get('etag'), null);
      }
    });

    test('GET /policies/{id} in the OpenAPI document: the validators, the conditional headers and the 304', async () => {
      const doc = (await (await client.get('/api/v1/openapi.json')).json()) as Json;
      const op = (doc.paths as Record<string, Record<string, Json>>)['/api/v1/policies/{id}'].get;
      const responses = op.responses as Record<string, { headers?: Json }>;
      assert.ok(responses['304'], '304 declared');
      for (const s of ['200', '304'])
        assert.deepEqual(Object.keys(responses[s].headers ?? {}), ['ETag', 'Last-Modified'], `${s} headers`);
      const headers = (op.parameters as { name: string; in: string }[]).filter((x) => x.in === 'header');
      assert.deepEqual(
        headers.map((h) => h.name),
        ['If-None-Match', 'If-Modified-Since'],
      );
      assert.match(String(op.description), /北京时间零时/);
      const checker = openApiChecker(doc);
      assert.deepEqual(await checker.documentErrors(), []);
      const body = await (await getPolicy()).json();
      assert.deepEqual(await checker.bodyErrors('/api/v1/policies/{id}', 'GET', 200, body), []);
    });

    test('GET /policies/{id}: the validators change at Beijing midnight when the status changes by date alone, without a write', async () => {
      const row = () =>
        t.db.kysely.selectFrom('policies').selectAll().where('id', '=', p.policyId).executeTakeFirstOrThrow();
      const stored = await row();
      t.setNow(new Date('2026-11-26T02:00:00Z'));
      const first = await getPolicy();
      assert.equal(((await first.json()) as { status: Json }).status.status, 'pending');
      const etag = first.headers.get('etag')!;
      const lastModified = first.headers.get('last-modified')!;

      // 23:59:59 on 27 November in Beijing: still 尚未施行.
      t.setNow(new Date('2026-11-27T15:59:59Z'));
      assert.equal((await getPolicy({ 'if-none-match': etag })).status, 304);
      assert.equal((await getPolicy({ 'if-modified-since': lastModified })).status, 304);

      // 00:00:01 on 28 November in Beijing: 有效 from midnight, a new ETag and Last-Modified at midnight.
      t.setNow(new Date('2026-11-27T16:00:01Z'));
      const inForce = await getPolicy({ 'if-none-match': etag });
      assert.equal(inForce.status, 200);
      const s = ((await inForce.json()) as { status: Json }).status;
      assert.equal(s.status, 'in_force');
      assert.equal(s.since, '2026-11-28');
      assert.equal(inForce.headers.get('last-modified'), 'Fri, 27 Nov 2026 16:00:00 GMT');
      assert.notEqual(inForce.headers.get('etag'), etag);
      assert.equal((await getPolicy({ 'if-modified-since': lastModified })).status, 200);
      const etag2 = inForce.headers.get('etag')!;
      assert.equal((await getPolicy({ 'if-none-match': etag2 })).status, 304);
      assert.equal((await getPolicy({ 'if-modified-since': inForce.headers.get('last-modified')! })).status, 304);

      // 已失效 from 00:00 on 1 December (Beijing).
      t.setNow(new Date('2026-11-30T15:59:00Z'));
      assert.equal((await getPolicy({ 'if-none-match': etag2 })).status, 304);
      t.setNow(new Date('2026-11-30T16:00:30Z'));
      const expired = await getPolicy({ 'if-none-match': etag2 });
      assert.equal(expired.status, 200);
      const e = ((await expired.json()) as { status: Json & { banner: Json } }).status;
      assert.equal(e.status, 'expired');
      assert.equal(e.banner.text, '本文件已失效，自 2026-12-01 起不再执行。');
      assert.equal(expired.headers.get('last-modified'), 'Mon, 30 Nov 2026 16:00:00 GMT');

      // Nothing was written: the validators come from the date alone.
      assert.deepEqual(await row(), stored);
    });

    test('GET /policies/{id}: an edit moves the validators: a revised title, a published interpretation, then its withdrawal', async () => {
      const people = desk.people;
      t.setNow(new Date('2026-12-02T02:00:00Z'));
      const before = await getPolicy();
      const etag = before.headers.get('etag')!;
      const lastModified = before.headers.get('last-modified')!;
      assert.equal((await getPolicy({ 'if-none-match': etag })).status, 304);

      // A revision of the document with a new title, republished an hour later.
      t.setNow(new Date('2026-12-02T03:00:00Z'));
      await pub.startRevision(t.deps, people.drafter.p, people.drafter.actor, p.itemId);
      await desk.editDraft(p.itemId, { title: '湖里区冬季文化惠民临时措施（修订）', change_kind: 'minor' });
      await desk.publishDraft(p.itemId);
      const revised = await getPolicy({ 'if-none-match': etag });
      assert.equal(revised.status, 200);
      assert.equal(((await revised.json()) as Json).title, '湖里区冬季文化惠民临时措施（修订）');
      assert.notEqual(revised.headers.get('etag'), etag);
      assert.equal(revised.headers.get('last-modified'), 'Wed, 02 Dec 2026 03:00:00 GMT');
      assert.equal((await getPolicy({ 'if-modified-since': lastModified })).status, 200);
      const etag2 = revised.headers.get('etag')!;
      const lm2 = revised.headers.get('last-modified')!;
      assert.equal((await getPolicy({ 'if-none-match': etag2 })).status, 304);

      // A text interpretation of it is published: it is listed, and the validators move.
      t.setNow(new Date('2026-12-02T04:00:00Z'));
      const interp = await desk.publishInterpretation('《湖里区冬季文化惠民临时措施》解读', p.policyId);
      const interpreted = await getPolicy({ 'if-none-match': etag2 });
      assert.equal(interpreted.status, 200);
      const ib = (await interpreted.json()) as { interpretations: { document_id: number }[] };
      assert.deepEqual(
        ib.interpretations.map((x) => x.document_id),
        [interp],
      );
      assert.equal(interpreted.headers.get('last-modified'), 'Wed, 02 Dec 2026 04:00:00 GMT');
      assert.equal((await getPolicy({ 'if-modified-since': lm2 })).status, 200);
      const etag3 = interpreted.headers.get('etag')!;
      const lm3 = interpreted.headers.get('last-modified')!;
      assert.notEqual(etag3, etag2);

      // The interpretation is withdrawn: it leaves the list, and Last-Modified still moves forward (a client
      // asking If-Modified-Since the previous answer must not be told nothing changed).
      t.setNow(new Date('2026-12-02T05:00:00Z'));
      await pub.withdraw(t.deps, people.approver.p, people.approver.actor, interp, {
        reason: 'outdated',
        note: '解读内容已过时。',
        replacement_item_id: '',
      });
      const gone = await getPolicy({ 'if-modified-since': lm3 });
      assert.equal(gone.status, 200);
      assert.deepEqual(((await gone.json()) as { interpretations: unknown[] }).interpretations, []);
      assert.equal(gone.headers.get('last-modified'), 'Wed, 02 Dec 2026 05:00:00 GMT');
      assert.notEqual(gone.headers.get('etag'), etag3);
    });

    test('GET /policies/{id}: an interpretation moved to another policy leaves the list, and Last-Modified moves with it', async () => {
      const people = desk.people;
      t.setNow(new Date('2026-12-03T02:00:00Z'));
      const interp = await desk.publishInterpretation('《湖里区冬季文化惠民临时措施》问答', p.policyId);
      const listed = await getPolicy();
      assert.deepEqual(
        ((await listed.json()) as { interpretations: { document_id: number }[] }).interpretations.map(
          (x) => x.document_id,
        ),
        [interp],
      );
      const etag = listed.headers.get('etag')!;
      const lastModified = listed.headers.get('last-modified')!;
      assert.equal(lastModified, 'Thu, 03 Dec 2026 02:00:00 GMT');

      // A revision of the interpretation names another policy instead: nothing changes for the public until
      // the revision is published; then p no longer lists it.
      t.setNow(new Date('2026-12-03T03:00:00Z'));
      await pub.startRevision(t.deps, people.drafter.p, people.drafter.actor, interp);
      await desk.interpret(interp, b.policyId);
      const staged = await getPolicy();
      assert.deepEqual(
        ((await staged.json()) as { interpretations: { document_id: number }[] }).interpretations.map(
          (x) => x.document_id,
        ),
        [interp],
        'the revision is not published yet',
      );
      t.setNow(new Date('2026-12-03T04:00:00Z'));
      await desk.publishRevision(interp, '改为解读另一份文件。');
      const moved = await getPolicy({ 'if-modified-since': lastModified });
      assert.equal(moved.status, 200, 'a client holding the previous answer is told it changed');
      assert.deepEqual(((await moved.json()) as { interpretations: unknown[] }).interpretations, []);
      assert.equal(moved.headers.get('last-modified'), 'Thu, 03 Dec 2026 04:00:00 GMT');
      assert.notEqual(moved.headers.get('etag'), etag);
      assert.equal((await getPolicy({ 'if-modified-since': moved.headers.get('last-modified')! })).status, 304);
    });
  });
}
