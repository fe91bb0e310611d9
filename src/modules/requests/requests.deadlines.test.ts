import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { systemActor } from '../../platform/audit/audit.service.js';
import { JobRunner } from '../../platform/jobs/jobs.service.js';
import { createTestApp, insertStaff, type StaffUser, signedInClient, type TestApp } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { insertOrganization, insertRequestRow } from '../../testing/requests.js';
import {
  deadlineFeed,
  digestMail,
  registerDueDigestJob,
  revokeFeedToken,
  rotateFeedToken,
  sendDueDigests,
} from './requests.deadlines.js';

// Fixed dates around the 2025 Spring Festival (01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked).
// On Friday 2025-01-24, 3 working days ahead is 2025-02-05 (01-26, 01-27, then 02-05 after the holiday).
const TS = '2025-01-01T00:00:00.000Z';
const FRIDAY_9AM = new Date('2025-01-24T01:00:00Z'); // 09:00 Beijing

const insertOrg = (k: Kysely<Database>, slug: string) => insertOrganization(k, { slug, kind: 'department' });

/** A request row in a given queue state (fake ciphertexts: the feed and digest must not need them). */
function insertRequest(
  k: Kysely<Database>,
  r: { tracking: string; org: number; assigned: number | null; status: string; due: string; outcome?: string },
) {
  return insertRequestRow(k, {
    tracking: r.tracking,
    organizationId: r.org,
    receivedOn: '2025-01-02',
    id_number_enc: 'v1:k1:SECRET-ID',
    submitted_at: TS,
    status: r.status,
    assigned_to: r.assigned,
    due_on: r.due,
    outcome_code: r.outcome ?? null,
    outcome_date: r.outcome ? '2025-01-20' : null,
  });
}

describe('digest mail', () => {
  test('lists each request with its due date and working days left, and says how many are overdue', () => {
    const base = { organization_id: 1, organization_name: '某局', assigned_to: 1, status: 'in_progress' };
    const m = digestMail(
      { display_name: '王五' },
      [
        { ...base, id: 1, tracking_number: 'A-1', due_on: '2025-01-22', workdaysLeft: -2 },
        { ...base, id: 2, tracking_number: 'A-2', due_on: '2025-01-24', workdaysLeft: 0 },
        { ...base, id: 3, tracking_number: 'A-3', due_on: '2025-02-05', workdaysLeft: 3, assigned_to: null },
      ],
      '2025-01-24',
      'https://gk.example',
    );
    assert.ok(m);
    assert.equal(m.subject, '依申请公开到期提醒（2025-01-24）：3 件，其中 1 件已超期');
    assert.match(m.text, /A-1（某局，办理中）：截止 2025-01-22，已超期 2 个工作日/);
    assert.match(m.text, /A-2（某局，办理中）：截止 2025-01-24，今日到期/);
    assert.match(m.text, /A-3（某局，办理中，未分配）：截止 2025-02-05，剩 3 个工作日/);
    assert.match(m.text, /https:\/\/gk\.example\/console\/requests\/3/);
    assert.equal(digestMail({ display_name: 'x' }, [], '2025-01-24', ''), null);
  });
});

for (const engine of testEngines()) {
  describe(`due digests and deadline feeds on ${engine}`, () => {
    let t: TestApp;
    let officer: StaffUser;
    let other: StaffUser;
    let orgA = 0;
    before(async () => {
      t = await createTestApp(engine);
      const k = t.db.kysely;
      const org = await insertOrg(k, 'due-a');
      orgA = org;
      const org2 = await insertOrg(k, 'due-b');
      officer = await insertStaff(t, 'due_officer', [{ role: 'disclosure_officer', organizationId: org }]);
      other = await insertStaff(t, 'due_other', [{ role: 'disclosure_officer', organizationId: org2 }]);
      await insertRequest(k, { tracking: 'D-A', org, assigned: officer.id, status: 'in_progress', due: '2025-02-05' });
      await insertRequest(k, { tracking: 'D-B', org, assigned: officer.id, status: 'new', due: '2025-01-22' });
      await insertRequest(k, { tracking: 'D-C', org, assigned: officer.id, status: 'in_progress', due: '2025-02-06' });
      await insertRequest(k, { tracking: 'D-D', org, assigned: null, status: 'new', due: '2025-01-27' });
      await insertRequest(k, { tracking: 'D-E', org, assigned: officer.id, status: 'paused', due: '2025-01-30' });
      await insertRequest(k, {
        tracking: 'D-F',
        org,
        assigned: officer.id,
        status: 'decided',
        due: '2025-01-24',
        outcome: 'granted',
      });
    });
    after(() => t.dispose());

    const outbox = () => t.db.kysely.selectFrom('mail_outbox').selectAll().orderBy('id').execute();

    test('the hourly job sends nothing before 08:00 Beijing, then one digest per officer, once a day', async () => {
      const runner = new JobRunner(t.db, { clock: t.deps.clock });
      t.setNow(new Date('2025-01-23T23:30:00Z')); // 07:30 Beijing on Friday 01-24
      await registerDueDigestJob(runner, t.deps);
      await runner.runDue(t.deps.clock());
      assert.equal((await outbox()).length, 0);
      // the hourly run at 08:30 Beijing
      t.setNow(new Date('2025-01-24T00:30:00Z'));
      await runner.runDue(new Date('2025-01-24T00:31:00Z'));
      const mails = await outbox();
      assert.equal(mails.length, 1, 'the other organization has nothing due');
      const m = mails[0];
      assert.equal(m.to_address, 'due_officer@example.test');
      assert.match(m.subject, /3 件，其中 1 件已超期/);
      for (const n of ['D-A', 'D-B', 'D-D']) assert.ok(m.text_body.includes(n), n);
      for (const n of ['D-C', 'D-E', 'D-F']) assert.ok(!m.text_body.includes(n), n);
      assert.doesNotMatch(m.text_body, /SECRET|3501/);
      assert.equal(await sendDueDigests(t.deps, t.deps.calendar, FRIDAY_9AM), 0, 'already sent today');
      assert.equal((await outbox()).length, 1);
    });

    test('no digest on a public holiday', async () => {
      assert.equal(await sendDueDigests(t.deps, t.deps.calendar, new Date('2025-01-29T02:00:00Z')), 0);
    });

    test("the feed lists the officer's open requests as all-day events, without personal data; rotation and revocation end old addresses", async () => {
      const now = new Date('2025-01-24T02:00:00Z');
      const token = await rotateFeedToken(t.deps, systemActor, officer.id, now);
      const ics = await deadlineFeed(t.deps, token, now);
      assert.ok(ics);
      assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
      const unfolded = ics.replace(/\r\n /g, '');
      for (const n of ['D-A', 'D-B', 'D-C', 'D-E']) assert.ok(unfolded.includes(`答复期限：${n}`), n);
      assert.ok(!unfolded.includes('D-D') && !unfolded.includes('D-F'));
      assert.match(unfolded, /DTSTART;VALUE=DATE:20250205/);
      assert.doesNotMatch(unfolded, /SECRET|3501|某路段/);
      assert.equal(await deadlineFeed(t.deps, 'x'.repeat(32), now), null);
      const second = await rotateFeedToken(t.deps, systemActor, officer.id, now);
      assert.equal(await deadlineFeed(t.deps, token, now), null, 'the replaced address no longer works');
      assert.ok(await deadlineFeed(t.deps, second, now));
      await revokeFeedToken(t.deps, systemActor, officer.id, now);
      assert.equal(await deadlineFeed(t.deps, second, now), null);
      const otherToken = await rotateFeedToken(t.deps, systemActor, other.id, now);
      assert.doesNotMatch((await deadlineFeed(t.deps, otherToken, now)) ?? '', /VEVENT/, 'nothing assigned');
    });

    test('the feed page is linked from the account page and the requests queue, for those who see requests', async () => {
      t.setNow(new Date('2025-01-24T02:00:00Z'));
      const link = /href="\/console\/account\/deadline-feed"/;
      const c = await signedInClient(t, officer);
      const account = await c.get('/console/account');
      assert.equal(account.status, 200);
      assert.match(await account.text(), link, 'on the account page');
      const queue = await c.get('/console/requests');
      assert.equal(queue.status, 200);
      assert.match(await queue.text(), link, 'on the queue');
      assert.match(await (await c.get('/console/account/deadline-feed')).text(), /href="\/console\/requests"/);
      const drafter = await signedInClient(
        t,
        await insertStaff(t, 'due_drafter', [{ role: 'drafter', organizationId: orgA }]),
      );
      const own = await drafter.get('/console/account');
      assert.equal(own.status, 200);
      assert.doesNotMatch(await own.text(), link, 'not for staff who handle no requests');
    });

    test('console: the officer creates the address, it serves text/calendar, revoking makes it 404', async () => {
      const c = await signedInClient(t, officer);
      assert.equal((await c.get('/console/account/deadline-feed')).status, 200);
      const res = await c.post('/console/account/deadline-feed');
      assert.equal(res.status, 200);
      const url = /<code id="feed-url">http:\/\/gk\.test(\/feeds\/deadlines\/[A-Za-z0-9_-]+\.ics)<\/code>/.exec(
        await res.text(),
      )?.[1];
      assert.ok(url);
      const feed = await t.app.request(`http://gk.test${url}`);
      assert.equal(feed.status, 200);
      assert.equal(feed.headers.get('content-type'), 'text/calendar; charset=utf-8');
      assert.match(await feed.text(), /BEGIN:VEVENT/);
      assert.equal((await c.post('/console/account/deadline-feed/revoke')).status, 303);
      assert.equal((await t.app.request(`http://gk.test${url}`)).status, 404);
    });
  });
}
