import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrations } from '../../db/migrate.js';
import { systemActor, verifyAuditChain } from '../../platform/audit/audit.service.js';
import { ConflictError, ValidationError } from '../../platform/errors.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, type TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { docxDocumentXml, insertOrganization, insertRequestRow } from '../../testing/requests.js';
import { effectiveTemplate, requestLetter, resetTemplate, saveTemplate, templatesOf } from './requests.letters.js';

const documentXml = docxDocumentXml;

const TS = '2026-01-01T00:00:00.000Z';

for (const engine of testEngines()) {
  describe(`reply letters on ${engine}`, () => {
    let t: TestApp;
    let orgId: number;
    let otherOrgId: number;
    let requestId: number;
    let officer: TestClient;

    before(async () => {
      t = await createTestApp(engine);
      const k = t.db.kysely;
      orgId = await insertOrganization(k, { slug: 'letters-a', name: '湖里区教育局', kind: 'department' });
      otherOrgId = await insertOrganization(k, { slug: 'letters-b', name: '湖里区财政局', kind: 'department' });
      requestId = await insertRequestRow(k, {
        tracking: '2026-000777',
        organizationId: orgId,
        receivedOn: '2026-03-02',
        name_enc: 'v1:k1:a:b:c',
        phone_enc: 'v1:k1:a:b:c',
        id_masked: '',
        description: '2025年度学校食堂招标结果',
        submitted_at: TS,
      });
      officer = await signedInClient(
        t,
        await insertStaff(t, 'letters_officer', [{ role: 'disclosure_officer', organizationId: orgId }]),
      );
    });
    after(() => t.dispose());

    test('the migration is listed; every organization starts with the built-in wording', async () => {
      assert.ok('20261126_0006_letters' in migrations);
      const list = await templatesOf(t.deps, orgId);
      assert.equal(list.length, 6);
      assert.ok(list.every((x) => x.source === 'built_in'));
    });

    test('a request without an outcome has no letter', async () => {
      await assert.rejects(
        requestLetter(t.deps, { requestId, applicantName: '李四', format: 'pdf', now: new Date() }),
        ConflictError,
      );
    });

    test('the letter of a decided request uses its outcome group, the officer note, its basis and released files', async () => {
      const k = t.db.kysely;
      await k
        .updateTable('requests')
        .set({
          outcome_code: 'partial',
          outcome_date: '2026-03-20',
          outcome_note: '中标企业报价明细涉及商业秘密，不予公开。',
        })
        .where('id', '=', requestId)
        .execute();
      await k
        .insertInto('files')
        .values({ sha256: 'b'.repeat(64), size: 1, mime: 'application/pdf', ext: 'pdf', created_at: TS })
        .execute();
      await k
        .insertInto('request_files')
        .values({
          request_id: requestId,
          event_id: null,
          role: 'released',
          file_sha256: 'b'.repeat(64),
          filename: '招标结果公告.pdf',
          uploaded_by: null,
          created_at: TS,
        })
        .execute();
      const docx = await requestLetter(t.deps, { requestId, applicantName: '李四', format: 'docx', now: new Date() });
      assert.equal(docx.filename, '告知书-2026-000777.docx');
      const xml = documentXml(docx.body);
      for (const s of [
        '李四：',
        '2026年3月2日',
        '2025年度学校食堂招标结果',
        '能够作区分处理',
        '中标企业报价明细涉及商业秘密',
        '第三十七条',
        '附件：招标结果公告.pdf',
        '湖里区教育局',
        '2026年3月20日',
        '60日内',
      ])
        assert.ok(xml.includes(s), s);
      const pdf = await requestLetter(t.deps, { requestId, applicantName: '李四', format: 'pdf', now: new Date() });
      assert.equal(pdf.body.subarray(0, 5).toString(), '%PDF-');
      assert.equal(pdf.contentType, 'application/pdf');
    });

    test("an organization's template overrides the district default, which overrides the built-in; edits are audited", async () => {
      const now = new Date('2026-03-21T02:00:00Z');
      await saveTemplate(
        t.deps,
        systemActor,
        null,
        'partial',
        { title: '区级答复书', body: '{{申请人}}：\n区级默认。{{答复内容}}' },
        now,
      );
      assert.equal((await effectiveTemplate(t.deps, orgId, 'partial')).source, 'district');
      assert.equal((await effectiveTemplate(t.deps, otherOrgId, 'partial')).title, '区级答复书');
      await saveTemplate(
        t.deps,
        systemActor,
        orgId,
        'partial',
        { title: '教育局答复书', body: '{{申请人}}：\n本局答复：{{答复内容}}' },
        now,
      );
      await saveTemplate(
        t.deps,
        systemActor,
        orgId,
        'partial',
        { title: '教育局答复书', body: '{{申请人}}：\n本局答复（二）：{{答复内容}}' },
        now,
      );
      const own = await effectiveTemplate(t.deps, orgId, 'partial');
      assert.equal(own.source, 'organization');
      assert.match(own.body, /本局答复（二）/);
      assert.equal((await effectiveTemplate(t.deps, otherOrgId, 'partial')).source, 'district');
      const xml = documentXml(
        (await requestLetter(t.deps, { requestId, applicantName: '李四', format: 'docx', now })).body,
      );
      assert.ok(xml.includes('教育局答复书') && xml.includes('本局答复（二）：中标企业报价明细'));
      const rows = await t.db.kysely
        .selectFrom('letter_templates')
        .select('id')
        .where('organization_id', '=', orgId)
        .execute();
      assert.equal(rows.length, 1, 'a second save updates the row');
      await resetTemplate(t.deps, systemActor, orgId, 'partial', now);
      assert.equal((await effectiveTemplate(t.deps, orgId, 'partial')).source, 'district');
      const audits = await t.db.kysely
        .selectFrom('audit_events')
        .select('action')
        .where('entity_type', '=', 'letter_template')
        .execute();
      assert.deepEqual(audits.map((a) => a.action).sort(), [
        'letter_template.reset',
        'letter_template.save',
        'letter_template.save',
        'letter_template.save',
      ]);
      assert.equal((await verifyAuditChain(t.db.kysely)).ok, true);
    });

    test('a template with unknown placeholders is refused, naming them', async () => {
      await assert.rejects(
        saveTemplate(
          t.deps,
          systemActor,
          orgId,
          'granted',
          { title: 'x', body: '{{申请人}}：{{案由}}{{承办人}}' },
          new Date(),
        ),
        (e: unknown) => e instanceof ValidationError && /\{\{案由\}\}、\{\{承办人\}\}/.test(e.fields.body ?? ''),
      );
    });

    test('console: the officer edits with a preview, errors stay beside the field, and previews download', async () => {
      const list = await officer.get(`/console/letter-templates?organization=${orgId}`);
      assert.equal(list.status, 200);
      assert.match(await list.text(), /编辑“不予公开”模板/);
      const edit = await officer.get(`/console/letter-templates/edit?organization=${orgId}&group=withheld`);
      assert.equal(edit.status, 200);
      const preview = await officer.post('/console/letter-templates/edit', {
        organization: String(orgId),
        group: 'withheld',
        title: '不予公开告知书',
        body: '{{申请人}}：\n经审查不予公开。{{法律依据}}',
        action: 'preview',
      });
      assert.equal(preview.status, 200);
      const html = await preview.text();
      assert.match(html, /张某某：/);
      assert.match(html, /湖里区教育局/);
      assert.equal((await effectiveTemplate(t.deps, orgId, 'withheld')).source, 'built_in', 'a preview saves nothing');
      const bad = await officer.post('/console/letter-templates/edit', {
        organization: String(orgId),
        group: 'withheld',
        title: '不予公开告知书',
        body: '{{申请人}}：{{不存在}}',
        action: 'save',
      });
      assert.equal(bad.status, 422);
      const badHtml = await bad.text();
      assert.match(badHtml, /error-summary/);
      assert.match(badHtml, /\{\{不存在\}\}/);
      const saved = await officer.post('/console/letter-templates/edit', {
        organization: String(orgId),
        group: 'withheld',
        title: '不予公开告知书',
        body: '{{申请人}}：\n经审查不予公开。{{法律依据}}',
        action: 'save',
      });
      assert.equal(saved.status, 303);
      assert.equal((await effectiveTemplate(t.deps, orgId, 'withheld')).source, 'organization');
      const pdf = await officer.get(
        `/console/letter-templates/preview?organization=${orgId}&group=withheld&format=pdf`,
      );
      assert.equal(pdf.status, 200);
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      assert.equal(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
        '%PDF-',
      );
    });

    test("console: another organization's templates and the district default are out of an officer's scope", async () => {
      assert.equal((await officer.get(`/console/letter-templates?organization=${otherOrgId}`)).status, 403);
      assert.equal((await officer.get('/console/letter-templates/edit?organization=&group=granted')).status, 403);
      const post = await officer.post('/console/letter-templates/edit', {
        organization: String(otherOrgId),
        group: 'granted',
        title: 'x',
        body: 'y',
        action: 'save',
      });
      assert.equal(post.status, 403);
    });
  });
}
