import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Principal } from '../../platform/auth/permissions.js';
import { RateLimitedError, ValidationError } from '../../platform/errors.js';
import { createTestApp, type TestApp } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { application, insertGrantedStaff, insertOrganization, residentId } from '../../testing/requests.js';
import { personalCipher } from './requests.privacy.js';
import {
  act,
  closeLapsedRequests,
  IDENTITY_DAILY_LIMIT,
  registerFromOffice,
  rotatePersonalKeys,
  similarity,
  submitApplication,
  viewPersonal,
} from './requests.service.js';

const idOf = residentId;
const app = (idNumber: string, over: Record<string, string> = {}) =>
  application({
    name: '王五',
    idNumber,
    phone: '0592-1234567',
    email: 'wang@example.test',
    description: '某街道 2024 年老旧小区改造资金使用情况',
    form: 'paper',
    delivery: 'post',
    address: '福建省厦门市湖里区某路 2 号',
    ...over,
  });

describe('similar wording', () => {
  test('near-identical descriptions score high, different ones low', () => {
    assert.ok(similarity('2024 年老旧小区改造资金使用情况', '2024年老旧小区改造资金的使用情况') > 0.6);
    assert.ok(similarity('路灯维护合同', '环境监测数据') < 0.2);
  });
});

for (const engine of testEngines()) {
  describe(`request services (${engine})`, () => {
    let t: TestApp;
    let orgId: number;
    let otherId: number;
    let officer: Principal;
    let head: Principal;
    const actor = { userId: null, name: 'tester', ip: '' };

    before(async () => {
      t = await createTestApp(engine, {
        env: { DATA_ENCRYPTION_KEYS: `k2:${randomBytes(32).toString('base64')}` },
      });
      t.setNow(new Date('2025-03-03T02:00:00Z'));
      orgId = await insertOrganization(t.db.kysely, { slug: 's0', code: 'S0', name: '机关S0', kind: 'department' });
      otherId = await insertOrganization(t.db.kysely, { slug: 's1', code: 'S1', name: '机关S1', parentId: orgId });
      const o = await insertGrantedStaff(t, 'o', 'disclosure_officer', orgId);
      officer = o.principal;
      head = (await insertGrantedStaff(t, 'h', 'org_admin', orgId)).principal;
    });
    after(() => t.dispose());

    test('the office registers a posted request with the day it was signed for as receipt date', async () => {
      const r = await registerFromOffice(
        t.deps,
        officer,
        actor,
        { ...app(idOf('35020319700101002')), channel: 'post', receivedOn: '2025-02-28' },
        [],
      );
      assert.equal(r.receivedOn, '2025-02-28');
      assert.equal(r.dueOn, '2025-03-28');
      await assert.rejects(
        registerFromOffice(
          t.deps,
          officer,
          actor,
          { ...app(idOf('35020319700101002')), channel: 'post', receivedOn: '2025-03-04' },
          [],
        ),
        ValidationError,
        'not after today',
      );
      await assert.rejects(
        registerFromOffice(
          t.deps,
          officer,
          actor,
          { ...app(idOf('35020319700101002')), channel: 'online', receivedOn: '2025-03-03' },
          [],
        ),
        ValidationError,
      );
    });

    test('a legal person applies with a checked credit code; the applicant type and kind are kept for table 三', async () => {
      // A valid code computed from its two check characters (GB 11714 inside, GB 32100 outside), not hard-coded.
      const { creditCodeCheckChar, orgCodeCheckChar } = await import('../../platform/identity/identity.js');
      const first17 = `91350200MA2Y0000${orgCodeCheckChar('MA2Y0000')}`;
      const code = `${first17}${creditCodeCheckChar(first17)}`;
      const r = await submitApplication(
        t.deps,
        {
          ...app(''),
          applicantType: 'legal_person',
          organizationKind: 'research',
          name: '某研究所',
          creditCode: code,
          legalRepresentative: '赵六',
          idNumber: '',
        },
        { channel: 'online' },
      );
      const row = await t.db.kysely.selectFrom('requests').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.equal(row.applicant_type, 'legal_person');
      assert.equal(row.organization_kind, 'research');
      assert.equal(row.id_type, 'credit_code');
      assert.equal(row.organization_id, orgId, 'no agency named: the root office answers');
    });

    test('per identity: more than the daily limit is refused; many similar requests are flagged (Art. 35)', async () => {
      const id = idOf('35020319800202003');
      for (let i = 0; i < IDENTITY_DAILY_LIMIT; i++)
        await submitApplication(t.deps, app(id, { description: `某街道 2024 年老旧小区改造资金使用情况 第${i}项` }), {
          channel: 'online',
        });
      await assert.rejects(submitApplication(t.deps, app(id), { channel: 'online' }), RateLimitedError);
      const flagged = await t.db.kysely
        .selectFrom('requests')
        .select(['excessive_flag'])
        .where('excessive_flag', '=', 1)
        .execute();
      assert.ok(flagged.length >= IDENTITY_DAILY_LIMIT - 2, `flagged ${flagged.length}`);
      const ev = await t.db.kysely
        .selectFrom('request_events')
        .select('internal_note')
        .where('kind', '=', 'flagged')
        .execute();
      assert.ok(ev.some((e) => e.internal_note.includes('第三十五条')));
      const fees = await t.db.kysely
        .selectFrom('request_events')
        .select('internal_note')
        .where('kind', '=', 'received')
        .execute();
      assert.ok(fees.some((e) => e.internal_note.includes('该申请人本月第 10 件申请（本月前 10 件不收费）')));
      assert.ok(!fees.some((e) => e.internal_note.includes('本月第 11 件')), 'the refused 11th left no trace');
    });

    test('a fee unpaid by its deadline closes the request as 其他处理-2; transfers notify the applicant', async () => {
      const r = await submitApplication(
        t.deps,
        app(idOf('35020319900303004'), { description: '全区路灯维护合同及付款记录' }),
        { channel: 'online' },
      );
      // Transferred first: a paused clock (here the fee notice) cannot be transferred.
      await act(t.deps, officer, actor, r.id, 'transfer', {
        organizationId: String(otherId),
        publicNote: '该信息由机关S1制作',
      });
      await act(t.deps, officer, actor, r.id, 'fee_notice', {
        amount: '100',
        deadline: '2025-03-10',
        publicNote: '按件收费',
      });
      await assert.rejects(
        act(t.deps, officer, actor, r.id, 'transfer', { organizationId: String(orgId), publicNote: '转回' }),
        /暂停计时期间不能转送/,
      );
      const mail = await t.db.kysely
        .selectFrom('mail_outbox')
        .selectAll()
        .where('to_address', '=', 'wang@example.test')
        .execute();
      assert.ok(mail.some((m) => m.subject.includes('已转送') && m.text_body.includes('机关S1')));
      assert.ok(mail.some((m) => m.subject.includes('缴费通知')));
      t.setNow(new Date('2025-03-11T02:00:00Z'));
      assert.ok((await closeLapsedRequests(t.deps)) >= 1);
      const row = await t.db.kysely.selectFrom('requests').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.equal(row.outcome_code, 'other.fee_unpaid');
      assert.equal(row.organization_id, otherId);
      t.setNow(new Date('2025-03-03T02:00:00Z'));
    });

    test('no decision while a consultation is open; after it ends the decision goes through', async () => {
      const r = await submitApplication(t.deps, app(idOf('35020319800606006'), { description: '某项目环评批复文件' }), {
        channel: 'online',
      });
      await act(t.deps, officer, actor, r.id, 'consult_start', {
        detail: 'third_party',
        onDate: '2025-03-03',
        internalNote: '涉及企业商业秘密',
      });
      await act(t.deps, officer, actor, r.id, 'consult_start', {
        detail: 'agencies',
        onDate: '2025-03-03',
        internalNote: '',
      });
      const decide = { outcome: 'granted', onDate: '2025-03-03', publicNote: '予以公开' };
      await assert.rejects(act(t.deps, officer, actor, r.id, 'decide', decide), (e: Error) => {
        assert.match(e.message, /尚有 2 项征求意见（第三方或其他机关）未结束，不能作出答复/);
        return true;
      });
      await act(t.deps, officer, actor, r.id, 'consult_end', { onDate: '2025-03-03', internalNote: '' });
      await assert.rejects(act(t.deps, officer, actor, r.id, 'decide', decide), /尚有 1 项征求意见/);
      let row = await t.db.kysely.selectFrom('requests').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.equal(row.outcome_code, null, 'the refused decision left no trace');
      await act(t.deps, officer, actor, r.id, 'consult_end', { onDate: '2025-03-03', internalNote: '' });
      await act(t.deps, officer, actor, r.id, 'decide', decide);
      row = await t.db.kysely.selectFrom('requests').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.equal(row.outcome_code, 'granted');
    });

    test('the extension needs request.extend; the full view needs the assignment; keys rotate', async () => {
      const r = await submitApplication(t.deps, app(idOf('35020319750505005'), { description: '一份完全不同的文件' }), {
        channel: 'online',
      });
      await assert.rejects(act(t.deps, officer, actor, r.id, 'extend', { workdays: '10', publicNote: 'x' }), /无权/);
      await act(t.deps, head, actor, r.id, 'extend', { workdays: '10', publicNote: '档案多' });
      await assert.rejects(viewPersonal(t.deps, officer, actor, r.id), /承办人/);
      await act(t.deps, officer, actor, r.id, 'assign', { userId: String(officer.userId) });
      const p = await viewPersonal(t.deps, officer, actor, r.id);
      assert.equal(p.idNumber, idOf('35020319750505005'));
      // Rotation: a new current key k3, k2 kept for reading.
      const before = await t.db.kysely
        .selectFrom('requests')
        .select(['key_id'])
        .where('id', '=', r.id)
        .executeTakeFirstOrThrow();
      assert.equal(before.key_id, 'k2');
      const k3 = `k3:${randomBytes(32).toString('base64')}`;
      t.deps.config.dataEncryptionKeys = `${k3},${t.deps.config.dataEncryptionKeys}`;
      const n = await rotatePersonalKeys(t.deps, 3);
      assert.ok(n >= 5);
      const rows = await t.db.kysely.selectFrom('requests').select(['key_id', 'phone_enc']).execute();
      assert.ok(rows.every((x) => x.key_id === 'k3' && x.phone_enc.startsWith('v1:k3:')));
      const onlyNew = personalCipher({ secretKey: t.deps.config.secretKey, dataEncryptionKeys: k3 });
      assert.equal(onlyNew.decrypt(rows[0].phone_enc), '0592-1234567', 'readable with the new key alone');
      assert.equal(await rotatePersonalKeys(t.deps), 0);
    });
  });
}
