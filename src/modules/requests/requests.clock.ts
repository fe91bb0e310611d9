import type { Calendar, DayNote } from '../../platform/calendar/calendar.js';
import { OUTCOME_FEE_UNPAID, OUTCOME_NO_CLARIFICATION } from './outcomes.js';

// The statutory clock of an information request (政府信息公开条例 Art. 30–33, 42), as a pure function of the
// receipt date, the request's event log and the working-day calendar. Nothing here reads a database or the
// time: the same log always gives the same due date and the same explanation, so a due date can be
// recomputed and shown to the applicant at any time.
//
// Rules, as implemented:
// - Receipt → the reply is due 20 working days later, counting from the next day (Art. 33).
// - A clarification request (补正) must go out within 7 working days of receipt (Art. 30); the clock stops while
//   the applicant has it, and restarts in full from the day the answer arrives (counting from the next day).
//   No answer by the applicant's deadline: the request is closed as 其他处理-1.
// - A consultation of a third party (Art. 32) or of other agencies (Art. 34) stops the clock: the day the
//   consultation starts still counts, the days up to and including the day it ends do not.
// - One extension of at most 20 working days (Art. 33), approved by the head of the disclosure office.
// - A fee notice (Art. 42) stops the clock like a consultation until the fee is paid; unpaid by its deadline,
//   the request is closed as 其他处理-2.
// - A transfer to the organization responsible for the information (转送) is that organization's receipt of the
//   application (Art. 31: online, within the platform, both sides confirm on the day of the transfer). Its
//   20 working days run afresh from the day after the transfer (Art. 33), as after a clarification: the days
//   the first organization used are not deducted, its extension no longer applies (the receiving organization
//   may approve its own, once), and if no clarification was asked yet the 7 working days of Art. 30 run from
//   the transfer. A transfer happens only while the clock runs (the service refuses it during a pause).
// - A decision, closure or withdrawal stops the clock for good; the due date at that moment is kept, so
//   "answered in time" can be judged afterwards.

export const REPLY_WORKDAYS = 20;
export const CLARIFY_WITHIN_WORKDAYS = 7;
export const MAX_EXTENSION_WORKDAYS = 20;
export const CONSULTATION_WORKDAYS = 15;
/** Working days before the clarification window closes from which the console warns. */
export const CLARIFY_WARNING_WORKDAYS = 2;

export const REQUEST_EVENT_KINDS = {
  received: '收到申请',
  clarification_requested: '要求补正',
  clarification_answered: '收到补正',
  supplement: '补充材料',
  consultation_started: '开始征求意见',
  consultation_ended: '征求意见结束',
  extension: '延长答复期限',
  fee_notice: '发出收费通知',
  fee_paid: '缴纳费用',
  transferred: '转送',
  assigned: '分派',
  note: '备注',
  flagged: '标记',
  decided: '作出答复',
  delivered: '送达',
  closed: '办结',
  withdrawn: '撤回申请',
  query_code_reissued: '重新生成查询码',
} as const;
export type RequestEventKind = keyof typeof REQUEST_EVENT_KINDS;

/** Whom a consultation asks: a third party (Art. 32) or other agencies (Art. 34). */
export const CONSULTATION_KINDS = { third_party: '第三方', agencies: '其他机关' } as const;

export interface ClockEvent {
  kind: RequestEventKind | string;
  /** The date the event counts from (YYYY-MM-DD). */
  onDate: string;
  /** Applicant's deadline (clarification, fee) or the consulted party's. */
  deadline?: string | null;
  /** Extension length. */
  workdays?: number | null;
  /** consultation_started: third_party | agencies (in the note column of the log). */
  detail?: string | null;
}

export type ClockState =
  | 'running' // 办理中
  | 'waiting_clarification' // 待申请人补正
  | 'paused_consultation' // 征求意见中（中止计时）
  | 'paused_fee' // 待缴费（中止计时）
  | 'stopped' // 已答复或已办结
  | 'lapsed'; // 申请人逾期未补正或未缴费，应按其他处理办结

export const CLOCK_STATE_LABELS: Record<ClockState, string> = {
  running: '办理中',
  waiting_clarification: '等待申请人补正',
  paused_consultation: '征求意见中，暂停计时',
  paused_fee: '等待申请人缴费，暂停计时',
  stopped: '已答复',
  lapsed: '申请人逾期未办理，将终止处理',
};

export interface ClockPause {
  kind: 'clarification' | 'consultation' | 'fee';
  from: string;
  to: string | null;
}

export interface ClockStep {
  date: string;
  text: string;
}

export interface ClockResult {
  state: ClockState;
  /** The reply is due on this date (the due date when the clock stopped; null while paused). */
  dueOn: string | null;
  /** Working days left after `today` up to the due date; negative when overdue; null while paused. */
  workdaysLeft: number | null;
  overdue: boolean;
  /** 20, plus the extension. */
  totalWorkdays: number;
  /** Working days counted so far since the last (re)start of the clock, up to today or the stop. */
  consumedWorkdays: number;
  /** The date the current count runs from (receipt, or the answer to a clarification). */
  countFrom: string;
  restarted: boolean;
  /** Why the count last started again: the applicant's clarification, or a transfer; null when it never did. */
  restartReason: 'clarification' | 'transfer' | null;
  /** The day of the last transfer to another organization (its receipt date), or null. */
  transferredOn: string | null;
  extension: { onDate: string; workdays: number } | null;
  clarification: {
    /** Last day a clarification request may go out (7 working days after receipt). */
    by: string;
    askedOn: string | null;
    deadline: string | null;
    answeredOn: string | null;
    /** Asked after the 7-working-day window. */
    late: boolean;
    /** Not asked yet, the window still open and closing within CLARIFY_WARNING_WORKDAYS. */
    warning: boolean;
    /** A clarification may still be asked (once, before a decision). */
    canAsk: boolean;
  };
  pauses: ClockPause[];
  /** The clock ran out for the applicant: the request is to be closed with this outcome. */
  lapse: { outcome: string; deadline: string } | null;
  /** Days of the current count: counted, and weekends/holidays passed over, across its running segments. */
  counted: string[];
  skipped: DayNote[];
  makeupDays: DayNote[];
  unknownYears: number[];
  /** The story of the due date, in Chinese, one line per event that moved it. */
  steps: ClockStep[];
  /** Consultations (third party or other agencies) started and not yet ended: no decision while any is open. */
  openConsultations: number;
  summary: string;
}

const md = (d: string) => `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
const max = (a: string, b: string) => (a > b ? a : b);

interface Segment {
  from: string; // counting starts the day after
  to: string | null; // last day counted (inclusive); null: still running
}

/** The due date and state of a request's clock, with every step explained; pure (see the rules above). */
export function computeClock(
  cal: Calendar,
  receivedOn: string,
  events: readonly ClockEvent[],
  today: string,
): ClockResult {
  const steps: ClockStep[] = [
    { date: receivedOn, text: `${md(receivedOn)}收到申请，自次日起计算 ${REPLY_WORKDAYS} 个工作日的答复期限。` },
  ];
  let clarifyBy = cal.addWorkdays(receivedOn, CLARIFY_WITHIN_WORKDAYS).due;
  let total = REPLY_WORKDAYS;
  let extension: ClockResult['extension'] = null;
  let segments: Segment[] = [{ from: receivedOn, to: null }];
  let countFrom = receivedOn;
  let restarted = false;
  let restartReason: ClockResult['restartReason'] = null;
  let transferredOn: string | null = null;
  let mode: ClockState = 'running';
  let openConsultations = 0;
  let askedOn: string | null = null;
  let clarDeadline: string | null = null;
  let answeredOn: string | null = null;
  let feeDeadline: string | null = null;
  let stoppedOn: string | null = null;
  let stoppedWhileRunning = false;
  const pauses: ClockPause[] = [];

  const consumed = (segs: Segment[], until: string) =>
    segs.reduce((n, s) => n + Math.max(0, cal.countWorkdays(s.from, s.to ?? max(s.from, until))), 0);
  const pause = (kind: ClockPause['kind'], on: string) => {
    const cur = segments[segments.length - 1];
    if (cur && cur.to === null) cur.to = max(cur.from, on);
    pauses.push({ kind, from: on, to: null });
  };
  const resume = (on: string) => {
    const p = pauses[pauses.length - 1];
    if (p && p.to === null) p.to = on;
    segments.push({ from: on, to: null });
  };

  for (const e of events) {
    if (mode === 'stopped') break;
    const d = e.onDate;
    switch (e.kind) {
      case 'clarification_requested': {
        if (askedOn !== null || mode !== 'running') break; // asked once, in full (Art. 30)
        askedOn = d;
        clarDeadline = e.deadline ?? null;
        pause('clarification', d);
        mode = 'waiting_clarification';
        steps.push({
          date: d,
          text: `${md(d)}要求申请人补正${d > clarifyBy ? `（已超过收到申请后 ${CLARIFY_WITHIN_WORKDAYS} 个工作日的期限 ${md(clarifyBy)}）` : ''}，答复期限停止计算${clarDeadline ? `；申请人应于${md(clarDeadline)}前补正` : ''}。`,
        });
        break;
      }
      case 'clarification_answered': {
        if (mode !== 'waiting_clarification') break;
        answeredOn = d;
        const p = pauses[pauses.length - 1];
        if (p) p.to = d;
        // Art. 30: the period runs from receipt of the clarified application, in full.
        segments = [{ from: d, to: null }];
        countFrom = d;
        restarted = true;
        restartReason = 'clarification';
        mode = openConsultations > 0 ? 'paused_consultation' : 'running';
        steps.push({
          date: d,
          text: `${md(d)}收到申请人的补正，答复期限自次日起重新计算 ${REPLY_WORKDAYS} 个工作日。`,
        });
        break;
      }
      case 'consultation_started': {
        openConsultations++;
        const who = e.detail === 'agencies' ? '其他机关' : '第三方';
        const replyBy = cal.addWorkdays(d, CONSULTATION_WORKDAYS).due;
        if (mode === 'running') {
          pause('consultation', d);
          mode = 'paused_consultation';
        }
        steps.push({
          date: d,
          text: `${md(d)}书面征求${who}意见（${who}应在 ${CONSULTATION_WORKDAYS} 个工作日内即${md(replyBy)}前提出意见），征求意见所需时间不计算在答复期限内。`,
        });
        break;
      }
      case 'consultation_ended': {
        if (openConsultations === 0) break;
        openConsultations--;
        if (openConsultations === 0 && mode === 'paused_consultation') {
          resume(d);
          mode = 'running';
          steps.push({ date: d, text: `${md(d)}征求意见结束，答复期限自次日起继续计算。` });
        }
        break;
      }
      case 'extension': {
        if (extension) break; // one extension only
        const n = Math.max(0, Math.min(MAX_EXTENSION_WORKDAYS, Math.trunc(e.workdays ?? 0)));
        if (n === 0) break;
        extension = { onDate: d, workdays: n };
        total += n;
        steps.push({
          date: d,
          text: `${md(d)}经政府信息公开工作机构负责人同意，答复期限延长 ${n} 个工作日（共 ${total} 个工作日）。`,
        });
        break;
      }
      case 'fee_notice': {
        if (mode !== 'running' && mode !== 'paused_consultation') break;
        feeDeadline = e.deadline ?? null;
        if (mode === 'running') pause('fee', d);
        else pauses.push({ kind: 'fee', from: d, to: null });
        mode = 'paused_fee';
        steps.push({
          date: d,
          text: `${md(d)}发出收费通知，答复期限停止计算${feeDeadline ? `；申请人应于${md(feeDeadline)}前缴费` : ''}。`,
        });
        break;
      }
      case 'fee_paid': {
        if (mode !== 'paused_fee') break;
        feeDeadline = null;
        if (openConsultations > 0) {
          const p = pauses[pauses.length - 1];
          if (p) p.to = d;
          mode = 'paused_consultation';
        } else {
          resume(d);
          mode = 'running';
        }
        steps.push({ date: d, text: `${md(d)}申请人已缴费，答复期限自次日起继续计算。` });
        break;
      }
      case 'transferred': {
        if (mode !== 'running') break; // refused by the service while paused; a paused log keeps its pause
        // Art. 31/33: the receiving organization's receipt; its own 20 working days from the next day.
        const cur = segments[segments.length - 1];
        if (cur && cur.to === null) cur.to = max(cur.from, d);
        segments = [{ from: d, to: null }];
        countFrom = d;
        restarted = true;
        restartReason = 'transfer';
        transferredOn = d;
        const hadExtension = extension !== null;
        extension = null;
        total = REPLY_WORKDAYS;
        if (askedOn === null) clarifyBy = cal.addWorkdays(d, CLARIFY_WITHIN_WORKDAYS).due;
        steps.push({
          date: d,
          text: `${md(d)}申请转送负责公开该信息的机关办理，该机关以转送之日为收到申请之日，答复期限自次日起重新计算 ${REPLY_WORKDAYS} 个工作日${hadExtension ? '（原机关的延长不再适用）' : ''}${askedOn === null ? `；如需补正，应在${md(clarifyBy)}前提出` : ''}。`,
        });
        break;
      }
      case 'decided':
      case 'closed':
      case 'withdrawn': {
        stoppedOn = d;
        const cur = segments[segments.length - 1];
        stoppedWhileRunning = mode === 'running';
        if (mode === 'running' && cur && cur.to === null) cur.to = max(cur.from, d);
        const p = pauses[pauses.length - 1];
        if (p && p.to === null) p.to = d;
        mode = 'stopped';
        steps.push({
          date: d,
          text: `${md(d)}${e.kind === 'decided' ? '作出答复' : e.kind === 'withdrawn' ? '申请人撤回申请' : '办结'}，停止计时。`,
        });
        break;
      }
      default:
        break; // assignments, notes, deliveries and query-code reissues do not move the clock
    }
  }

  // The applicant's deadlines run out by themselves (其他处理-1 and -2).
  let lapse: ClockResult['lapse'] = null;
  if (mode === 'waiting_clarification' && clarDeadline && today > clarDeadline) {
    lapse = { outcome: OUTCOME_NO_CLARIFICATION, deadline: clarDeadline };
    mode = 'lapsed';
    steps.push({ date: clarDeadline, text: `申请人未在${md(clarDeadline)}前补正，视为放弃申请，不再处理。` });
  } else if (mode === 'paused_fee' && feeDeadline && today > feeDeadline) {
    lapse = { outcome: OUTCOME_FEE_UNPAID, deadline: feeDeadline };
    mode = 'lapsed';
    steps.push({ date: feeDeadline, text: `申请人未在${md(feeDeadline)}前缴纳费用，不再处理。` });
  }

  // The due date: the live segment's remainder after the closed ones. A request stopped while the clock ran
  // keeps the due date it had at that moment (its last segment counts as live).
  const live = mode === 'running' || (mode === 'stopped' && stoppedWhileRunning) ? segments[segments.length - 1] : null;
  const closed = segments.filter((s) => s !== live);
  const usedBefore = consumed(closed, today);
  let dueOn: string | null = null;
  const counted: string[] = [];
  const skipped: DayNote[] = [];
  const makeupDays: DayNote[] = [];
  const years = new Set<number>();
  const take = (from: string, n: number) => {
    const e = cal.addWorkdays(from, n);
    counted.push(...e.counted);
    skipped.push(...e.skipped);
    makeupDays.push(...e.makeupDays);
    for (const y of e.unknownYears) years.add(y);
    return e;
  };
  // Closed segments' days, capped at the period: a pause that began after the due date lists no extra days.
  let budget = total;
  let overdueOn: string | null = null;
  for (const s of closed) {
    const n = Math.max(0, cal.countWorkdays(s.from, s.to as string));
    const k = Math.min(n, budget);
    if (k > 0) {
      const e = take(s.from, k);
      if (k === budget && n > k && !overdueOn) overdueOn = e.due;
    }
    budget -= k;
  }
  if (live) dueOn = budget > 0 ? take(live.from, budget).due : (overdueOn ?? live.from);
  else if (overdueOn) dueOn = overdueOn;

  const consumedNow = live
    ? usedBefore + Math.max(0, cal.countWorkdays(live.from, max(live.from, stoppedOn ?? today)))
    : usedBefore;
  const workdaysLeft = dueOn && mode === 'running' ? cal.countWorkdays(today, dueOn) : null;
  // Paused or lapsed with a due date means the period had already run out before the pause.
  const overdue =
    dueOn !== null &&
    (mode === 'running' ? today > dueOn : mode === 'stopped' ? !!stoppedOn && stoppedOn > dueOn : true);

  const windowLeft = cal.countWorkdays(today, clarifyBy);
  const clarification = {
    by: clarifyBy,
    askedOn,
    deadline: clarDeadline,
    answeredOn,
    late: askedOn !== null && askedOn > clarifyBy,
    warning:
      askedOn === null &&
      (mode === 'running' || mode === 'paused_consultation') &&
      today <= clarifyBy &&
      windowLeft <= CLARIFY_WARNING_WORKDAYS,
    canAsk: askedOn === null && (mode === 'running' || mode === 'paused_consultation'),
  };

  if (dueOn) {
    const skippedText = describeSkipped(skipped);
    steps.push({
      date: dueOn,
      text: `${mode === 'stopped' ? '停止计时时的答复期限' : '答复期限'}为${md(dueOn)}：共计 ${total} 个工作日${restartReason === 'clarification' ? `（自${md(countFrom)}收到补正起重新计算）` : restartReason === 'transfer' ? `（自${md(countFrom)}转送之日起重新计算）` : ''}${skippedText ? `，不计${skippedText}` : ''}${makeupDays.length ? `，计入调休上班日 ${makeupDays.map((d) => md(d.date)).join('、')}` : ''}${pauses.some((p) => p.kind !== 'clarification' && p.from >= countFrom) ? '，暂停期间不计' : ''}。`,
    });
  }
  const unknownYears = [...years].sort((a, b) => a - b);
  if (unknownYears.length)
    steps.push({
      date: dueOn ?? today,
      text: `注意：${unknownYears.join('、')} 年的节假日安排尚未公布或录入，期间按周六、周日休息计算，截止日期可能变化。`,
    });

  return {
    state: mode,
    dueOn,
    workdaysLeft,
    overdue,
    totalWorkdays: total,
    consumedWorkdays: consumedNow,
    countFrom,
    restarted,
    restartReason,
    transferredOn,
    extension,
    clarification,
    pauses,
    lapse,
    counted,
    skipped,
    makeupDays,
    unknownYears,
    steps,
    openConsultations,
    summary: summarize(mode, dueOn, workdaysLeft, lapse),
  };
}

function describeSkipped(skipped: DayNote[]): string {
  const holidays = new Map<string, number>();
  let weekends = 0;
  for (const s of skipped) {
    if (s.kind === 'weekend') weekends++;
    else holidays.set(s.name, (holidays.get(s.name) ?? 0) + 1);
  }
  return [
    ...[...holidays].map(([name, n]) => `${name}假期 ${n} 天`),
    ...(weekends ? [`周末 ${weekends} 天`] : []),
  ].join('、');
}

function summarize(state: ClockState, due: string | null, left: number | null, lapse: ClockResult['lapse']): string {
  switch (state) {
    case 'running':
      if (!due || left === null) return '办理中。';
      return left >= 0
        ? `应于${md(due)}前答复，还剩 ${left} 个工作日。`
        : `已超过答复期限（${md(due)}）${-left} 个工作日。`;
    case 'waiting_clarification':
      return '等待申请人补正，答复期限暂停计算；收到补正后重新计算。';
    case 'paused_consultation':
      return '正在征求第三方或其他机关意见，答复期限暂停计算。';
    case 'paused_fee':
      return '等待申请人缴纳信息处理费，答复期限暂停计算。';
    case 'lapsed':
      return lapse?.outcome === OUTCOME_FEE_UNPAID
        ? '申请人逾期未缴费，不再处理。'
        : '申请人逾期未补正，视为放弃申请。';
    case 'stopped':
      return due ? `已答复（答复期限为${md(due)}）。` : '已答复。';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Receipt date (Art. 31)

export const CHANNELS = {
  online: '网上申请',
  in_person: '当面提交',
  post: '邮寄',
  fax: '传真',
  email: '电子邮件',
} as const;
export type Channel = keyof typeof CHANNELS;

/**
 * The receipt date of Art. 31: handed in — that day; by post — the day it was signed for; online, fax or
 * email — the day both sides confirmed it. Returns the date and the sentence explaining it.
 */
export function receiptDate(
  channel: Channel,
  dates: { handedOn?: string; signedOn?: string; confirmedOn?: string },
): { date: string; rule: string } | { missing: 'handedOn' | 'signedOn' | 'confirmedOn'; rule: string } {
  switch (channel) {
    case 'in_person':
      return dates.handedOn
        ? { date: dates.handedOn, rule: '当面提交的，以提交之日为收到申请之日。' }
        : { missing: 'handedOn', rule: '当面提交的，以提交之日为收到申请之日。' };
    case 'post':
      return dates.signedOn
        ? { date: dates.signedOn, rule: '以邮寄方式提交的，以行政机关签收之日为收到申请之日。' }
        : { missing: 'signedOn', rule: '以邮寄方式提交的，以行政机关签收之日为收到申请之日。' };
    default:
      return dates.confirmedOn
        ? { date: dates.confirmedOn, rule: '通过互联网渠道或者传真、电子邮件提交的，以双方确认之日为收到申请之日。' }
        : { missing: 'confirmedOn', rule: '通过互联网渠道或者传真、电子邮件提交的，以双方确认之日为收到申请之日。' };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Fees (Art. 42; 政府信息公开信息处理费管理办法, 2020)

export const FREE_PER_MONTH = 10;

/**
 * The processing fee, in yuan, of an applicant's nth application in a calendar month when charged by
 * application (按件计收): the first 10 are free, the 11th–30th cost 100 yuan each, and from the 31st each
 * further block of 10 costs 100 yuan more per application (31st–40th 200, 41st–50th 300, …).
 */
export function feeForNthApplication(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`application number must be a positive integer, got ${n}`);
  if (n <= FREE_PER_MONTH) return 0;
  if (n <= 30) return 100;
  return 100 + 100 * Math.ceil((n - 30) / 10);
}

/** The fees of applications number `from` to `to` of a month, one line per tier, and their total. */
export function feeTiers(
  from: number,
  to: number,
): { total: number; lines: { from: number; to: number; each: number }[] } {
  const lines: { from: number; to: number; each: number }[] = [];
  let total = 0;
  for (let n = from; n <= to; n++) {
    const each = feeForNthApplication(n);
    total += each;
    const last = lines[lines.length - 1];
    if (last && last.each === each) last.to = n;
    else lines.push({ from: n, to: n, each });
  }
  return { total, lines };
}
