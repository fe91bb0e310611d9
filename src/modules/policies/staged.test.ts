import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ValidationError } from '../../platform/errors.js';
import { clearPageCache } from '../../platform/http/portal.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import * as pub from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';
import * as isvc from './interpretations.service.js';
import * as svc from './policies.service.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

// A revision of a published policy or interpretation changes what the public sees only when it is published
// (staged.ts): until then the pages and the API show the published fields, issuers and links, and the
// staff forms show the revision's.
for (const engine of testEngines()) {
  describe(`staged revisions of policies and interpretations (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;
    let anon: TestClient;
    let staffUser: Awaited<ReturnType<typeof insertStaff>>;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
      anon = new TestClient(t.app);
      staffUser = await insertStaff(t, `staged_${engine}`, [{ role: 'drafter', organizationId: desk.orgId }]);
    });
    after(() => t.dispose());

    type PolicyJson = {
      doc_number: string;
      valid_until: string | null;
      issuers: string[];
      status: { status: string };
      interpretations: { document_id: number }[];
    };
    const policyApi = async (policyId: number) => {
      clearPageCache(); // what the rows say now, not what a cached page said
      const res = await anon.get(`/api/v1/policies/${policyId}`);
      assert.equal(res.status, 200);
      return (await res.json()) as PolicyJson;
    };
    /** A console page as a drafter of the organization, signed in at the test clock's time. */
    const staffPage = async (path: string) => {
      const res = await (await signedInClient(t, staffUser)).get(path);
      assert.equal(res.status, 200, path);
      return res.text();
    };
    const drafter = () => desk.people.drafter;
    const policyFields = (over: Record<string, string>) => ({
      policy_type: 'other',
      doc_number: '厦湖文体〔2026〕21号',
      theme: '文化旅游',
      date_signed: '2026-11-01',
      date_effective: '2026-11-10',
      valid_until: '',
      issuers: '厦门市湖里区文体出版旅游局',
      ...over,
    });
    /** savePolicy as the drafter, with policyFields(over). */
    const savePolicy = (itemId: number, over: Record<string, string>) =>
      svc.savePolicy(t.deps, drafter().p, drafter().actor, itemId, policyFields(over));

    test('a revision’s policy fields and issuers reach the page and the API when it is published', async () => {
      t.setNow(new Date('2026-11-25T02:00:00Z'));
      const p = await desk.publish({ title: '湖里区公共文化设施开放管理办法' }, policyFields({}));
      await pub.startRevision(t.deps, drafter().p, drafter().actor, p.itemId);
      await savePolicy(p.itemId, {
        doc_number: '厦湖文体〔2026〕22号',
        valid_until: '2026-11-30',
        issuers: '厦门市湖里区文体出版旅游局\n厦门市湖里区财政局',
      });

      // The public still sees the published document.
      const during = await policyApi(p.policyId);
      assert.equal(during.doc_number, '厦湖文体〔2026〕21号');
      assert.equal(during.valid_until, null);
      assert.deepEqual(during.issuers, ['厦门市湖里区文体出版旅游局']);
      clearPageCache();
      const page = await (await anon.get(`/org/wenti/items/${p.itemId}`)).text();
      assert.ok(page.includes('厦湖文体〔2026〕21号'));
      assert.ok(!page.includes('22号') && !page.includes('湖里区财政局'), 'nothing of the revision on the page');

      // Staff see the revision's values, and that they wait for its publication.
      const form = await staffPage(`/console/items/${p.itemId}/policy`);
      assert.ok(form.includes('厦湖文体〔2026〕22号') && form.includes('厦门市湖里区财政局'));
      assert.ok(form.includes('2026-11-30'));
      assert.match(form, /此处保存的修改在修订稿审核发布后生效/);
      const consolePage = await staffPage(`/console/items/${p.itemId}`);
      assert.match(consolePage, /修订稿发布后生效/);
      assert.ok(consolePage.includes('厦湖文体〔2026〕22号'));

      // Published on 1 December, after the revised 有效期至: the new fields, issuers and the status they give.
      t.setNow(new Date('2026-12-01T02:00:00Z'));
      await desk.publishRevision(p.itemId);
      const published = await policyApi(p.policyId);
      assert.equal(published.doc_number, '厦湖文体〔2026〕22号');
      assert.equal(published.valid_until, '2026-11-30');
      assert.deepEqual(published.issuers, ['厦门市湖里区文体出版旅游局', '厦门市湖里区财政局']);
      assert.equal(published.status.status, 'expired');
      const row = await t.db.kysely
        .selectFrom('policies')
        .select(['staged_json', 'updated_at'])
        .where('id', '=', p.policyId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { staged_json: '', updated_at: '2026-12-01T02:00:00.000Z' });
      assert.doesNotMatch(await staffPage(`/console/items/${p.itemId}`), /修订稿发布后生效/);
    });

    test('a revision that makes a document normative goes to review with an interpretation (三同步)', async () => {
      t.setNow(new Date('2026-11-25T02:00:00Z'));
      const p = await desk.publish({ title: '湖里区文化志愿服务管理办法' }, policyFields({ doc_number: '' }));
      await pub.startRevision(t.deps, drafter().p, drafter().actor, p.itemId);
      await savePolicy(p.itemId, { policy_type: 'normative', doc_number: '厦湖文体〔2026〕23号' });
      await desk.editDraft(p.itemId, { change_kind: 'minor' });
      await assert.rejects(
        pub.submit(t.deps, drafter().p, drafter().actor, p.itemId),
        (e) => e instanceof ValidationError && /三同步/.test(e.fields.interpretation ?? ''),
      );
    });

    test('a revision’s interpretation links, form and transcript wait for its publication', async () => {
      t.setNow(new Date('2026-11-25T02:00:00Z'));
      const a = await desk.publish({ title: '湖里区非遗传承人认定办法' }, policyFields({ doc_number: '' }));
      const b = await desk.publish({ title: '湖里区非遗传承人补助办法' }, policyFields({ doc_number: '' }));
      const it = await desk.publishInterpretation('《湖里区非遗传承人认定办法》解读', a.policyId);
      await pub.startRevision(t.deps, drafter().p, drafter().actor, it);
      await isvc.saveInterpretation(t.deps, drafter().p, drafter().actor, it, {
        form: 'interview',
        policy_ids: String(b.policyId),
        transcript_html: '<p><strong>主持人：</strong>请介绍补助办法。</p>',
      });

      const transcript = `/org/wenti/interpretations/${it}/transcript`;
      assert.deepEqual(
        (await policyApi(a.policyId)).interpretations.map((x) => x.document_id),
        [it],
      );
      assert.deepEqual((await policyApi(b.policyId)).interpretations, []);
      clearPageCache();
      assert.equal((await anon.get(transcript)).status, 404, 'no transcript before the revision is published');
      assert.match(await (await anon.get(`/org/wenti/items/${it}`)).text(), /文字解读/);
      const consolePage = await staffPage(`/console/items/${it}`);
      assert.match(consolePage, /访谈解读/);
      assert.match(consolePage, /湖里区非遗传承人补助办法/);
      assert.match(consolePage, /修订稿发布后生效/);
      const form = await staffPage(`/console/items/${it}/interpretation`);
      assert.ok(form.includes(`value="${b.policyId}"`) && form.includes('请介绍补助办法'));

      t.setNow(new Date('2026-11-26T02:00:00Z'));
      await desk.publishRevision(it, '改为访谈形式，解读补助办法。');
      assert.deepEqual((await policyApi(a.policyId)).interpretations, []);
      assert.deepEqual(
        (await policyApi(b.policyId)).interpretations.map((x) => x.document_id),
        [it],
      );
      assert.equal((await anon.get(transcript)).status, 200);
      assert.match(await (await anon.get(`/org/wenti/items/${it}`)).text(), /访谈解读/);
    });

    test('an item already published cannot become a policy or an interpretation in a revision', async () => {
      const itemId = await desk.draftItem({ title: '湖里区图书馆春节开放安排' });
      await desk.publishDraft(itemId);
      await pub.startRevision(t.deps, drafter().p, drafter().actor, itemId);
      await assert.rejects(
        savePolicy(itemId, { doc_number: '' }),
        (e) => e instanceof ValidationError && /首次发布前/.test(e.fields.policy_type ?? ''),
      );
      const other = await desk.publish({ title: '湖里区图书馆管理办法' }, policyFields({ doc_number: '' }));
      await assert.rejects(
        isvc.saveInterpretation(t.deps, drafter().p, drafter().actor, itemId, {
          form: 'text',
          policy_ids: String(other.policyId),
        }),
        (e) => e instanceof ValidationError && /首次发布前/.test(e.fields.form ?? ''),
      );
      const page = await staffPage(`/console/items/${itemId}`);
      assert.ok(!page.includes(`/console/items/${itemId}/policy"`), 'no link to make it a policy');
      const kind = await t.db.kysely.selectFrom('items').select('kind').where('id', '=', itemId).executeTakeFirst();
      assert.equal(kind?.kind, '');
    });
  });
}
