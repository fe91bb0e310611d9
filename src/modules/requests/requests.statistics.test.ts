import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { createTestApp, insertStaff, signedInClient, type TestApp } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { rng } from '../../testing/random.js';
import { insertOrganization, requestRow } from '../../testing/requests.js';
import { OUTCOME_GROUPS, OUTCOMES } from './outcomes.js';
import {
  columnOf,
  computeTable3,
  computeTable4,
  inTable4Year,
  requestStatistics,
  TABLE3_COLUMNS,
  type Table3,
  type Table3Column,
} from './requests.statistics.js';

// A generated stretch of requests (deterministic pseudo-random, mulberry32) from mid-2023 to mid-2026 over
// two organizations, with reviews and lawsuits, checked against counts taken directly from the generator.

interface Generated {
  org: 'a' | 'b';
  tracking: string;
  applicant_type: string;
  organization_kind: string | null;
  received_on: string;
  outcome_code: string | null;
  outcome_date: string | null;
}

const addDays = (d: string, n: number) => {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
};
const AS_OF = '2026-06-30'; // nothing is concluded after this day

function generate(n: number, seed: number): Generated[] {
  const r = rng(seed);
  const kinds = ['enterprise', 'research', 'nonprofit', 'legal_service', 'other'];
  const out: Generated[] = [];
  for (let i = 0; i < n; i++) {
    const received = addDays('2023-07-01', Math.floor(r() * 1095));
    const natural = r() < 0.6;
    const days = 1 + Math.floor(r() * 70);
    const concluded = r() < 0.93 && addDays(received, days) <= AS_OF;
    out.push({
      org: r() < 0.8 ? 'a' : 'b',
      tracking: `G-${String(i).padStart(5, '0')}`,
      applicant_type: natural ? 'natural_person' : 'legal_person',
      organization_kind: natural ? null : kinds[Math.floor(r() * kinds.length)],
      received_on: received,
      outcome_code: concluded ? OUTCOMES[Math.floor(r() * OUTCOMES.length)].code : null,
      outcome_date: concluded ? addDays(received, days) : null,
    });
  }
  return out;
}

const TS = '2026-01-01T00:00:00.000Z';

const insertOrg = (k: Kysely<Database>, slug: string, parentId: number | null) =>
  insertOrganization(k, { slug, parentId, kind: 'department' });

async function insertRequests(k: Kysely<Database>, orgs: Record<'a' | 'b', number>, rows: Generated[]) {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    const inserted = await k
      .insertInto('requests')
      .values(
        chunk.map((g) =>
          requestRow({
            tracking: g.tracking,
            organizationId: orgs[g.org],
            receivedOn: g.received_on,
            applicant_type: g.applicant_type,
            organization_kind: g.organization_kind,
            description: '某文件',
            status: g.outcome_code ? 'closed' : 'in_progress',
            outcome_code: g.outcome_code,
            outcome_date: g.outcome_date,
          }),
        ),
      )
      .returning('id')
      .execute();
    ids.push(...inserted.map((x) => x.id));
  }
  return ids;
}

const row = (t: Table3, key: string) => {
  const r = t.rows.find((x) => x.key === key);
  assert.ok(r, `row ${key}`);
  return r.values;
};

function countBy(rows: Generated[], pred: (g: Generated) => boolean): Record<Table3Column, number> {
  const out = Object.fromEntries(TABLE3_COLUMNS.map((c) => [c, 0])) as Record<Table3Column, number>;
  for (const g of rows.filter(pred)) {
    out[columnOf(g)]++;
    out.total++;
  }
  return out;
}

describe('table 三 (pure)', () => {
  const data = generate(1500, 2025).map((g, i) => ({ ...g, id: i + 1, tracking_number: g.tracking }));

  test('on a generated year the rule 一 + 二 = 三（七） + 四 holds in every column, and the rows match direct counts', () => {
    const t = computeTable3(2025, data);
    assert.deepEqual(t.violations, []);
    assert.deepEqual(t.anomalies, []);
    assert.equal(t.checks.length, 7);
    assert.ok(t.checks.every((c) => c.holds));
    assert.deepEqual(
      row(t, 'new'),
      countBy(data, (g) => g.received_on.startsWith('2025')),
    );
    assert.deepEqual(
      row(t, 'carried_in'),
      countBy(data, (g) => g.received_on < '2025-01-01' && (g.outcome_date ?? '9999') >= '2025-01-01'),
    );
    assert.deepEqual(
      row(t, 'carried_out'),
      countBy(data, (g) => g.received_on <= '2025-12-31' && (g.outcome_date ?? '9999') > '2025-12-31'),
    );
    assert.deepEqual(
      row(t, 'withheld.third_party'),
      countBy(data, (g) => g.outcome_code === 'withheld.third_party' && !!g.outcome_date?.startsWith('2025')),
    );
    assert.ok(row(t, 'new').total > 300 && row(t, 'carried_in').total > 10 && row(t, 'carried_out').total > 10);
    for (const c of TABLE3_COLUMNS) assert.ok(row(t, 'new')[c] > 0, `column ${c} has requests`);
  });

  test('groups are the sums of their reasons, 总计 the sum of groups, 总计 column the sum of the six', () => {
    const t = computeTable3(2025, data);
    for (const g of OUTCOME_GROUPS) {
      const reasons = OUTCOMES.filter((o) => o.group === g.group);
      if (reasons.length === 1) continue; // 予以公开 and 部分公开 have no sub-rows
      for (const c of TABLE3_COLUMNS)
        assert.equal(
          row(t, g.group)[c],
          reasons.reduce((sum, o) => sum + row(t, o.code)[c], 0),
          `${g.group} ${c}`,
        );
    }
    for (const c of TABLE3_COLUMNS)
      assert.equal(
        row(t, 'concluded')[c],
        OUTCOME_GROUPS.reduce((s, g) => s + row(t, g.group)[c], 0),
      );
    for (const r of t.rows)
      assert.equal(
        r.values.total,
        TABLE3_COLUMNS.slice(0, 6).reduce((s, c) => s + r.values[c], 0),
        r.key,
      );
    // the rows of the national format: 一, 二, 6 groups with 8 + 3 + 5 + 3 reasons, （七）, 四
    assert.equal(t.rows.length, 2 + 6 + 19 + 2);
  });

  test('what one year carries out, the next carries in, column by column', () => {
    for (const y of [2024, 2025])
      assert.deepEqual(row(computeTable3(y, data), 'carried_out'), row(computeTable3(y + 1, data), 'carried_in'));
  });

  test('a request concluded before it was received, or dated without an outcome, breaks its column and is reported', () => {
    const bad = [
      ...data,
      {
        id: 9001,
        tracking_number: 'BAD-1',
        applicant_type: 'legal_person',
        organization_kind: 'research',
        received_on: '2025-03-10',
        outcome_code: 'granted',
        outcome_date: '2024-12-30',
      },
      {
        id: 9002,
        tracking_number: 'BAD-2',
        applicant_type: 'natural_person',
        organization_kind: null,
        received_on: '2025-05-06',
        outcome_code: null,
        outcome_date: '2025-05-20',
      },
    ];
    const t = computeTable3(2025, bad);
    assert.deepEqual(
      t.checks.filter((c) => !c.holds).map((c) => c.column),
      ['natural_person', 'research', 'total'],
    );
    assert.equal(t.violations.length, 3);
    assert.match(t.violations[0], /“自然人”列不平衡/);
    assert.deepEqual(
      t.anomalies.map((a) => [a.trackingNumber, a.problem]),
      [
        ['BAD-1', 'outcome_before_receipt'],
        ['BAD-2', 'date_without_outcome'],
      ],
    );
  });
});

describe('table 四 (pure): the cases open during the year, by their result at its end', () => {
  const c = (kind: string, filed_on: string, result: string, concluded_on: string | null) => ({
    kind,
    filed_on,
    result,
    concluded_on,
  });
  const cases = [
    c('review', '2025-03-01', 'upheld', '2025-05-01'), // filed and concluded in 2025
    c('review', '2025-11-20', 'corrected', '2026-02-01'), // filed in 2025, concluded in 2026
    c('review', '2024-10-01', 'corrected', '2025-01-15'), // carried over from 2024, concluded in 2025
    c('review', '2024-03-01', 'upheld', '2024-06-01'), // concluded in 2024: not in 2025
    c('lawsuit_direct', '2023-06-01', 'pending', null), // open since 2023
    c('lawsuit_direct', '2024-12-31', 'other', '2025-12-31'), // concluded on the year's last day
    c('lawsuit_after_review', '2026-01-02', 'upheld', '2026-03-01'), // filed after 2025
    c('lawsuit_after_review', '2024-05-01', 'upheld', null), // a result without a date: not concluded
  ];

  test('which cases a year counts', () => {
    assert.deepEqual(
      cases.map((x) => inTable4Year(2025, x)),
      [true, true, true, false, true, true, false, true],
    );
  });

  test('2025: results reached in 2025 under their result, the rest 尚未审结', () => {
    const t4 = computeTable4(2025, cases);
    assert.deepEqual(t4.review, { upheld: 1, corrected: 1, other: 0, pending: 1, total: 3 });
    assert.deepEqual(t4.lawsuit_direct, { upheld: 0, corrected: 0, other: 1, pending: 1, total: 2 });
    assert.deepEqual(t4.lawsuit_after_review, { upheld: 0, corrected: 0, other: 0, pending: 1, total: 1 });
  });

  test('2024 counted the carried-over case as 尚未审结; 2026 counts it no more, and reports the 2025-filed result', () => {
    const y2024 = computeTable4(2024, cases);
    assert.deepEqual(y2024.review, { upheld: 1, corrected: 0, other: 0, pending: 1, total: 2 });
    assert.deepEqual(y2024.lawsuit_direct, { upheld: 0, corrected: 0, other: 0, pending: 2, total: 2 });
    const y2026 = computeTable4(2026, cases);
    assert.deepEqual(y2026.review, { upheld: 0, corrected: 1, other: 0, pending: 0, total: 1 });
    assert.deepEqual(y2026.lawsuit_direct, { upheld: 0, corrected: 0, other: 0, pending: 1, total: 1 });
    assert.deepEqual(y2026.lawsuit_after_review, { upheld: 1, corrected: 0, other: 0, pending: 1, total: 2 });
  });
});

for (const engine of testEngines()) {
  describe(`request statistics on ${engine}`, () => {
    let t: TestApp;
    let data: Generated[];
    let orgs: Record<'a' | 'b', number>;
    before(async () => {
      t = await createTestApp(engine);
      const k = t.db.kysely;
      const a = await insertOrg(k, 'stat-a', null);
      orgs = { a, b: await insertOrg(k, 'stat-b', a) };
      data = generate(600, 4242);
      const ids = await insertRequests(k, orgs, data);
      // reviews and lawsuits filed from mid-2024 to the end of 2025: some concluded in 2024, some carried over
      // into 2025, some concluded in 2026 (still pending at the end of 2025)
      const r = rng(44);
      const kinds = ['review', 'lawsuit_direct', 'lawsuit_after_review'];
      const results = ['upheld', 'corrected', 'other', 'pending'];
      await k
        .insertInto('request_reviews')
        .values(
          Array.from({ length: 60 }, (_, i) => {
            const filed = addDays('2024-06-01', Math.floor(r() * 570));
            const result = results[Math.floor(r() * 4)];
            return {
              request_id: ids[i * 5],
              kind: kinds[Math.floor(r() * 3)],
              filed_on: filed,
              result,
              concluded_on: result === 'pending' ? null : addDays(filed, 20 + Math.floor(r() * 90)),
              note: '',
              created_by: null,
              created_at: TS,
              updated_at: TS,
            };
          }),
        )
        .execute();
    });
    after(() => t.dispose());

    test('the database gives the same table as the generator, and the rule holds per column', async () => {
      const s = await requestStatistics(t.deps, { year: 2025, organization: 'stat-a' });
      const ofA = data.filter((g) => g.org === 'a');
      assert.deepEqual(s.table3.violations, []);
      assert.deepEqual(
        row(s.table3, 'new'),
        countBy(ofA, (g) => g.received_on.startsWith('2025')),
      );
      assert.deepEqual(
        row(s.table3, 'carried_out'),
        countBy(ofA, (g) => g.received_on <= '2025-12-31' && (g.outcome_date ?? '9999') > '2025-12-31'),
      );
      const withSubs = await requestStatistics(t.deps, { year: 2025, organization: orgs.a, includeSubordinates: true });
      assert.deepEqual(
        row(withSubs.table3, 'new'),
        countBy(data, (g) => g.received_on.startsWith('2025')),
      );
      assert.deepEqual(
        row((await requestStatistics(t.deps, { year: 2025 })).table3, 'new'),
        row(withSubs.table3, 'new'),
      );
      assert.deepEqual(withSubs.table3.violations, []);
    });

    test('table 四 counts the reviews and lawsuits open during the year by their result at its end', async () => {
      const s = await requestStatistics(t.deps, { year: 2025, includeSubordinates: true });
      const all = await t.db.kysely.selectFrom('request_reviews').selectAll().execute();
      // Counted directly from the rows: filed in 2025, or filed earlier and not concluded before 2025.
      const open2025 = (x: (typeof all)[number]) =>
        x.filed_on <= '2025-12-31' &&
        (x.filed_on >= '2025-01-01' || x.result === 'pending' || (x.concluded_on ?? '9999') >= '2025-01-01');
      assert.ok(
        all.some((x) => x.filed_on < '2025-01-01' && open2025(x)),
        'the generated data carry cases over from 2024',
      );
      assert.ok(
        all.some((x) => x.filed_on < '2025-01-01' && !open2025(x)),
        'and cases concluded in 2024',
      );
      for (const kind of ['review', 'lawsuit_direct', 'lawsuit_after_review'] as const) {
        const filed = all.filter((x) => x.kind === kind && open2025(x));
        const done = (x: (typeof all)[number]) => x.concluded_on !== null && x.concluded_on <= '2025-12-31';
        const t4 = s.table4[kind];
        assert.equal(t4.total, filed.length, kind);
        assert.equal(t4.upheld, filed.filter((x) => x.result === 'upheld' && done(x)).length);
        assert.equal(t4.corrected, filed.filter((x) => x.result === 'corrected' && done(x)).length);
        assert.equal(t4.pending, filed.filter((x) => !done(x) || x.result === 'pending').length);
        assert.equal(t4.upheld + t4.corrected + t4.other + t4.pending, t4.total);
      }
      assert.ok(s.table4.review.total + s.table4.lawsuit_direct.total + s.table4.lawsuit_after_review.total > 20);
    });

    test('GET /api/v1/statistics/requests answers both tables; an unknown organization is a 422', async () => {
      const res = await t.app.request('http://gk.test/api/v1/statistics/requests?year=2025&organization=stat-a');
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.organization.slug, 'stat-a');
      assert.equal(body.table3.consistent, true);
      assert.equal(body.table3.columns.length, 7);
      assert.equal(body.table3.rows[0].key, 'new');
      assert.ok('lawsuit_after_review' in body.table4);
      assert.doesNotMatch(JSON.stringify(body), /G-\d{5}/, 'no tracking numbers');
      const bad = await t.app.request('http://gk.test/api/v1/statistics/requests?year=2025&organization=nope');
      assert.equal(bad.status, 422);
      const doc = await (await t.app.request('http://gk.test/api/v1/openapi.json')).json();
      assert.equal(doc.paths['/api/v1/statistics/requests']?.get?.operationId, 'requestStatistics');
    });

    test('the console page shows the tables to a disclosure officer of the organization, not to a drafter', async () => {
      const officer = await signedInClient(
        t,
        await insertStaff(t, 'stat_officer', [{ role: 'disclosure_officer', organizationId: orgs.a }]),
      );
      const res = await officer.get(`/console/request-statistics?year=2025&organization=${orgs.a}&subordinates=1`);
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /一、本年新收政府信息公开申请数量/);
      assert.match(html, /各列均满足/);
      assert.match(html, /行政诉讼（复议后起诉）/);
      const other = await officer.get('/console/request-statistics?year=2025');
      assert.equal(other.status, 200, 'defaults to an organization the officer may see');
      const drafter = await signedInClient(
        t,
        await insertStaff(t, 'stat_drafter', [{ role: 'drafter', organizationId: orgs.a }]),
      );
      assert.equal((await drafter.get('/console/request-statistics?year=2025')).status, 403);
      const badYear = await officer.get(`/console/request-statistics?year=abc&organization=${orgs.a}`);
      assert.equal(badYear.status, 422);
    });
  });
}
