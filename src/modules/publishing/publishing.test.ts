import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Principal } from '../../platform/auth/permissions.js';
import { storeFile } from '../../platform/files/files.service.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { directoryOf } from '../directory/directory.service.js';
import { seedDemo } from '../seed/demo.js';
import { findItem } from './publishing.repository.js';
import * as svc from './publishing.service.js';

const actor = (u: { id: number; username: string }) => ({ userId: u.id, name: u.username, ip: '127.0.0.1' });
const principal = (u: { id: number; username: string }, grants: Principal['grants']): Principal => ({
  userId: u.id,
  username: u.username,
  displayName: u.username,
  grants,
});

for (const engine of testEngines()) {
  describe(`publishing workflow (${engine})`, () => {
    let t: TestApp;
    let orgId: number;
    let otherOrgId: number;
    let policiesId: number;
    let newsId: number;
    const people: Record<string, { id: number; username: string; p: Principal }> = {};
    const draft = (over: Record<string, string> = {}) => ({
      column_id: String(policiesId),
      title: '关于印发湖里区文化产业扶持办法的通知',
      doc_number: '厦湖文体〔2026〕12号',
      date_created: '2026-11-20',
      theme: '文化、广电、新闻出版',
      genre: '通知',
      keywords: '文化产业 扶持',
      summary: '明确文化企业扶持对象、条件和申报程序。',
      body_html: '<h2>一、扶持对象</h2><p>在本区注册的<strong>文化企业</strong>。</p><script>alert(1)</script>',
      disclosure: 'proactive',
      exemption: '',
      five_category: 'decision',
      disclosure_method: '政府网站',
      ...over,
    });

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      const orgs = await t.db.kysely.selectFrom('organizations').select(['id', 'slug']).execute();
      orgId = orgs.find((o) => o.slug === 'wenti')!.id;
      otherOrgId = orgs.find((o) => o.slug === 'fagai')!.id;
      const dir = await directoryOf(t.deps, orgId);
      policiesId = dir.bySlug.get('policies')!.id;
      newsId = dir.bySlug.get('news')!.id;
      for (const role of ['drafter', 'reviewer', 'approver', 'disclosure_officer'] as const) {
        const u = await insertStaff(t, role, [{ role, organizationId: orgId }]);
        people[role] = { ...u, p: principal(u, [{ role, organizationId: orgId }]) };
      }
      const outsider = await insertStaff(t, 'outsider', [{ role: 'approver', organizationId: otherOrgId }]);
      people.outsider = { ...outsider, p: principal(outsider, [{ role: 'approver', organizationId: otherOrgId }]) };
    });
    after(() => t.dispose());

    test('new organizations get the standard directory with the Article 20 columns', async () => {
      const dir = await directoryOf(t.deps, orgId);
      for (const name of [
        '政府信息公开指南',
        '政府信息公开制度',
        '法定主动公开内容',
        '机构职能',
        '政策文件',
        '财政预决算',
        '人事信息',
        '政府信息公开年报',
        '依申请公开',
      ]) {
        assert.ok(
          dir.all.some((c) => c.name === name),
          name,
        );
      }
      assert.equal(dir.path(policiesId)[0].name, '法定主动公开内容');
    });

    test('a draft gets a unique index number from the pattern and its body is sanitized', async () => {
      const id = await svc.createDraft(t.deps, people.drafter.p, actor(people.drafter), orgId, draft());
      const item = (await findItem(t.db.kysely, id))!;
      assert.match(item.index_number, /^HLWT-ZCWJ-2026-\d{5}$/);
      assert.doesNotMatch(item.body_html, /script/);
      assert.match(item.body_html, /<strong>文化企业<\/strong>/);
      assert.equal(item.status, 'draft');
    });

    test('index numbers stay unique when many drafts are created at once', async () => {
      const ids = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          svc.createDraft(t.deps, people.drafter.p, actor(people.drafter), orgId, draft({ title: `并发测试 ${i}` })),
        ),
      );
      const rows = await t.db.kysely.selectFrom('items').select('index_number').where('id', 'in', ids).execute();
      assert.equal(new Set(rows.map((r) => r.index_number)).size, 12);
    });

    test('the full workflow: submit, review, return with comment, approve, publish; no self-approval', async () => {
      const d = people.drafter;
      const id = await svc.createDraft(t.deps, d.p, actor(d), orgId, draft({ title: '湖里区2026年部门预算公开说明' }));
      await assert.rejects(svc.review(t.deps, people.reviewer.p, actor(people.reviewer), id), /当前状态/);
      await assert.rejects(svc.submit(t.deps, people.reviewer.p, actor(people.reviewer), id), /不能执行/);
      await svc.submit(t.deps, d.p, actor(d), id);
      await assert.rejects(svc.updateDraft(t.deps, d.p, actor(d), id, draft()), /不能执行/);
      await assert.rejects(
        svc.returnToDraft(t.deps, people.reviewer.p, actor(people.reviewer), id, ''),
        (e: Error & { fields?: Record<string, string> }) => /写明需要修改/.test(e.fields?.comment ?? ''),
      );
      await svc.returnToDraft(t.deps, people.reviewer.p, actor(people.reviewer), id, '请补充申报材料清单');
      await svc.updateDraft(
        t.deps,
        d.p,
        actor(d),
        id,
        draft({ title: '湖里区2026年部门预算公开说明', body_html: '<p>已补充材料清单。</p>' }),
      );
      await svc.submit(t.deps, d.p, actor(d), id);
      await svc.review(t.deps, people.reviewer.p, actor(people.reviewer), id);
      await assert.rejects(svc.approve(t.deps, people.outsider.p, actor(people.outsider), id), /不能执行/);
      await assert.rejects(svc.publishNow(t.deps, people.approver.p, actor(people.approver), id), /不能执行/);
      await svc.approve(t.deps, people.approver.p, actor(people.approver), id);
      await svc.publishNow(t.deps, people.disclosure_officer.p, actor(people.disclosure_officer), id);
      const item = await t.db.kysely.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(item.status, 'published');
      assert.equal(item.published_version, 1);
      const events = await t.db.kysely
        .selectFrom('item_events')
        .select('action')
        .where('item_id', '=', id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => e.action),
        ['create', 'submit', 'return', 'edit', 'submit', 'review', 'approve', 'publish'],
      );
      const audits = await t.db.kysely
        .selectFrom('audit_events')
        .select('action')
        .where('entity_type', '=', 'item')
        .where('entity_id', '=', String(id))
        .execute();
      assert.ok(audits.length >= 8);
    });

    test('an approver cannot approve what they drafted unless the organization allows one person', async () => {
      const both = await insertStaff(t, 'solo', [
        { role: 'drafter', organizationId: orgId },
        { role: 'reviewer', organizationId: orgId },
        { role: 'approver', organizationId: orgId },
      ]);
      const p = principal(both, [
        { role: 'drafter', organizationId: orgId },
        { role: 'reviewer', organizationId: orgId },
        { role: 'approver', organizationId: orgId },
      ]);
      const id = await svc.createDraft(t.deps, p, actor(both), orgId, draft({ title: '一人流程测试' }));
      await svc.submit(t.deps, p, actor(both), id);
      await svc.review(t.deps, p, actor(both), id);
      await assert.rejects(svc.approve(t.deps, p, actor(both), id), /不能签发自己起草的信息/);
      await t.db.kysely
        .insertInto('settings')
        .values({ key: `org:${orgId}:one_person_workflow`, value: '1', updated_at: 'x' })
        .execute();
      await svc.approve(t.deps, p, actor(both), id);
      await t.db.kysely.deleteFrom('settings').where('key', '=', `org:${orgId}:one_person_workflow`).execute();
    });

    test('only proactive items can be published', async () => {
      const d = people.drafter;
      const id = await svc.createDraft(
        t.deps,
        d.p,
        actor(d),
        orgId,
        draft({ title: '内部会议纪要', disclosure: 'exempt', exemption: 'process_info' }),
      );
      await svc.submit(t.deps, d.p, actor(d), id);
      await svc.review(t.deps, people.reviewer.p, actor(people.reviewer), id);
      await svc.approve(t.deps, people.approver.p, actor(people.approver), id);
      await assert.rejects(
        svc.publishNow(t.deps, people.approver.p, actor(people.approver), id),
        /只有公开属性为“主动公开”/,
      );
      await assert.rejects(
        svc.createDraft(t.deps, d.p, actor(d), orgId, draft({ disclosure: 'exempt' })),
        (e: Error & { fields?: Record<string, string> }) => !!e.fields?.exemption,
      );
    });

    async function published(title: string, columnId = newsId) {
      const d = people.drafter;
      const id = await svc.createDraft(
        t.deps,
        d.p,
        actor(d),
        orgId,
        draft({ title, column_id: String(columnId), genre: '其他' }),
      );
      await svc.submit(t.deps, d.p, actor(d), id);
      await svc.review(t.deps, people.reviewer.p, actor(people.reviewer), id);
      await svc.approve(t.deps, people.approver.p, actor(people.approver), id);
      await svc.publishNow(t.deps, people.approver.p, actor(people.approver), id);
      return id;
    }

    test('the public sees only published items; drafts and unknown ids answer 404', async () => {
      const anon = new TestClient(t.app);
      const pub = await published('文化市场双随机抽查结果公示');
      const res = await anon.get(`/org/wenti/items/${pub}`);
      assert.equal(res.status, 200);
      const html = await res.text();
      for (const label of ['索引号', '发布机构', '生成日期', '主题分类', '公开方式'])
        assert.match(html, new RegExp(`<th scope="row">${label}</th>`));
      assert.match(html, /扫一扫在手机上查看当前页面/);
      const d = await svc.createDraft(
        t.deps,
        people.drafter.p,
        actor(people.drafter),
        orgId,
        draft({ title: '尚未发布的草稿' }),
      );
      assert.equal((await anon.get(`/org/wenti/items/${d}`)).status, 404);
      assert.equal((await anon.get('/org/wenti/items/99999999')).status, 404);
      assert.equal(
        (await anon.get(`/org/fagai/items/${pub}`)).status,
        404,
        'an item answers only under its own organization',
      );
      const col = await (await anon.get('/org/wenti/gk/news')).text();
      assert.match(col, /文化市场双随机抽查结果公示/);
      assert.doesNotMatch(col, /尚未发布的草稿/);
    });

    test('a revision keeps the published version public until republished; a major change needs a note', async () => {
      const id = await published('湖里区公共文化服务目录');
      const d = people.drafter;
      await svc.startRevision(t.deps, d.p, actor(d), id);
      await assert.rejects(
        svc.updateDraft(
          t.deps,
          d.p,
          actor(d),
          id,
          draft({
            title: '湖里区公共文化服务目录（2026年修订）',
            column_id: String(newsId),
            genre: '其他',
            change_kind: 'major',
            change_note: '',
          }),
        ),
        (e: Error & { fields?: Record<string, string> }) => !!e.fields?.change_note,
      );
      await svc.updateDraft(
        t.deps,
        d.p,
        actor(d),
        id,
        draft({
          title: '湖里区公共文化服务目录（2026年修订）',
          column_id: String(newsId),
          genre: '其他',
          change_kind: 'major',
          change_note: '新增图书馆夜间开放时间。',
        }),
      );
      const anon = new TestClient(t.app);
      const during = await (await anon.get(`/org/wenti/items/${id}`)).text();
      assert.match(during, /湖里区公共文化服务目录</);
      assert.doesNotMatch(during, /2026年修订/);
      await svc.submit(t.deps, d.p, actor(d), id);
      await svc.review(t.deps, people.reviewer.p, actor(people.reviewer), id);
      await svc.approve(t.deps, people.approver.p, actor(people.approver), id);
      await svc.publishNow(t.deps, people.approver.p, actor(people.approver), id);
      const now = await (await anon.get(`/org/wenti/items/${id}`)).text();
      assert.match(now, /2026年修订/);
      assert.match(now, /修订记录/);
      assert.match(now, /新增图书馆夜间开放时间/);
    });

    test('a published body is stored once: the working copy points at its version until edited', async () => {
      const id = await published('湖里区文化馆开放时间');
      const k = t.db.kysely;
      const stored = () =>
        k
          .selectFrom('items')
          .select(['working_body_html', 'body_in_version', 'published_version'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
      const versionBody = async (version: number) =>
        (
          await k
            .selectFrom('item_versions')
            .select('body_html')
            .where('item_id', '=', id)
            .where('version', '=', version)
            .executeTakeFirstOrThrow()
        ).body_html;
      const v1 = await versionBody(1);
      assert.match(v1, /<strong>文化企业<\/strong>/);
      assert.deepEqual(await stored(), { working_body_html: '', body_in_version: 1, published_version: 1 });
      assert.equal((await findItem(k, id))?.body_html, v1);

      // Staff see the body in the console and in the revision's form.
      const d = people.drafter;
      await svc.startRevision(t.deps, d.p, actor(d), id);
      const c = await signedInClient(t, d);
      const page = await (await c.get(`/console/items/${id}`)).text();
      assert.match(page, /&lt;strong&gt;文化企业&lt;\/strong&gt;|<strong>文化企业<\/strong>/);

      // An edit writes the body back into the item; the public keeps version 1 until the next publication.
      const edited = '<p>开放时间调整为每日九时至二十一时。</p>';
      await svc.updateDraft(
        t.deps,
        d.p,
        actor(d),
        id,
        draft({
          title: '湖里区文化馆开放时间',
          column_id: String(newsId),
          genre: '其他',
          body_html: edited,
          change_kind: 'minor',
        }),
      );
      assert.deepEqual(await stored(), { working_body_html: edited, body_in_version: 0, published_version: 1 });
      assert.equal((await findItem(k, id))?.body_html, edited);
      const anon = new TestClient(t.app);
      assert.match(await (await anon.get(`/org/wenti/items/${id}`)).text(), /<strong>文化企业<\/strong>/);

      await svc.submit(t.deps, d.p, actor(d), id);
      await svc.review(t.deps, people.reviewer.p, actor(people.reviewer), id);
      await svc.approve(t.deps, people.approver.p, actor(people.approver), id);
      await svc.publishNow(t.deps, people.approver.p, actor(people.approver), id);
      assert.deepEqual(await stored(), { working_body_html: '', body_in_version: 1, published_version: 2 });
      assert.equal(await versionBody(2), edited);
      assert.equal(await versionBody(1), v1, 'an earlier version keeps its own body');
      assert.equal((await findItem(k, id))?.body_html, edited);
      const now = await (await anon.get(`/org/wenti/items/${id}`)).text();
      assert.match(now, /开放时间调整为每日九时至二十一时/);
      assert.doesNotMatch(now, /<strong>文化企业<\/strong>/);
    });

    test('compact-bodies points the copies kept from before migration 0015 at their versions, and nothing else', async () => {
      const k = t.db.kysely;
      const ids = [
        await published('湖里区图书馆借阅规则'),
        await published('湖里区文化馆场地预约办法'),
        await published('湖里区美术馆参观须知'),
      ];
      const [changedCopy, revising] = [
        await published('湖里区体育场开放公告'),
        await published('湖里区博物馆讲解安排'),
      ];
      // The shape of rows published before the migration: the item holds its own copy of the body.
      const own = sql<string>`(select v.body_html from item_versions v
        where v.item_id = items.id and v.version = items.published_version)`;
      await k
        .updateTable('items')
        .set({ working_body_html: own, body_in_version: 0 })
        .where('id', 'in', [...ids, changedCopy, revising])
        .execute();
      // One whose copy is not the published body any more, one being revised.
      await k
        .updateTable('items')
        .set({ working_body_html: '<p>另一份正文。</p>' })
        .where('id', '=', changedCopy)
        .execute();
      await svc.startRevision(t.deps, people.drafter.p, actor(people.drafter), revising);
      const before = new Map(
        await Promise.all(
          [...ids, changedCopy, revising].map(async (id) => [id, (await findItem(k, id))?.body_html] as const),
        ),
      );

      const seen: number[] = [];
      const r = await svc.compactPublishedBodies(t.deps, { batch: 2, onProgress: (looked) => seen.push(looked) });
      assert.ok(r.changed >= 3 && r.looked >= r.changed + 1, JSON.stringify(r));
      assert.ok(seen.length >= 2 && seen.every((n, i) => i === 0 || n > seen[i - 1]), 'progress in batches');
      const flags = await k
        .selectFrom('items')
        .select(['id', 'body_in_version', 'working_body_html'])
        .where('id', 'in', [...ids, changedCopy, revising])
        .execute();
      const flag = new Map(flags.map((f) => [f.id, f]));
      for (const id of ids) assert.deepEqual(flag.get(id), { id, body_in_version: 1, working_body_html: '' });
      assert.equal(flag.get(changedCopy)?.body_in_version, 0, 'a copy that differs is kept');
      assert.equal(flag.get(revising)?.body_in_version, 0, 'an item being revised is left alone');
      for (const [id, body] of before) assert.equal((await findItem(k, id))?.body_html, body, `item ${id}: same body`);
      assert.equal((await svc.compactPublishedBodies(t.deps)).changed, 0, 'a second run changes nothing');
    });

    test('a file removed in a draft revision stays public until the revision is published', async () => {
      const d = people.drafter;
      const id = await svc.createDraft(t.deps, d.p, actor(d), orgId, draft({ title: '附件随版本公开', genre: '其他' }));
      const bytes = new TextEncoder().encode(`%PDF-1.4\n% revision test ${engine}\n%%EOF\n`);
      const stored = await storeFile(
        t.db,
        t.deps.config.dataDir,
        bytes,
        '办法.pdf',
        { allowed: ['pdf'], maxBytes: 1 << 20 },
        new Date(),
      );
      const attachmentId = await svc.attachFile(t.deps, d.p, actor(d), id, {
        sha256: stored.sha256,
        filename: '办法.pdf',
        alt: '',
        inline: false,
      });
      const anon = new TestClient(t.app);
      const url = `/files/${stored.sha256}/${encodeURIComponent('办法.pdf')}`;
      assert.equal((await anon.get(url)).status, 404, 'a draft attachment is not public');
      const publish = async () => {
        await svc.submit(t.deps, d.p, actor(d), id);
        await svc.review(t.deps, people.reviewer.p, actor(people.reviewer), id);
        await svc.approve(t.deps, people.approver.p, actor(people.approver), id);
        await svc.publishNow(t.deps, people.approver.p, actor(people.approver), id);
      };
      await publish();
      assert.equal((await anon.get(url)).status, 200);
      await svc.startRevision(t.deps, d.p, actor(d), id);
      await svc.detachFile(t.deps, d.p, actor(d), id, attachmentId);
      assert.equal((await anon.get(url)).status, 200, 'the published version still lists it');
      const added = await storeFile(
        t.db,
        t.deps.config.dataDir,
        new TextEncoder().encode(`%PDF-1.4\n% added ${engine}\n%%EOF\n`),
        '新附件.pdf',
        { allowed: ['pdf'], maxBytes: 1 << 20 },
        new Date(),
      );
      await svc.attachFile(t.deps, d.p, actor(d), id, {
        sha256: added.sha256,
        filename: '新附件.pdf',
        alt: '',
        inline: false,
      });
      const addedUrl = `/files/${added.sha256}/x.pdf`;
      assert.equal((await anon.get(addedUrl)).status, 404, 'a file added in the draft revision is not public yet');
      await svc.updateDraft(
        t.deps,
        d.p,
        actor(d),
        id,
        draft({ title: '附件随版本公开', genre: '其他', change_kind: 'major', change_note: '删除附件。' }),
      );
      await publish();
      assert.equal((await anon.get(url)).status, 404, 'gone with the version that dropped it');
      assert.equal((await anon.get(addedUrl)).status, 200, 'public with the version that added it');
    });

    test('withdrawal: published in error answers 410 with a notice; otherwise a banner linking the replacement', async () => {
      const anon = new TestClient(t.app);
      const wrong = await published('误发的通知');
      await svc.withdraw(t.deps, people.approver.p, actor(people.approver), wrong, {
        reason: 'error',
        note: '该通知系误发，特此撤回。',
      });
      const r1 = await anon.get(`/org/wenti/items/${wrong}`);
      assert.equal(r1.status, 410);
      const h1 = await r1.text();
      assert.match(h1, /该通知系误发/);
      assert.doesNotMatch(h1, /误发的通知<\/h1>/);
      const old = await published('2025年文化惠民活动安排');
      const newer = await published('2026年文化惠民活动安排');
      await assert.rejects(
        svc.withdraw(t.deps, people.drafter.p, actor(people.drafter), old, {
          reason: 'superseded',
          note: '已被新安排替代',
        }),
        /不能执行/,
      );
      await svc.withdraw(t.deps, people.disclosure_officer.p, actor(people.disclosure_officer), old, {
        reason: 'superseded',
        note: '已被2026年安排替代。',
        replacement_item_id: String(newer),
      });
      const r2 = await anon.get(`/org/wenti/items/${old}`);
      assert.equal(r2.status, 200);
      const h2 = await r2.text();
      assert.match(h2, /本信息已于 .* 撤回（已被替代）/);
      assert.match(h2, new RegExp(`href="/org/wenti/items/${newer}"`));
      assert.doesNotMatch(await (await anon.get('/org/wenti/gk/news')).text(), /2025年文化惠民活动安排/);
    });

    test('scheduled items publish when their time comes, once', async () => {
      const d = people.drafter;
      const id = await svc.createDraft(
        t.deps,
        d.p,
        actor(d),
        orgId,
        draft({ title: '定时发布的公告', column_id: String(newsId), genre: '公告' }),
      );
      await svc.submit(t.deps, d.p, actor(d), id);
      await svc.review(t.deps, people.reviewer.p, actor(people.reviewer), id);
      await svc.approve(t.deps, people.approver.p, actor(people.approver), id);
      await assert.rejects(
        svc.schedule(t.deps, people.approver.p, actor(people.approver), id, { publish_at: '2020-01-01T09:00' }),
        (e: Error & { fields?: Record<string, string> }) => !!e.fields?.publish_at,
      );
      await svc.schedule(t.deps, people.approver.p, actor(people.approver), id, { publish_at: '2026-11-26T09:00' });
      assert.equal(await svc.publishDueScheduled(t.deps), 0);
      const base = t.deps.clock();
      t.setNow(new Date('2026-11-26T01:00:01Z'));
      try {
        const [a, b] = await Promise.all([svc.publishDueScheduled(t.deps), svc.publishDueScheduled(t.deps)]);
        assert.equal(a + b, 1);
      } finally {
        t.setNow(base);
      }
      const item = await t.db.kysely
        .selectFrom('items')
        .select(['status', 'published_version'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(item, { status: 'published', published_version: 1 });
    });

    test('unpublished proactive items appear in the due list with their statutory deadline', async () => {
      const d = people.drafter;
      await svc.createDraft(
        t.deps,
        d.p,
        actor(d),
        orgId,
        draft({ title: '很早生成的信息', date_created: '2026-10-01' }),
      );
      const due = await svc.dueItems(t.deps, d.p);
      const old = due.find((x) => x.title === '很早生成的信息');
      assert.ok(old?.overdue, 'created 2026-10-01 and still unpublished on 2026-11-25: overdue');
      assert.equal(old?.due, '2026-11-03', 'National Day 2026 (1–7 October) skipped, Saturday 10 October worked');
    });

    test('the console draft form re-renders with errors and keeps the input', async () => {
      const c = await signedInClient(t, people.drafter);
      const res = await c.post(`/console/items?org=${orgId}`, {
        title: '',
        column_id: String(policiesId),
        date_created: '2026-13-45',
        disclosure: 'proactive',
        five_category: '',
        body_html: '<p>保留我</p>',
      });
      assert.equal(res.status, 422);
      const html = await res.text();
      assert.match(html, /class="error-summary"/);
      assert.match(html, /href="#title"/);
      assert.match(html, /&lt;p&gt;保留我&lt;\/p&gt;/);
      const ok = await c.post(`/console/items?org=${orgId}`, draft());
      assert.equal(ok.status, 303);
      assert.match(ok.headers.get('location')!, /^\/console\/items\/\d+$/);
    });
  });
}
