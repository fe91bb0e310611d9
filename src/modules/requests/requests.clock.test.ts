import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calendarFromOverrides } from '../../platform/calendar/calendar.service.js';
import { type ClockEvent, computeClock, feeForNthApplication, feeTiers, receiptDate } from './requests.clock.js';

// Fixed dates against the State Council's arrangements shipped by chinese-days:
//   2024 National Day 10-01..10-07 off, Sun 09-29 and Sat 10-12 worked; 2025 New Year's Day 01-01 off;
//   2025 Spring Festival 01-28..02-04 off, Sun 01-26 and Sat 02-08 worked; 2025 Qingming 04-04..04-06 off;
//   2026 New Year 01-01..01-03 off, Sun 01-04 worked; 2026 Spring Festival 02-15..02-23 off, Sat 02-14 and
//   Sat 02-28 worked.
const cal = calendarFromOverrides();
const clock = (received: string, events: ClockEvent[], today: string) => computeClock(cal, received, events, today);

describe('the reply deadline: 20 working days from the next day', () => {
  test('received Monday 2025-01-20, the reply is due 2025-02-21: Spring Festival skipped, both make-up days counted', () => {
    const r = clock('2025-01-20', [], '2025-01-21');
    assert.equal(r.state, 'running');
    assert.equal(r.dueOn, '2025-02-21');
    assert.equal(r.counted.length, 20);
    assert.equal(r.counted[0], '2025-01-21', 'counting starts the day after receipt');
    assert.deepEqual(
      r.makeupDays.map((d) => d.date),
      ['2025-01-26', '2025-02-08'],
    );
    assert.deepEqual(
      r.skipped.filter((d) => d.kind === 'holiday').map((d) => d.date),
      ['2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03', '2025-02-04'],
    );
    assert.equal(r.workdaysLeft, 19);
    assert.equal(r.consumedWorkdays, 1);
    assert.match(
      r.steps.at(-1)?.text ?? '',
      /不计春节假期 8 天、周末 4 天，计入调休上班日 2025年1月26日、2025年2月8日/,
    );
  });

  test('received Friday 2024-09-27, due 2024-10-30 across National Day 2024', () => {
    assert.equal(clock('2024-09-27', [], '2024-09-27').dueOn, '2024-10-30');
  });

  test('across the year end: received 2024-12-20, due 2025-01-20 (New Year’s Day skipped)', () => {
    const r = clock('2024-12-20', [], '2024-12-20');
    assert.equal(r.dueOn, '2025-01-20');
    assert.ok(r.skipped.some((d) => d.date === '2025-01-01' && d.kind === 'holiday'));
  });

  test('across 2025–2026: received 2025-12-24, due 2026-01-22 with Sunday 2026-01-04 worked', () => {
    const r = clock('2025-12-24', [], '2025-12-25');
    assert.equal(r.dueOn, '2026-01-22');
    assert.deepEqual(
      r.makeupDays.map((d) => d.date),
      ['2026-01-04'],
    );
  });

  test('2026 Spring Festival: received 2026-02-10, due 2026-03-16 with Saturdays 02-14 and 02-28 worked', () => {
    const r = clock('2026-02-10', [], '2026-02-10');
    assert.equal(r.dueOn, '2026-03-16');
    assert.deepEqual(
      r.makeupDays.map((d) => d.date),
      ['2026-02-14', '2026-02-28'],
    );
    assert.equal(r.skipped.filter((d) => d.kind === 'holiday').length, 9);
  });

  test('a year with no arrangement falls back to weekends and says so', () => {
    const r = clock('2031-06-02', [], '2031-06-02');
    assert.equal(r.dueOn, '2031-06-30');
    assert.deepEqual(r.unknownYears, [2031]);
    assert.match(r.steps.at(-1)?.text ?? '', /2031 年的节假日安排尚未公布或录入/);
  });

  test('overdue: working days left turn negative after the due date', () => {
    const r = clock('2025-01-20', [], '2025-02-25');
    assert.equal(r.overdue, true);
    assert.equal(r.workdaysLeft, -2);
    assert.match(r.summary, /已超过答复期限/);
  });
});

describe('clarification (补正)', () => {
  test('must go out within 7 working days of receipt: window to 2025-02-05, warning in its last 2 working days', () => {
    assert.equal(clock('2025-01-20', [], '2025-01-21').clarification.by, '2025-02-05');
    assert.equal(clock('2025-01-20', [], '2025-01-21').clarification.warning, false);
    assert.equal(
      clock('2025-01-20', [], '2025-01-27').clarification.warning,
      true,
      'Feb 5 is 2 working days after Jan 27',
    );
    assert.equal(
      clock('2025-01-20', [], '2025-02-06').clarification.warning,
      false,
      'past the window: no more warning',
    );
  });

  test('stops the clock; the answer restarts it in full from that day', () => {
    const events: ClockEvent[] = [{ kind: 'clarification_requested', onDate: '2025-01-22', deadline: '2025-02-14' }];
    const waiting = clock('2025-01-20', events, '2025-02-07');
    assert.equal(waiting.state, 'waiting_clarification');
    assert.equal(waiting.dueOn, null);
    assert.equal(waiting.clarification.canAsk, false);
    const answered = clock(
      '2025-01-20',
      [...events, { kind: 'clarification_answered', onDate: '2025-02-10' }],
      '2025-02-10',
    );
    assert.equal(answered.state, 'running');
    assert.equal(answered.restarted, true);
    assert.equal(answered.countFrom, '2025-02-10');
    // 20 working days from Tuesday 2025-02-11: Feb 11–14, 17–21, 24–28, Mar 3–7, 10 → 2025-03-10
    assert.equal(answered.dueOn, '2025-03-10');
    assert.equal(answered.counted.length, 20, 'the days before the clarification no longer count');
  });

  test('asked after the 7-working-day window is marked late', () => {
    const r = clock(
      '2025-01-20',
      [{ kind: 'clarification_requested', onDate: '2025-02-06', deadline: '2025-02-20' }],
      '2025-02-06',
    );
    assert.equal(r.clarification.late, true);
    assert.match(r.steps[1].text, /已超过收到申请后 7 个工作日的期限/);
  });

  test('is asked once: a second request does not stop the clock again', () => {
    const r = clock(
      '2025-03-03',
      [
        { kind: 'clarification_requested', onDate: '2025-03-04', deadline: '2025-03-14' },
        { kind: 'clarification_answered', onDate: '2025-03-10' },
        { kind: 'clarification_requested', onDate: '2025-03-11', deadline: '2025-03-20' },
      ],
      '2025-03-12',
    );
    assert.equal(r.state, 'running');
    assert.equal(r.clarification.askedOn, '2025-03-04');
  });

  test('no answer by the deadline lapses as 其他处理-1 (other.no_clarification)', () => {
    const ev: ClockEvent[] = [{ kind: 'clarification_requested', onDate: '2025-03-04', deadline: '2025-03-14' }];
    assert.equal(
      clock('2025-03-03', ev, '2025-03-14').state,
      'waiting_clarification',
      'the deadline day itself is still in time',
    );
    const r = clock('2025-03-03', ev, '2025-03-15');
    assert.equal(r.state, 'lapsed');
    assert.deepEqual(r.lapse, { outcome: 'other.no_clarification', deadline: '2025-03-14' });
  });
});

describe('pauses, extension and fees', () => {
  test('a third-party consultation stops the clock: its first day counts, the days to its end do not', () => {
    // Received Mon 2025-03-03; Mar 4, 5 counted; paused 03-05..03-14; resumes Mon 03-17 with 18 to go.
    const r = clock(
      '2025-03-03',
      [
        { kind: 'consultation_started', onDate: '2025-03-05', detail: 'third_party' },
        { kind: 'consultation_ended', onDate: '2025-03-14' },
      ],
      '2025-03-17',
    );
    assert.equal(r.state, 'running');
    // Mar 17–21, 24–28, 31, Apr 1–3 (14), Apr 4–6 Qingming, Apr 7–10 (18) → 2025-04-10
    assert.equal(r.dueOn, '2025-04-10');
    assert.deepEqual(r.pauses, [{ kind: 'consultation', from: '2025-03-05', to: '2025-03-14' }]);
    assert.ok(!r.counted.includes('2025-03-10'), 'a day inside the pause is not counted');
    assert.ok(r.counted.includes('2025-03-05'));
    assert.match(r.steps[1].text, /15 个工作日内即2025年3月26日前/);
  });

  test('while paused there is no due date; overlapping consultations pause until the last ends', () => {
    const ev: ClockEvent[] = [
      { kind: 'consultation_started', onDate: '2025-03-05', detail: 'third_party' },
      { kind: 'consultation_started', onDate: '2025-03-06', detail: 'agencies' },
      { kind: 'consultation_ended', onDate: '2025-03-10' },
    ];
    const r = clock('2025-03-03', ev, '2025-03-11');
    assert.equal(r.state, 'paused_consultation');
    assert.equal(r.dueOn, null);
    const done = clock('2025-03-03', [...ev, { kind: 'consultation_ended', onDate: '2025-03-14' }], '2025-03-17');
    assert.equal(done.dueOn, '2025-04-10');
  });

  test('one extension of at most 20 working days; a second is ignored', () => {
    const r = clock(
      '2025-01-20',
      [
        { kind: 'extension', onDate: '2025-02-20', workdays: 25 },
        { kind: 'extension', onDate: '2025-02-21', workdays: 10 },
      ],
      '2025-02-21',
    );
    assert.deepEqual(r.extension, { onDate: '2025-02-20', workdays: 20 });
    assert.equal(r.totalWorkdays, 40);
    // 20 more working days after 2025-02-21: Feb 24–28, Mar 3–7, 10–14, 17–21 → 2025-03-21
    assert.equal(r.dueOn, '2025-03-21');
    assert.equal(r.counted.length, 40);
  });

  test('a fee notice stops the clock until paid; payment resumes it', () => {
    const ev: ClockEvent[] = [{ kind: 'fee_notice', onDate: '2025-03-05', deadline: '2025-03-20' }];
    const waiting = clock('2025-03-03', ev, '2025-03-12');
    assert.equal(waiting.state, 'paused_fee');
    assert.equal(waiting.dueOn, null);
    const paid = clock('2025-03-03', [...ev, { kind: 'fee_paid', onDate: '2025-03-14' }], '2025-03-14');
    assert.equal(paid.state, 'running');
    assert.equal(paid.dueOn, '2025-04-10');
  });

  test('a fee unpaid by its deadline lapses as 其他处理-2 (other.fee_unpaid)', () => {
    const r = clock('2025-03-03', [{ kind: 'fee_notice', onDate: '2025-03-05', deadline: '2025-03-20' }], '2025-03-21');
    assert.deepEqual(r.lapse, { outcome: 'other.fee_unpaid', deadline: '2025-03-20' });
  });

  test('a decision stops the clock and keeps the due date; late decisions are overdue', () => {
    const inTime = clock('2025-01-20', [{ kind: 'decided', onDate: '2025-02-20' }], '2025-06-01');
    assert.equal(inTime.state, 'stopped');
    assert.equal(inTime.dueOn, '2025-02-21');
    assert.equal(inTime.overdue, false);
    assert.equal(inTime.workdaysLeft, null);
    const late = clock('2025-01-20', [{ kind: 'decided', onDate: '2025-02-24' }], '2025-06-01');
    assert.equal(late.overdue, true);
    const afterDecision = clock(
      '2025-01-20',
      [
        { kind: 'decided', onDate: '2025-02-20' },
        { kind: 'extension', onDate: '2025-02-21', workdays: 20 },
      ],
      '2025-06-01',
    );
    assert.equal(afterDecision.extension, null, 'events after the stop are ignored');
  });

  test('a pause that begins after the due date keeps the request overdue', () => {
    const r = clock('2025-01-20', [{ kind: 'consultation_started', onDate: '2025-02-25' }], '2025-02-26');
    assert.equal(r.state, 'paused_consultation');
    assert.equal(r.dueOn, '2025-02-21');
    assert.equal(r.overdue, true);
  });

  test('assignments, notes and query-code reissues do not move the clock (a transfer does: see below)', () => {
    const r = clock(
      '2025-01-20',
      [
        { kind: 'assigned', onDate: '2025-01-21' },
        { kind: 'query_code_reissued', onDate: '2025-01-22' },
        { kind: 'note', onDate: '2025-01-23' },
      ],
      '2025-01-24',
    );
    assert.equal(r.dueOn, '2025-02-21');
    // Transferred on Wednesday 2025-01-22: 20 working days from 01-23 (Spring Festival skipped) → 2025-02-25.
    assert.equal(
      clock('2025-01-20', [{ kind: 'transferred', onDate: '2025-01-22' }], '2025-01-24').dueOn,
      '2025-02-25',
    );
  });
});

describe('fees of Art. 42 by application', () => {
  test('10 a month free, the 11th–30th 100 yuan, then +100 per further block of 10', () => {
    assert.deepEqual(
      [1, 10, 11, 30, 31, 40, 41, 50, 51].map(feeForNthApplication),
      [0, 0, 100, 100, 200, 200, 300, 300, 400],
    );
    assert.throws(() => feeForNthApplication(0), RangeError);
  });

  test('the tiers of a month of 45 applications add up to 4,500 yuan', () => {
    const t = feeTiers(1, 45);
    assert.deepEqual(t.lines, [
      { from: 1, to: 10, each: 0 },
      { from: 11, to: 30, each: 100 },
      { from: 31, to: 40, each: 200 },
      { from: 41, to: 45, each: 300 },
    ]);
    assert.equal(t.total, 20 * 100 + 10 * 200 + 5 * 300);
  });
});

describe('receipt date (Art. 31)', () => {
  test('in person the day handed in, by post the day signed for, online/fax/email the day both sides confirm', () => {
    assert.deepEqual(receiptDate('in_person', { handedOn: '2025-03-03' }), {
      date: '2025-03-03',
      rule: '当面提交的，以提交之日为收到申请之日。',
    });
    const post = receiptDate('post', { handedOn: '2025-03-01', signedOn: '2025-03-04' });
    assert.ok('date' in post && post.date === '2025-03-04');
    assert.ok('missing' in receiptDate('post', { handedOn: '2025-03-01' }));
    const fax = receiptDate('fax', { confirmedOn: '2025-03-05' });
    assert.ok('date' in fax && fax.date === '2025-03-05');
    assert.deepEqual('missing' in receiptDate('email', {}) && receiptDate('email', {}), {
      missing: 'confirmedOn',
      rule: '通过互联网渠道或者传真、电子邮件提交的，以双方确认之日为收到申请之日。',
    });
  });
});

describe('a transfer: the receiving organization’s receipt, its own 20 working days', () => {
  const received = '2025-01-20'; // Monday
  test('restarts the count from the day after the transfer; the days used before do not count', () => {
    const r = clock(received, [{ kind: 'transferred', onDate: '2025-02-10' }], '2025-02-10');
    assert.equal(r.state, 'running');
    assert.equal(r.transferredOn, '2025-02-10');
    assert.equal(r.countFrom, '2025-02-10');
    assert.equal(r.restartReason, 'transfer');
    // Feb 11–14, 17–21, 24–28, Mar 3–7, 10 → 2025-03-10 (without the transfer: 2025-02-21)
    assert.equal(r.dueOn, '2025-03-10');
    assert.equal(r.counted.length, 20);
    assert.equal(r.counted[0], '2025-02-11');
    assert.equal(r.workdaysLeft, 20);
    assert.match(r.steps[1].text, /2025年2月10日申请转送负责公开该信息的机关办理，该机关以转送之日为收到申请之日/);
    assert.match(
      r.steps.at(-1)?.text ?? '',
      /答复期限为2025年3月10日：共计 20 个工作日（自2025年2月10日转送之日起重新计算）/,
    );
  });

  test('the first organization’s extension no longer applies; the receiving one may extend once', () => {
    const before: ClockEvent[] = [{ kind: 'extension', onDate: '2025-02-05', workdays: 20 }];
    assert.equal(clock(received, before, '2025-02-05').dueOn, '2025-03-21', 'extended at the first organization');
    const moved = clock(received, [...before, { kind: 'transferred', onDate: '2025-02-10' }], '2025-02-10');
    assert.equal(moved.extension, null);
    assert.equal(moved.totalWorkdays, 20);
    assert.equal(moved.dueOn, '2025-03-10');
    assert.match(moved.steps[2].text, /原机关的延长不再适用/);
    const extended = clock(
      received,
      [
        ...before,
        { kind: 'transferred', onDate: '2025-02-10' },
        { kind: 'extension', onDate: '2025-03-03', workdays: 10 },
      ],
      '2025-03-03',
    );
    assert.deepEqual(extended.extension, { onDate: '2025-03-03', workdays: 10 });
    assert.equal(extended.dueOn, '2025-03-24', '30 working days from 2025-02-11');
  });

  test('the 7-working-day clarification window runs from the transfer when none was asked', () => {
    const r = clock(received, [{ kind: 'transferred', onDate: '2025-02-10' }], '2025-02-17');
    assert.equal(r.clarification.by, '2025-02-19');
    assert.equal(r.clarification.canAsk, true);
    const asked = clock(
      received,
      [
        { kind: 'transferred', onDate: '2025-02-10' },
        { kind: 'clarification_requested', onDate: '2025-02-18', deadline: '2025-02-28' },
      ],
      '2025-02-18',
    );
    assert.equal(asked.clarification.late, false);
    assert.equal(asked.state, 'waiting_clarification');
    // A clarification asked and answered before the transfer is not asked again, and the window stays.
    const answeredFirst = clock(
      received,
      [
        { kind: 'clarification_requested', onDate: '2025-01-21', deadline: '2025-01-27' },
        { kind: 'clarification_answered', onDate: '2025-01-24' },
        { kind: 'transferred', onDate: '2025-02-10' },
      ],
      '2025-02-10',
    );
    assert.equal(answeredFirst.clarification.canAsk, false);
    assert.equal(answeredFirst.dueOn, '2025-03-10');
  });

  test('a transfer logged during a pause does not move the clock; after a decision it is ignored', () => {
    const paused = clock(
      received,
      [
        { kind: 'consultation_started', onDate: '2025-01-22', detail: 'third_party' },
        { kind: 'transferred', onDate: '2025-01-24' },
      ],
      '2025-01-24',
    );
    assert.equal(paused.state, 'paused_consultation');
    assert.equal(paused.transferredOn, null);
    const done = clock(
      received,
      [
        { kind: 'decided', onDate: '2025-02-06' },
        { kind: 'transferred', onDate: '2025-02-10' },
      ],
      '2025-02-10',
    );
    assert.equal(done.state, 'stopped');
    assert.equal(done.dueOn, '2025-02-21');
    assert.equal(done.transferredOn, null);
  });

  test('overdue at the receiving organization is judged against its own due date', () => {
    const late = clock(received, [{ kind: 'transferred', onDate: '2025-02-10' }], '2025-03-11');
    assert.equal(late.overdue, true);
    assert.equal(late.workdaysLeft, -1);
    const inTime = clock(received, [{ kind: 'transferred', onDate: '2025-02-10' }], '2025-02-24');
    assert.equal(inTime.overdue, false, 'past the first organization’s 2025-02-21 but within its own');
  });
});
