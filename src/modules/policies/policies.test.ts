import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ValidationError } from '../../platform/errors.js';
import { JobRunner } from '../../platform/jobs/jobs.service.js';
import { createTestApp, type TestApp } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { seedDemo } from '../seed/demo.js';
import { normalizeDocNumber, parseDocNumber } from './doc-number.js';
import * as repo from './policies.repository.js';
import * as svc from './policies.service.js';
import { nextDay, policyStatus, type StatusInput } from './status.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

describe('文号 parsing', () => {
  test('accepts the standard form and keeps it', () => {
    const r = parseDocNumber('厦湖府办〔2017〕69号', 2026);
    assert.deepEqual(r, { ok: true, value: { text: '厦湖府办〔2017〕69号', issuer: '厦湖府办', year: 2017, seq: 69 } });
  });
  test('normalizes [2017], (2017), （2017）, 【2017】 and ［2017］ to 〔2017〕', () => {
    for (const raw of [
      '厦湖府办[2017]69号',
      '厦湖府办(2017)69号',
      '厦湖府办（2017）69号',
      '厦湖府办【2017】69号',
      '厦湖府办［2017］69号',
    ]) {
      const r = parseDocNumber(raw, 2026);
      assert.ok(r.ok, raw);
      assert.equal(r.value.text, '厦湖府办〔2017〕69号', raw);
    }
  });
  test('drops spaces, full-width digits, leading zeros and 第', () => {
    const r = parseDocNumber(' 厦湖文体 〔２０２６〕 第007号 ', 2026);
    assert.ok(r.ok);
    assert.equal(r.value.text, '厦湖文体〔2026〕7号');
    assert.equal(r.value.seq, 7);
  });
  test('refuses what is not a 文号, with a reason', () => {
    const cases: [string, RegExp][] = [
      ['', /请填写/],
      ['厦湖府办〔2017〕69', /以“号”结尾/],
      ['厦湖府办69号', /四位年份/],
      ['〔2017〕69号', /格式/],
      ['厦湖府办〔1900〕1号', /年份 1900/],
      ['厦湖府办〔2030〕1号', /年份 2030/],
      ['厦湖府办〔2017〕0号', /从 1 开始/],
      ['厦湖-府办〔2017〕3号', /汉字/],
    ];
    for (const [raw, re] of cases) {
      const r = parseDocNumber(raw, 2026);
      assert.equal(r.ok, false, raw);
      if (!r.ok) assert.match(r.error, re, raw);
    }
  });
  test('normalizeDocNumber leaves text that is not a 文号 as typed', () => {
    assert.equal(normalizeDocNumber('厦湖府办(2017)69号'), '厦湖府办〔2017〕69号');
    assert.equal(normalizeDocNumber(' 文化 '), '文化');
  });
});

describe('policy status on fixed dates', () => {
  const base: StatusInput = { dateEffective: '2026-01-01', validUntil: null, declared: null, incoming: [] };
  test('尚未施行 before the date in force, 有效 from that day', () => {
    assert.equal(policyStatus(base, '2025-12-31').status, 'pending');
    assert.deepEqual(policyStatus(base, '2026-01-01'), { status: 'in_force', since: '2026-01-01', byPolicyId: null });
  });
  test('a repeal takes effect on the repealing document’s date in force, not before', () => {
    const input = { ...base, incoming: [{ kind: 'repeals' as const, byPolicyId: 9, byDateEffective: '2026-06-01' }] };
    assert.equal(policyStatus(input, '2026-05-31').status, 'in_force');
    assert.deepEqual(policyStatus(input, '2026-06-01'), { status: 'abolished', since: '2026-06-01', byPolicyId: 9 });
  });
  test('replacement counts as abolition; amendment gives 已修订 from the latest amendment in force', () => {
    const replaced = {
      ...base,
      incoming: [{ kind: 'replaces' as const, byPolicyId: 3, byDateEffective: '2026-02-01' }],
    };
    assert.equal(policyStatus(replaced, '2026-03-01').status, 'abolished');
    const amended = {
      ...base,
      incoming: [
        { kind: 'amends' as const, byPolicyId: 4, byDateEffective: '2026-03-01' },
        { kind: 'amends' as const, byPolicyId: 5, byDateEffective: '2026-05-01' },
        { kind: 'interprets' as const, byPolicyId: 6, byDateEffective: '2026-02-01' },
      ],
    };
    assert.equal(policyStatus(amended, '2026-02-15').status, 'in_force');
    assert.deepEqual(policyStatus(amended, '2026-04-01'), { status: 'amended', since: '2026-03-01', byPolicyId: 4 });
    assert.deepEqual(policyStatus(amended, '2026-05-01'), { status: 'amended', since: '2026-05-01', byPolicyId: 5 });
  });
  test('已失效 the day after the valid-until date', () => {
    const input = { ...base, validUntil: '2026-12-31' };
    assert.equal(policyStatus(input, '2026-12-31').status, 'in_force');
    assert.deepEqual(policyStatus(input, '2027-01-01'), { status: 'expired', since: '2027-01-01', byPolicyId: null });
    assert.equal(nextDay('2028-02-28'), '2028-02-29');
  });
  test('the earliest ending wins: expired before a later repeal stays 已失效; an amended document repealed is 已废止', () => {
    const input = {
      ...base,
      validUntil: '2026-03-31',
      incoming: [
        { kind: 'amends' as const, byPolicyId: 4, byDateEffective: '2026-02-01' },
        { kind: 'repeals' as const, byPolicyId: 7, byDateEffective: '2026-06-01' },
      ],
    };
    assert.equal(policyStatus(input, '2026-07-01').status, 'expired');
    const noExpiry = { ...input, validUntil: null };
    assert.deepEqual(policyStatus(noExpiry, '2026-07-01'), { status: 'abolished', since: '2026-06-01', byPolicyId: 7 });
  });
  test('a campaign’s declaration ends the document on its date', () => {
    const input = { ...base, declared: { status: 'expired' as const, on: '2026-09-01' } };
    assert.equal(policyStatus(input, '2026-08-31').status, 'in_force');
    assert.deepEqual(policyStatus(input, '2026-09-01'), { status: 'expired', since: '2026-09-01', byPolicyId: null });
  });
});

for (const engine of testEngines()) {
  describe(`policy documents (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;

    before(async () => {
      t = await createTestApp(engine);
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
    });
    after(() => t.dispose());

    const notifyJobs = async (itemId: number) =>
      (
        await t.db.kysely
          .selectFrom('jobs')
          .select(['handler', 'payload'])
          .where('handler', '=', 'subscriptions.notify')
          .execute()
      ).filter((j) => JSON.parse(j.payload).itemId === itemId && JSON.parse(j.payload).type === 'item.status_changed');

    test('the 文号 is normalized on save and a 行政规范性文件 must have one', async () => {
      const { itemId, policyId } = await desk.draft(
        {},
        { doc_number: '厦湖文体(2026)88号', issuers: '厦门市湖里区文体出版旅游局\n厦门市湖里区财政局' },
      );
      const row = await repo.findPolicy(t.db.kysely, policyId);
      assert.equal(row?.doc_number, '厦湖文体〔2026〕88号');
      assert.equal(row?.doc_year, 2026);
      const item = await t.db.kysely
        .selectFrom('items')
        .select('doc_number')
        .where('id', '=', itemId)
        .executeTakeFirstOrThrow();
      assert.equal(item.doc_number, '厦湖文体〔2026〕88号');
      const issuers = await repo.listIssuers(t.db.kysely, [policyId]);
      assert.deepEqual(
        issuers.map((i) => i.name),
        ['厦门市湖里区文体出版旅游局', '厦门市湖里区财政局'],
      );
      assert.equal(issuers[0].organization_id, desk.orgId);
      await assert.rejects(
        desk.draft({}, { policy_type: 'normative', doc_number: '' }),
        (e) => e instanceof ValidationError && /须填写文号/.test(JSON.stringify(e.fields)),
      );
      await assert.rejects(
        desk.draft({}, { date_signed: '2026-11-10', date_effective: '2026-11-01' }),
        (e) => e instanceof ValidationError && /施行日期不能早于成文日期/.test(JSON.stringify(e.fields)),
      );
    });

    test('publishing records the first status silently; B repealing A marks A 已废止 from B’s date in force, both ways, announced once', async () => {
      t.setNow(new Date('2026-11-25T02:00:00Z'));
      const a = await desk.publish({}, { date_effective: '2026-11-10' });
      assert.equal((await repo.findPolicy(t.db.kysely, a.policyId))?.status, 'in_force');
      assert.equal((await notifyJobs(a.itemId)).length, 0);
      // B is in force from 2026-12-01: recording the repeal changes nothing yet.
      const b = await desk.publish({}, { date_signed: '2026-11-20', date_effective: '2026-12-01' });
      await svc.recordRelation(t.deps, desk.people.approver.p, desk.people.approver.actor, b.policyId, {
        kind: 'repeals',
        to_policy_id: String(a.policyId),
        note: '',
      });
      assert.equal((await repo.findPolicy(t.db.kysely, a.policyId))?.status, 'in_force');
      const rels = await repo.relationsOf(t.db.kysely, a.policyId);
      assert.equal(rels.length, 1);
      assert.equal(rels[0].other_id, b.policyId);
      assert.equal((await repo.relationsOf(t.db.kysely, b.policyId))[0].other_id, a.policyId);
      // On 2026-12-01 (Beijing) the job records the abolition.
      t.setNow(new Date('2026-11-30T16:30:00Z'));
      const changed = await svc.sweepStatuses(t.deps, t.deps.clock());
      assert.ok(changed >= 2, `changed ${changed}`); // A abolished, B in force
      const rowA = await repo.findPolicy(t.db.kysely, a.policyId);
      assert.deepEqual(
        [rowA?.status, rowA?.status_since, rowA?.status_by_policy_id],
        ['abolished', '2026-12-01', b.policyId],
      );
      const jobs = await notifyJobs(a.itemId);
      assert.equal(jobs.length, 1);
      assert.match(JSON.parse(jobs[0].payload).note, /自 2026-12-01 起已废止/);
      // Running again changes nothing and announces nothing.
      assert.equal(await svc.sweepStatuses(t.deps, t.deps.clock()), 0);
      assert.equal((await notifyJobs(a.itemId)).length, 1);
      const view = await svc.statusView(t.db.kysely, rowA!, t.deps.clock());
      assert.equal(view.banner, true);
      assert.equal(view.by?.id, b.policyId);
    });

    test('a repeal by a document already in force takes effect when it is recorded', async () => {
      t.setNow(new Date('2026-12-05T02:00:00Z'));
      const a = await desk.publish({}, { date_effective: '2026-11-10' });
      const b = await desk.publish({}, { date_signed: '2026-12-01', date_effective: '2026-12-02' });
      await svc.recordRelation(t.deps, desk.people.approver.p, desk.people.approver.actor, b.policyId, {
        kind: 'repeals',
        to_policy_id: String(a.policyId),
      });
      const row = await repo.findPolicy(t.db.kysely, a.policyId);
      assert.equal(row?.status, 'abolished');
      assert.equal((await notifyJobs(a.itemId)).length, 1);
      assert.equal((await repo.statusChanges(t.db.kysely, a.policyId)).at(-1)?.to_status, 'abolished');
    });

    test('the drafter may not record relations; a document cannot act on itself', async () => {
      const a = await desk.publish();
      await assert.rejects(
        svc.recordRelation(t.deps, desk.people.drafter.p, desk.people.drafter.actor, a.policyId, {
          kind: 'amends',
          to_policy_id: String(a.policyId),
        }),
        /无权/,
      );
      await assert.rejects(
        svc.recordRelation(t.deps, desk.people.approver.p, desk.people.approver.actor, a.policyId, {
          kind: 'amends',
          to_policy_id: String(a.policyId),
        }),
        ValidationError,
      );
    });

    test('the expiry job run twice at once changes each document once and notifies once', async () => {
      t.setNow(new Date('2026-12-10T02:00:00Z'));
      const docs = [];
      for (let i = 0; i < 3; i++)
        docs.push(await desk.publish({}, { date_effective: '2026-11-10', valid_until: '2026-12-31' }));
      // 2027-01-01 00:30 Beijing.
      t.setNow(new Date('2026-12-31T16:30:00Z'));
      const [n1, n2] = await Promise.all([
        svc.sweepStatuses(t.deps, t.deps.clock()),
        svc.sweepStatuses(t.deps, t.deps.clock()),
      ]);
      assert.ok(n1 + n2 >= 3);
      for (const d of docs) {
        const row = await repo.findPolicy(t.db.kysely, d.policyId);
        assert.deepEqual([row?.status, row?.status_since], ['expired', '2027-01-01']);
        const changes = (await repo.statusChanges(t.db.kysely, d.policyId)).filter((c) => c.to_status === 'expired');
        assert.equal(changes.length, 1, 'one recorded change');
        assert.equal((await notifyJobs(d.itemId)).length, 1, 'one notification');
      }
    });

    test('the sweep runs just after Beijing midnight, once on two servers: the change is notified at once, once', async () => {
      t.setNow(new Date('2027-02-01T02:00:00Z'));
      const doc = await desk.publish({}, { date_signed: '2027-01-20', date_effective: '2027-02-02' });
      assert.equal((await repo.findPolicy(t.db.kysely, doc.policyId))?.status, 'pending');
      // Two servers start: each registers the jobs; the night's sweep is one job, named by its date.
      const servers = ['a', 'b'].map((w) => new JobRunner(t.db, { clock: t.deps.clock, workerId: `server-${w}` }));
      for (const r of servers) await svc.registerPolicyJobs(r, t.deps);
      const midnightJobs = () =>
        t.db.kysely
          .selectFrom('jobs')
          .select(['name', 'run_at', 'status'])
          .where('handler', '=', svc.MIDNIGHT_JOB)
          .orderBy('name')
          .execute();
      assert.deepEqual(await midnightJobs(), [
        { name: `${svc.MIDNIGHT_JOB}@2027-02-02`, run_at: '2027-02-01T16:00:05.000Z', status: 'scheduled' },
      ]);
      // The hourly sweep at 23:30 sees nothing yet.
      t.setNow(new Date('2027-02-01T15:30:00Z'));
      await Promise.all(servers.map((r) => r.runDue(t.deps.clock())));
      assert.equal((await repo.findPolicy(t.db.kysely, doc.policyId))?.status, 'pending');
      // 00:00:05 on 2 February in Beijing, both servers poll at once: one runs the sweep.
      t.setNow(new Date('2027-02-01T16:00:05Z'));
      const ran = await Promise.all(servers.map((r) => r.runDue(t.deps.clock())));
      assert.equal(ran[0] + ran[1], 1, 'one server ran the midnight sweep');
      const row = await repo.findPolicy(t.db.kysely, doc.policyId);
      assert.deepEqual([row?.status, row?.status_since], ['in_force', '2027-02-02']);
      const changes = (await repo.statusChanges(t.db.kysely, doc.policyId)).filter((c) => c.to_status === 'in_force');
      assert.equal(changes.length, 1, 'one recorded change');
      assert.equal(changes[0].recorded_at, '2027-02-01T16:00:05.000Z', 'recorded at midnight, not up to an hour later');
      assert.equal((await notifyJobs(doc.itemId)).length, 1, 'one notification');
      // The next night's sweep is scheduled, once.
      assert.deepEqual(
        (await midnightJobs()).map((j) => [j.name, j.status]),
        [
          [`${svc.MIDNIGHT_JOB}@2027-02-02`, 'done'],
          [`${svc.MIDNIGHT_JOB}@2027-02-03`, 'scheduled'],
        ],
      );
      // Polling again a second later runs nothing more.
      t.setNow(new Date('2027-02-01T16:00:06Z'));
      assert.deepEqual(await Promise.all(servers.map((r) => r.runDue(t.deps.clock()))), [0, 0]);
    });

    test('nextMidnightRun: the first Beijing midnight after now, plus a margin', () => {
      assert.equal(svc.nextMidnightRun(new Date('2026-12-31T15:59:59Z')).toISOString(), '2026-12-31T16:00:05.000Z');
      assert.equal(svc.nextMidnightRun(new Date('2026-12-31T16:00:00Z')).toISOString(), '2027-01-01T16:00:05.000Z');
      assert.equal(svc.nextMidnightRun(new Date('2026-12-31T16:00:05Z')).toISOString(), '2027-01-01T16:00:05.000Z');
    });
  });
}
