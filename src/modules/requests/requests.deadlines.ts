import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../platform/audit/audit.service.js';
import { recordAudit } from '../../platform/audit/audit.service.js';
import type { Calendar } from '../../platform/calendar/calendar.js';
import type { Deps } from '../../platform/context.js';
import { renderIcal } from '../../platform/ical/ical.js';
import type { JobRunner } from '../../platform/jobs/jobs.service.js';
import { scheduleRecurring } from '../../platform/jobs/jobs.service.js';
import { enqueueMail } from '../../platform/mail/mail.service.js';
import { beijingDate } from '../../platform/time.js';
import { orgTree } from '../organizations/organizations.service.js';
import * as repo from './requests-deadlines.repository.js';

// What falls due: the daily e-mail digest to each officer, and each officer's secret iCalendar feed of the
// deadlines of the requests assigned to them. Neither carries personal data: tracking numbers, organizations,
// statuses and dates only.

/** Requests due within this many working days (or overdue) go into the digest. */
export const DIGEST_WINDOW_WORKDAYS = 3;
/** The digest goes out from this Beijing hour on (the hourly job sends it once a day). */
export const DIGEST_HOUR = 8;

const STATUS_LABELS: Record<string, string> = {
  new: '新收',
  in_progress: '办理中',
  waiting_applicant: '等待申请人',
  paused: '暂停计时',
};

export interface DueItem extends repo.DeadlineRow {
  /** Working days from today to the due date; negative when overdue. */
  workdaysLeft: number;
}

function describeLeft(n: number): string {
  if (n < 0) return `已超期 ${-n} 个工作日`;
  if (n === 0) return '今日到期';
  return `剩 ${n} 个工作日`;
}

/** The digest mail of one officer, or null when nothing of theirs falls due. */
export function digestMail(
  officer: { display_name: string },
  items: readonly DueItem[],
  today: string,
  baseUrl: string,
): { subject: string; text: string } | null {
  if (items.length === 0) return null;
  const overdue = items.filter((i) => i.workdaysLeft < 0).length;
  const lines = items.map(
    (i) =>
      `- ${i.tracking_number}（${i.organization_name}，${STATUS_LABELS[i.status] ?? i.status}${i.assigned_to === null ? '，未分配' : ''}）：截止 ${i.due_on}，${describeLeft(i.workdaysLeft)}\n  ${baseUrl}/console/requests/${i.id}`,
  );
  return {
    subject: `依申请公开到期提醒（${today}）：${items.length} 件${overdue ? `，其中 ${overdue} 件已超期` : ''}`,
    text: [
      `${officer.display_name}：`,
      '',
      `以下政府信息公开申请将在 ${DIGEST_WINDOW_WORKDAYS} 个工作日内到期或已经超期，请及时办理：`,
      '',
      ...lines,
      '',
      '本邮件由政务公开平台每个工作日自动发送，不含申请人个人信息。',
    ].join('\n'),
  };
}

/**
 * Queues today's digest for every active officer with something falling due — requests assigned to them, and
 * unassigned ones of organizations where they are the disclosure officer — at most once per officer and day.
 * Returns the number of mails queued. Does nothing on a day off.
 */
export async function sendDueDigests(
  deps: Pick<Deps, 'db' | 'config'>,
  calendar: Calendar,
  now: Date,
): Promise<number> {
  const today = beijingDate(now);
  if (!calendar.isWorkday(today)) return 0;
  const until = calendar.addWorkdays(today, DIGEST_WINDOW_WORKDAYS).due;
  const k = deps.db.kysely;
  const due = await repo.runningDueBy(k, until);
  if (due.length === 0) return 0;
  const tree = await orgTree(deps);
  const staff = await repo.activeStaffWithGrants(k);
  let queued = 0;
  for (const u of staff) {
    if (!u.email) continue;
    const officerOrgs = new Set(u.grants.filter((g) => g.role === 'disclosure_officer').map((g) => g.organization_id));
    const mine = due.filter(
      (r) =>
        r.assigned_to === u.id ||
        (r.assigned_to === null && tree.chain(r.organization_id).some((id) => officerOrgs.has(id))),
    );
    const items = mine.map((r) => ({ ...r, workdaysLeft: calendar.countWorkdays(today, r.due_on) }));
    const mail = digestMail(u, items, today, deps.config.publicBaseUrl);
    if (!mail) continue;
    const sent = await k.transaction().execute(async (trx) => {
      const claimed = await repo.claimDigest(trx, {
        user_id: u.id,
        on_date: today,
        request_count: items.length,
        created_at: now.toISOString(),
      });
      if (claimed) await enqueueMail(trx, { to: u.email, ...mail }, now);
      return claimed;
    });
    if (sent) queued++;
  }
  return queued;
}

export const DIGEST_JOB = 'requests.due_digest';

/** Registers the hourly job that sends the daily digest from DIGEST_HOUR (Beijing) on working days. */
export async function registerDueDigestJob(runner: JobRunner, deps: Deps): Promise<void> {
  runner.register(DIGEST_JOB, async (_payload, ctx) => {
    const hour = Number(new Date(ctx.now.getTime() + 8 * 3_600_000).toISOString().slice(11, 13));
    if (hour < DIGEST_HOUR) return;
    const n = await sendDueDigests(deps, deps.calendar, ctx.now);
    if (n > 0) ctx.logger.info({ mails: n }, 'due-request digests queued');
  });
  await scheduleRecurring(deps.db, DIGEST_JOB, DIGEST_JOB, 3600, deps.clock());
}

// ---- the iCalendar feed ----

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Creates (or replaces) the user's feed token; the token is returned once and only its hash is kept. */
export async function rotateFeedToken(
  deps: Pick<Deps, 'db'>,
  actor: Actor,
  userId: number,
  now: Date,
): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.revokeFeedTokens(trx, userId, now.toISOString());
    await repo.insertFeedToken(trx, userId, hashToken(token), now.toISOString());
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      { action: 'deadline_feed.create', entityType: 'user', entityId: userId, summary: '生成办理期限日历订阅地址' },
      now,
    );
  });
  return token;
}

/** Revokes the user's feed token: the old URL stops working at once. */
export async function revokeFeedToken(deps: Pick<Deps, 'db'>, actor: Actor, userId: number, now: Date): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.revokeFeedTokens(trx, userId, now.toISOString());
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      { action: 'deadline_feed.revoke', entityType: 'user', entityId: userId, summary: '撤销办理期限日历订阅地址' },
      now,
    );
  });
}

/** Whether the user has a feed, and since when. */
export async function feedStatus(deps: Pick<Deps, 'db'>, userId: number) {
  const t = await repo.activeFeedToken(deps.db.kysely, userId);
  return t ? { createdAt: t.created_at, lastUsedAt: t.last_used_at } : null;
}

/** The iCalendar feed for a token, or null when the token is unknown, revoked, or its user inactive. */
export async function deadlineFeed(
  deps: Pick<Deps, 'db' | 'config'>,
  token: string,
  now: Date,
): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return null;
  const k = deps.db.kysely;
  const user = await repo.feedTokenUser(k, hashToken(token));
  if (!user) return null;
  await repo.touchFeedToken(k, user.token_id, now.toISOString());
  const rows = await repo.openAssignedTo(k, user.user_id);
  const host = new URL(deps.config.publicBaseUrl).host;
  return renderIcal({
    prodId: '-//gongkai//requests deadlines//ZH',
    name: `依申请公开办理期限（${user.display_name}）`,
    now,
    events: rows.map((r) => ({
      uid: `request-${r.id}-due@${host}`,
      date: r.due_on,
      summary: `答复期限：${r.tracking_number}（${STATUS_LABELS[r.status] ?? r.status}）`,
      description: `${r.organization_name}\n受理编号：${r.tracking_number}\n状态：${STATUS_LABELS[r.status] ?? r.status}\n截止日期：${r.due_on}`,
      url: `${deps.config.publicBaseUrl}/console/requests/${r.id}`,
      categories: ['依申请公开'],
    })),
  });
}
