import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrations } from '../../db/migrate.js';
import { createTestDb, type TestDb, testEngines } from '../../testing/db.js';
import { OUTCOME_GROUPS, OUTCOMES, outcomeOf, outcomesOfGroup } from './outcomes.js';

describe('the outcome catalogue of table 三', () => {
  test('has exactly the groups and sub-rows of the national format: 1, 1, 8, 3, 5, 3', () => {
    assert.deepEqual(
      OUTCOME_GROUPS.map((g) => outcomesOfGroup(g.group).length),
      [1, 1, 8, 3, 5, 3],
    );
    assert.equal(new Set(OUTCOMES.map((o) => o.code)).size, OUTCOMES.length, 'codes are unique');
    for (const g of OUTCOME_GROUPS) {
      const idx = outcomesOfGroup(g.group).map((o) => o.index);
      assert.deepEqual(idx, idx.length === 1 ? [0] : idx.map((_, i) => i + 1), `numbering of ${g.group}`);
    }
    assert.ok(OUTCOMES.every((o) => o.basis.includes('条例')));
    assert.equal(outcomeOf('withheld.state_secret')?.label, '属于国家秘密');
    assert.equal(outcomeOf('other.no_clarification')?.index, 1);
    assert.equal(outcomeOf('other.fee_unpaid')?.index, 2);
    assert.equal(outcomeOf('nope'), undefined);
  });
});

for (const engine of testEngines()) {
  describe(`requests schema on ${engine}`, () => {
    let db: TestDb;
    before(async () => {
      db = await createTestDb(engine);
    });
    after(() => db.dispose());

    test('the migration is listed and every table takes a row', async () => {
      assert.ok('20261126_0003_requests' in migrations);
      const k = db.kysely;
      const ts = '2026-01-05T02:00:00.000Z';
      const org = await k
        .insertInto('organizations')
        .values({
          parent_id: null,
          code: 'T1',
          slug: 't1',
          name: '测试局',
          short_name: '测试局',
          kind: 'department',
          functions: '',
          address: '',
          postcode: '',
          phone: '',
          fax: '',
          email: '',
          office_hours: '',
          website: '',
          leadership: '[]',
          sort_order: 0,
          active: 1,
          created_at: ts,
          updated_at: ts,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const r = await k
        .insertInto('requests')
        .values({
          tracking_number: '2026-000001',
          query_code_hash: 'h',
          organization_id: org.id,
          applicant_type: 'natural_person',
          organization_kind: null,
          name_enc: 'v1:k1:a:b:c',
          id_type: 'resident_id',
          id_number_enc: 'v1:k1:a:b:c',
          id_masked: '3501**********1234',
          identity_hmac: 'x',
          legal_representative_enc: null,
          phone_enc: 'v1:k1:a:b:c',
          email_enc: null,
          address_enc: null,
          key_id: 'k1',
          description: '某文件',
          purpose: '',
          form: 'electronic',
          delivery: 'email',
          channel: 'online',
          submitted_at: ts,
          received_on: '2026-01-05',
          status: 'in_progress',
          assigned_to: null,
          due_on: '2026-02-02',
          outcome_code: null,
          outcome_date: null,
          outcome_note: '',
          publish_consent: 0,
          excessive_flag: 0,
          delivered_via: null,
          delivered_at: null,
          created_at: ts,
          updated_at: ts,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const ev = await k
        .insertInto('request_events')
        .values({
          request_id: r.id,
          kind: 'received',
          on_date: '2026-01-05',
          deadline: null,
          workdays: null,
          amount: null,
          approved_by: null,
          from_organization_id: null,
          to_organization_id: null,
          to_user_id: null,
          public_note: '',
          internal_note: '',
          actor_user_id: null,
          actor_name: 'system',
          created_at: ts,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await k
        .insertInto('files')
        .values({ sha256: 'a'.repeat(64), size: 1, mime: 'application/pdf', ext: 'pdf', created_at: ts })
        .execute();
      await k
        .insertInto('request_files')
        .values({
          request_id: r.id,
          event_id: ev.id,
          role: 'application',
          file_sha256: 'a'.repeat(64),
          filename: 'x.pdf',
          uploaded_by: null,
          created_at: ts,
        })
        .execute();
      await k
        .insertInto('request_reviews')
        .values({
          request_id: r.id,
          kind: 'review',
          filed_on: '2026-03-01',
          result: 'pending',
          concluded_on: null,
          note: '',
          created_by: null,
          created_at: ts,
          updated_at: ts,
        })
        .execute();
      const row = await k.selectFrom('requests').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      assert.equal(row.id_masked, '3501**********1234');
      assert.equal(row.outcome_code, null);
      await assert.rejects(
        k
          .insertInto('requests')
          .values({ ...row, id: undefined } as never)
          .execute(),
        'tracking numbers are unique',
      );
    });
  });
}
