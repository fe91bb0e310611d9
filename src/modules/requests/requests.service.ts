import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Calendar } from '../../platform/calendar/calendar.js';
import type { Deps } from '../../platform/context.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../../platform/errors.js';
import { ATTACHMENT_TYPES, storeFile } from '../../platform/files/files.service.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { maskAddress, maskIdNumber, maskName, maskPhone } from '../../platform/identity/identity.js';
import { type JobRunner, scheduleRecurring } from '../../platform/jobs/jobs.service.js';
import { enqueueMail } from '../../platform/mail/mail.service.js';
import { beijingDate } from '../../platform/time.js';
import { type Organization, orgTree } from '../organizations/organizations.service.js';
import { maskEmail } from '../subscriptions/subscriptions.service.js';
import { OUTCOME_FEE_UNPAID, outcomeOf } from './outcomes.js';
import {
  CHANNELS,
  type Channel,
  type ClockEvent,
  type ClockResult,
  computeClock,
  feeForNthApplication,
  type RequestEventKind,
  receiptDate,
} from './requests.clock.js';
import {
  currentKeyId,
  identityHmac,
  newQueryCode,
  personalCipher,
  queryCodeHash,
  queryCodeMatches,
} from './requests.privacy.js';
import * as repo from './requests.repository.js';
import {
  type ApplicationInput,
  answerInput,
  applicationInput,
  assignInput,
  clarifyInput,
  consultInput,
  dateNoteInput,
  decideInput,
  deliverInput,
  extendInput,
  feeInput,
  type RequestStatus,
  registerInput,
  reviewInput,
  transferInput,
} from './requests.schema.js';

// Information requests: submission (online or registered by the office), the applicant's status page, and the
// disclosure office's actions. Every staff write runs in one transaction with its audit event; every write
// recomputes the request's clock from its event log (requests.clock.ts) and stores the resulting status and
// due date for the queues. Personal fields are encrypted before they reach the database and decrypted only
// for the applicant's own mails and for the audited full view.

type K = Kysely<Database>;
export type Upload = { bytes: Uint8Array; filename: string };

/** Per identity (keyed HMAC of the ID number): submissions per day before the form refuses more. */
export const IDENTITY_DAILY_LIMIT = 10;
/** Art. 35 flag: this many requests from one identity within 30 days, or 3 with near-identical wording. */
export const EXCESSIVE_MONTHLY = 10;
export const SIMILAR_COUNT = 3;
const MAX_FILES = 10;
const dayMs = 86_400_000;

export interface SubmitContext {
  channel: Channel;
  /** Art. 31 dates for requests the office registers. */
  receivedOn?: string;
  actor?: Actor;
  principal?: Principal | null;
  files?: Upload[];
  /** Input already checked with applicationInput (the API router parses the body first). */
  parsed?: ApplicationInput;
  /** The one-time id of the office's registration form: a second post of it registers nothing. */
  submissionId?: string;
}

/** The registration form was posted before (a reload, a double click): the request it registered. */
export class AlreadyRegisteredError extends Error {
  constructor(
    readonly id: number,
    readonly trackingNumber: string,
  ) {
    super(`this form already registered request ${trackingNumber}`);
  }
}

async function alreadyRegistered(db: K, submissionId: string | undefined): Promise<AlreadyRegisteredError | null> {
  const seen = submissionId ? await repo.findBySubmission(db, submissionId) : undefined;
  return seen ? new AlreadyRegisteredError(seen.id, seen.tracking_number) : null;
}

export interface Submitted {
  id: number;
  trackingNumber: string;
  /** Shown once to the applicant; only its HMAC is stored. */
  queryCode: string;
  organization: Organization;
  receivedOn: string;
  dueOn: string | null;
}

async function targetOrganization(deps: Pick<Deps, 'db'>, ref: string | undefined): Promise<Organization> {
  const tree = await orgTree(deps);
  if (ref) {
    const o = /^\d+$/.test(ref) ? tree.byId.get(Number(ref)) : tree.bySlug.get(ref);
    if (!o?.active) throw new ValidationError({ organization: '没有找到该机关，请从列表中选择受理机关。' });
    return o;
  }
  // The district's disclosure office answers requests that name no agency: the root organization.
  const root = tree.all.find((o) => o.parentId === null && o.active);
  if (!root) throw new ValidationError({ organization: '本平台尚未设置受理机关。' });
  return root;
}

/** Near-identical wording: share of character bigrams in common (Jaccard). */
export function similarity(a: string, b: string): number {
  const grams = (s: string) => {
    const t = s.replace(/\s+/g, '');
    const out = new Set<string>();
    for (let i = 0; i + 1 < t.length; i++) out.add(t.slice(i, i + 2));
    return out;
  };
  const x = grams(a);
  const y = grams(b);
  if (x.size === 0 || y.size === 0) return 0;
  let common = 0;
  for (const g of x) if (y.has(g)) common++;
  return common / (x.size + y.size - common);
}

/**
 * Records an application (online, or registered by the office with its Art. 31 receipt date), stores its
 * attachments, encrypts the personal fields and returns the tracking number and the query code (shown once).
 * Refuses with RateLimitedError past the per-identity daily limit; flags Art. 35 patterns for the office.
 */
export async function submitApplication(deps: Deps, raw: unknown, ctx: SubmitContext): Promise<Submitted> {
  const input = ctx.parsed ?? parseOrThrow(applicationInput, raw);
  const now = deps.clock();
  const org = await targetOrganization(deps, input.organization);
  if (ctx.principal !== undefined) {
    const tree = await orgTree(deps);
    if (!can(ctx.principal, 'request.manage', tree.chain(org.id))) throw new ForbiddenError('您无权为该机关登记申请。');
  }
  let receivedOn = beijingDate(now);
  let rule = '通过互联网渠道提交的，以双方确认之日为收到申请之日；本平台在提交成功时即确认收到。';
  if (ctx.channel !== 'online') {
    const d = parseOrThrow(registerInput, { channel: ctx.channel, receivedOn: ctx.receivedOn });
    const r = receiptDate(ctx.channel, { handedOn: d.receivedOn, signedOn: d.receivedOn, confirmedOn: d.receivedOn });
    if ('missing' in r) throw new ValidationError({ receivedOn: '请填写收到申请日期。' });
    if (r.date > receivedOn) throw new ValidationError({ receivedOn: '收到申请日期不能晚于今天。' });
    receivedOn = r.date;
    rule = r.rule;
  }
  const idHmac = identityHmac(deps.config.secretKey, input.idType, input.idNumber);
  const since24h = new Date(now.getTime() - dayMs).toISOString();
  if (
    ctx.channel === 'online' &&
    (await repo.countByIdentitySince(deps.db.kysely, idHmac, since24h)) >= IDENTITY_DAILY_LIMIT
  )
    throw new RateLimitedError(3600, '同一申请人 24 小时内提交的申请过多，请明天再试，或联系政府信息公开工作机构。');

  const stored = await storeUploads(deps, ctx.files ?? [], now);

  const cipher = personalCipher(deps.config);
  const enc = (v: string) => (v ? cipher.encrypt(v) : null);
  const queryCode = newQueryCode();
  const ts = now.toISOString();
  const year = Number(receivedOn.slice(0, 4));
  const monthStart = new Date(
    Date.UTC(Number(receivedOn.slice(0, 4)), Number(receivedOn.slice(5, 7)) - 1, 1) - 8 * 3600_000,
  ).toISOString();
  const actor = ctx.actor ?? { userId: null, name: '申请人', ip: '' };

  const result = await deps.db.kysely.transaction().execute(async (trx) => {
    const seq = await repo.nextTrackingSequence(trx, year);
    const trackingNumber = `${year}-${String(seq).padStart(6, '0')}`;
    const id = await repo.insertRequest(trx, {
      tracking_number: trackingNumber,
      query_code_hash: queryCodeHash(deps.config.secretKey, trackingNumber, queryCode),
      organization_id: org.id,
      applicant_type: input.applicantType,
      organization_kind: input.organizationKind,
      name_enc: cipher.encrypt(input.name),
      id_type: input.idType,
      id_number_enc: enc(input.idNumber),
      id_masked: maskIdNumber(input.idNumber),
      identity_hmac: idHmac,
      legal_representative_enc: enc(input.legalRepresentative),
      phone_enc: cipher.encrypt(input.phone),
      email_enc: enc(input.email),
      address_enc: enc(input.address),
      key_id: currentKeyId(cipher),
      description: input.description,
      purpose: input.purpose,
      form: input.form,
      delivery: input.delivery,
      channel: ctx.channel,
      submitted_at: ts,
      received_on: receivedOn,
      status: 'new',
      assigned_to: null,
      due_on: null,
      outcome_code: null,
      outcome_date: null,
      outcome_note: '',
      delivered_via: null,
      delivered_at: null,
      publish_consent: input.publishConsent ? 1 : 0,
      excessive_flag: 0,
      submission_id: ctx.submissionId ?? null,
      created_at: ts,
      updated_at: ts,
    });
    // The nth application of this identity this month decides the fee tier if the office charges by application.
    const nth = await repo.countByIdentitySince(trx, idHmac, monthStart);
    const fee = feeForNthApplication(Math.max(1, nth));
    const eventId = await addEvent(trx, id, 'received', receivedOn, actor, ts, {
      public_note: `${CHANNELS[ctx.channel]}。${rule}`,
      internal_note: `该申请人本月第 ${nth} 件申请${fee > 0 ? `；如按件计收信息处理费，标准为每件 ${fee} 元（《政府信息公开信息处理费管理办法》）` : '（本月前 10 件不收费）'}。`,
    });
    for (const s of stored)
      await repo.insertFile(trx, {
        request_id: id,
        event_id: eventId,
        role: 'application',
        file_sha256: s.sha256,
        filename: s.name,
        uploaded_by: ctx.actor?.userId ?? null,
        created_at: ts,
      });
    await flagExcessive(trx, id, idHmac, input.description, now, deps.calendar);
    const { clock } = await refresh(trx, deps.calendar, id, now);
    if (ctx.actor) {
      await recordAudit(
        trx,
        deps.db.engine,
        ctx.actor,
        {
          action: 'request.register',
          entityType: 'request',
          entityId: id,
          organizationId: org.id,
          summary: `登记依申请公开申请 ${trackingNumber}（${CHANNELS[ctx.channel]}，收到日期 ${receivedOn}）`,
        },
        now,
      );
    }
    if (input.email) {
      await enqueueMail(
        trx,
        {
          to: input.email,
          subject: `【${org.name}】已收到您的政府信息公开申请 ${trackingNumber}`,
          text: [
            '您好：',
            '',
            `${org.name}已于 ${receivedOn} 收到您的政府信息公开申请，受理编号 ${trackingNumber}。`,
            clock.dueOn
              ? `按《政府信息公开条例》第三十三条，答复期限为 ${clock.dueOn}（自收到申请次日起 20 个工作日）。`
              : '',
            '',
            `查询办理进度：${deps.config.publicBaseUrl}/requests/status （需要受理编号和提交时显示的查询码）`,
            '',
            `${deps.config.site.name} 政务公开`,
          ].join('\n'),
        },
        now,
      );
    }
    return { id, trackingNumber, dueOn: clock.dueOn };
  });
  return { ...result, queryCode, organization: org, receivedOn };
}

async function addEvent(
  trx: K,
  requestId: number,
  kind: RequestEventKind,
  onDate: string,
  actor: Actor,
  ts: string,
  extra: Partial<Parameters<typeof repo.insertEvent>[1]> = {},
): Promise<number> {
  return repo.insertEvent(trx, {
    request_id: requestId,
    kind,
    on_date: onDate,
    deadline: null,
    workdays: null,
    amount: null,
    approved_by: null,
    from_organization_id: null,
    to_organization_id: null,
    to_user_id: null,
    public_note: '',
    internal_note: '',
    actor_user_id: actor.userId,
    actor_name: actor.name,
    created_at: ts,
    ...extra,
  });
}

async function flagExcessive(trx: K, id: number, idHmac: string, description: string, now: Date, _cal: Calendar) {
  const since = new Date(now.getTime() - 30 * dayMs).toISOString();
  const others = await repo.descriptionsByIdentitySince(trx, idHmac, since, id);
  const similar = others.filter((o) => similarity(o.description, description) >= 0.6);
  const many = others.length + 1 >= EXCESSIVE_MONTHLY;
  if (!many && similar.length + 1 < SIMILAR_COUNT) return;
  await repo.updateRequest(trx, id, { excessive_flag: 1 });
  await addEvent(trx, id, 'flagged', beijingDate(now), { userId: null, name: 'system', ip: '' }, now.toISOString(), {
    internal_note: many
      ? `同一申请人 30 日内已提交 ${others.length + 1} 件申请，请依《政府信息公开条例》第三十五条审查是否属于数量、频次明显超过合理范围的申请。`
      : `同一申请人 30 日内提交了 ${similar.length + 1} 件内容相近的申请（${similar.map((s) => s.tracking_number).join('、')}），请依第三十五条审查。`,
  });
}

/** The clock of a request from its stored events. */
export function clockOf(
  cal: Calendar,
  row: { received_on: string },
  events: readonly repo.RequestEventRow[],
  today: string,
): ClockResult {
  const clockEvents: ClockEvent[] = events.map((e) => ({
    kind: e.kind,
    onDate: e.on_date,
    deadline: e.deadline,
    workdays: e.workdays,
    detail: e.kind === 'consultation_started' ? e.internal_note.split('|')[0] : null,
  }));
  return computeClock(cal, row.received_on, clockEvents, today);
}

function statusOf(
  row: { outcome_code: string | null; delivered_at: string | null; assigned_to: number | null },
  events: readonly repo.RequestEventRow[],
  clock: ClockResult,
): RequestStatus {
  if (events.some((e) => e.kind === 'withdrawn' || e.kind === 'closed')) return 'closed';
  if (row.outcome_code) return row.delivered_at ? 'closed' : 'decided';
  switch (clock.state) {
    case 'waiting_clarification':
    case 'paused_fee':
    case 'lapsed':
      return 'waiting_applicant';
    case 'paused_consultation':
      return 'paused';
    default:
      return row.assigned_to ? 'in_progress' : 'new';
  }
}

/** Recomputes the clock and stores the status and due date the queues read. */
async function refresh(trx: K, cal: Calendar, id: number, now: Date) {
  const row = await repo.findById(trx, id);
  if (!row) throw new NotFoundError('申请不存在。');
  const events = await repo.listEvents(trx, id);
  const clock = clockOf(cal, row, events, beijingDate(now));
  const status = statusOf(row, events, clock);
  await repo.updateRequest(trx, id, { status, due_on: clock.dueOn, updated_at: now.toISOString() });
  return { row: { ...row, status, due_on: clock.dueOn }, events, clock };
}

// ---------------------------------------------------------------------------------------------------------
// The applicant's side

export interface ApplicantView {
  row: repo.RequestRow;
  organization: Organization | undefined;
  events: repo.RequestEventRow[];
  files: Awaited<ReturnType<typeof repo.listFiles>>;
  clock: ClockResult;
  status: RequestStatus;
}

/** The request the tracking number and query code open, or null (the same null for either being wrong). */
export async function applicantView(deps: Deps, trackingNumber: string, code: string): Promise<ApplicantView | null> {
  const tn = trackingNumber.trim();
  const row = /^\d{4}-\d{6}$/.test(tn) ? await repo.findByTrackingNumber(deps.db.kysely, tn) : undefined;
  const ok = queryCodeMatches(deps.config.secretKey, tn, code, row?.query_code_hash ?? 'x'.repeat(43));
  if (!row || !ok) return null;
  return viewOf(deps, row);
}

/** The applicant's view of a request already identified (by a signed cookie after the code was checked). */
export async function applicantViewByNumber(deps: Deps, trackingNumber: string): Promise<ApplicantView | null> {
  const row = await repo.findByTrackingNumber(deps.db.kysely, trackingNumber);
  return row ? viewOf(deps, row) : null;
}

async function viewOf(deps: Deps, row: repo.RequestRow): Promise<ApplicantView> {
  await closeIfLapsed(deps, row.id);
  const fresh = (await repo.findById(deps.db.kysely, row.id)) ?? row;
  const [events, files, tree] = await Promise.all([
    repo.listEvents(deps.db.kysely, row.id),
    repo.listFiles(deps.db.kysely, row.id),
    orgTree(deps),
  ]);
  const clock = clockOf(deps.calendar, fresh, events, beijingDate(deps.clock()));
  return {
    row: fresh,
    organization: tree.byId.get(fresh.organization_id),
    events,
    files,
    clock,
    status: statusOf(fresh, events, clock),
  };
}

/** What the applicant is expected to do now, in Chinese, or null. */
export function expectedOfApplicant(v: ApplicantView): string | null {
  if (v.clock.state === 'waiting_clarification') {
    const ask = [...v.events].reverse().find((e) => e.kind === 'clarification_requested');
    return `请在 ${v.clock.clarification.deadline ?? '规定期限'} 前补正申请：${ask?.public_note ?? ''}`;
  }
  if (v.clock.state === 'paused_fee') {
    const fee = [...v.events].reverse().find((e) => e.kind === 'fee_notice');
    return `请在 ${fee?.deadline ?? '规定期限'} 前缴纳信息处理费 ${fee?.amount ?? ''} 元。${fee?.public_note ?? ''}`;
  }
  return null;
}

/** The applicant answers the clarification request; the clock restarts from today. */
export async function answerClarification(
  deps: Deps,
  trackingNumber: string,
  raw: unknown,
  files: Upload[],
): Promise<void> {
  const input = parseOrThrow(answerInput, raw);
  const row = await repo.findByTrackingNumber(deps.db.kysely, trackingNumber);
  if (!row) throw new NotFoundError();
  const now = deps.clock();
  const stored = await storeUploads(deps, files, now);
  await deps.db.kysely.transaction().execute(async (trx) => {
    const events = await repo.listEvents(trx, row.id);
    const clock = clockOf(deps.calendar, row, events, beijingDate(now));
    if (clock.state !== 'waiting_clarification') throw new ConflictError('该申请当前不需要补正。');
    const eventId = await addEvent(
      trx,
      row.id,
      'clarification_answered',
      beijingDate(now),
      { userId: null, name: '申请人', ip: '' },
      now.toISOString(),
      { public_note: input.answer },
    );
    for (const s of stored)
      await repo.insertFile(trx, {
        request_id: row.id,
        event_id: eventId,
        role: 'supplement',
        file_sha256: s.sha256,
        filename: s.name,
        uploaded_by: null,
        created_at: now.toISOString(),
      });
    await refresh(trx, deps.calendar, row.id, now);
  });
}

/** The applicant adds supplementary material (does not move the clock). */
export async function addSupplement(deps: Deps, trackingNumber: string, note: string, files: Upload[]): Promise<void> {
  const row = await repo.findByTrackingNumber(deps.db.kysely, trackingNumber);
  if (!row) throw new NotFoundError();
  if (!note.trim() && files.length === 0) throw new ValidationError({ note: '请填写说明或选择要上传的文件。' });
  if (note.length > 4000) throw new ValidationError({ note: '说明不能超过 4000 个字。' });
  const now = deps.clock();
  const stored = await storeUploads(deps, files, now);
  await deps.db.kysely.transaction().execute(async (trx) => {
    const eventId = await addEvent(
      trx,
      row.id,
      'supplement',
      beijingDate(now),
      { userId: null, name: '申请人', ip: '' },
      now.toISOString(),
      { public_note: note.trim() },
    );
    for (const s of stored)
      await repo.insertFile(trx, {
        request_id: row.id,
        event_id: eventId,
        role: 'supplement',
        file_sha256: s.sha256,
        filename: s.name,
        uploaded_by: null,
        created_at: now.toISOString(),
      });
    await repo.updateRequest(trx, row.id, { updated_at: now.toISOString() });
  });
}

async function storeUploads(deps: Deps, files: Upload[], now: Date) {
  if (files.length > MAX_FILES) throw new ValidationError({ attachments: `一次最多上传 ${MAX_FILES} 个附件。` });
  const out = [];
  for (const f of files) {
    const s = await storeFile(
      deps.db,
      deps.config.dataDir,
      f.bytes,
      f.filename,
      { allowed: ATTACHMENT_TYPES, maxBytes: deps.config.attachmentMaxBytes, field: 'attachments' },
      now,
    );
    out.push({ sha256: s.sha256, name: f.filename });
  }
  return out;
}

/** Closes a request whose applicant let a clarification or fee deadline pass (其他处理-1/-2). */
export async function closeIfLapsed(deps: Deps, id: number): Promise<boolean> {
  const now = deps.clock();
  return deps.db.kysely.transaction().execute(async (trx) => {
    const row = await repo.findById(trx, id);
    if (!row || row.outcome_code) return false;
    const events = await repo.listEvents(trx, id);
    const clock = clockOf(deps.calendar, row, events, beijingDate(now));
    if (!clock.lapse) return false;
    const outcome = outcomeOf(clock.lapse.outcome);
    const on = beijingDate(now);
    await addEvent(trx, id, 'decided', on, { userId: null, name: 'system', ip: '' }, now.toISOString(), {
      public_note:
        clock.lapse.outcome === OUTCOME_FEE_UNPAID
          ? `申请人未在 ${clock.lapse.deadline} 前缴纳费用，不再处理该申请。`
          : `申请人未在 ${clock.lapse.deadline} 前补正，视为放弃申请，不再处理。`,
    });
    await repo.updateRequest(trx, id, {
      outcome_code: clock.lapse.outcome,
      outcome_date: on,
      outcome_note: outcome?.label ?? '',
    });
    await refresh(trx, deps.calendar, id, now);
    await recordAudit(
      trx,
      deps.db.engine,
      { userId: null, name: 'system', ip: '' },
      {
        action: 'request.lapse',
        entityType: 'request',
        entityId: id,
        organizationId: row.organization_id,
        summary: `申请 ${row.tracking_number} 因申请人逾期未办理按“${outcome?.short ?? ''}”办结`,
      },
      now,
    );
    return true;
  });
}

export const LAPSE_JOB = 'requests.close_lapsed';

/** The hourly job closing requests whose applicant let a clarification or fee deadline pass. */
export async function registerRequestJobs(runner: JobRunner, deps: Deps): Promise<void> {
  runner.register(LAPSE_JOB, async (_p, ctx) => {
    const n = await closeLapsedRequests(deps);
    if (n > 0) ctx.logger.info({ closed: n }, 'lapsed information requests closed');
  });
  await scheduleRecurring(deps.db, LAPSE_JOB, LAPSE_JOB, 3600, deps.clock());
}

/** Closes every request whose applicant's deadline has passed; for the hourly job. */
export async function closeLapsedRequests(deps: Deps): Promise<number> {
  let n = 0;
  for (const r of await repo.listWaitingApplicant(deps.db.kysely)) if (await closeIfLapsed(deps, r.id)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// The disclosure office

export interface StaffRequest {
  row: repo.RequestRow;
  organization: Organization | undefined;
  events: repo.RequestEventRow[];
  files: Awaited<ReturnType<typeof repo.listFiles>>;
  reviews: Awaited<ReturnType<typeof repo.listReviews>>;
  clock: ClockResult;
  masked: {
    name: string;
    idNumber: string;
    phone: string;
    email: string;
    address: string;
    legalRepresentative: string;
  };
  assignedName: string | null;
  canSeePersonal: boolean;
}

async function loadChecked(
  deps: Deps,
  principal: Principal | null,
  id: number,
  perm: 'request.view' | 'request.manage' | 'request.extend',
) {
  const row = await repo.findById(deps.db.kysely, id);
  if (!row) throw new NotFoundError('申请不存在。');
  const tree = await orgTree(deps);
  if (!can(principal, perm, tree.chain(row.organization_id))) throw new ForbiddenError('您无权处理该机关的申请。');
  return { row, tree };
}

/** Whether the principal may see this request's full personal data: its assigned officer, or an administrator. */
export function maySeePersonal(
  principal: Principal | null,
  row: { assigned_to: number | null; organization_id: number },
  chain: readonly number[],
): boolean {
  if (!principal || !can(principal, 'request.view_personal', chain)) return false;
  if (row.assigned_to === principal.userId) return true;
  return principal.grants.some(
    (g) => (g.role === 'org_admin' && chain.includes(g.organizationId)) || g.role === 'system_admin',
  );
}

/** A request for the console, personal fields masked. */
export async function staffRequest(deps: Deps, principal: Principal | null, id: number): Promise<StaffRequest> {
  await closeIfLapsed(deps, id);
  const { row, tree } = await loadChecked(deps, principal, id, 'request.view');
  const k = deps.db.kysely;
  const [events, files, reviews] = await Promise.all([
    repo.listEvents(k, id),
    repo.listFiles(k, id),
    repo.listReviews(k, id),
  ]);
  const cipher = personalCipher(deps.config);
  const dec = (v: string | null) => (v ? cipher.decrypt(v) : '');
  const assigned = row.assigned_to ? await repo.userName(k, row.assigned_to) : undefined;
  return {
    row,
    organization: tree.byId.get(row.organization_id),
    events,
    files,
    reviews,
    clock: clockOf(deps.calendar, row, events, beijingDate(deps.clock())),
    masked: {
      name: row.applicant_type === 'legal_person' ? dec(row.name_enc) : maskName(dec(row.name_enc)),
      idNumber: row.id_masked,
      phone: maskPhone(dec(row.phone_enc)),
      email: row.email_enc ? maskEmail(dec(row.email_enc)) : '',
      address: row.address_enc ? maskAddress(dec(row.address_enc)) : '',
      legalRepresentative: row.legal_representative_enc ? maskName(dec(row.legal_representative_enc)) : '',
    },
    assignedName: assigned?.display_name ?? null,
    canSeePersonal: maySeePersonal(principal, row, tree.chain(row.organization_id)),
  };
}

export interface PersonalData {
  name: string;
  idType: string;
  idNumber: string;
  legalRepresentative: string;
  phone: string;
  email: string;
  address: string;
}

/** The full personal data, for the assigned officer and administrators only; the view is audited in the same transaction. */
export async function viewPersonal(
  deps: Deps,
  principal: Principal | null,
  actor: Actor,
  id: number,
): Promise<PersonalData> {
  const { row, tree } = await loadChecked(deps, principal, id, 'request.view');
  if (!maySeePersonal(principal, row, tree.chain(row.organization_id)))
    throw new ForbiddenError('只有该申请的承办人和管理员可以查看完整的申请人信息。');
  const cipher = personalCipher(deps.config);
  const dec = (v: string | null) => (v ? cipher.decrypt(v) : '');
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'request.personal_view',
        entityType: 'request',
        entityId: id,
        organizationId: row.organization_id,
        summary: `查看申请 ${row.tracking_number} 的完整申请人信息`,
      },
      now,
    );
  });
  return {
    name: dec(row.name_enc),
    idType: row.id_type,
    idNumber: dec(row.id_number_enc),
    legalRepresentative: dec(row.legal_representative_enc),
    phone: dec(row.phone_enc),
    email: dec(row.email_enc),
    address: dec(row.address_enc),
  };
}

export type StaffAction =
  | 'assign'
  | 'transfer'
  | 'clarify'
  | 'consult_start'
  | 'consult_end'
  | 'extend'
  | 'fee_notice'
  | 'fee_paid'
  | 'decide'
  | 'deliver'
  | 'review'
  | 'note';

export const ACTION_LABELS: Record<StaffAction, string> = {
  assign: '分派承办人',
  transfer: '转送其他机关',
  clarify: '要求补正',
  consult_start: '开始征求意见',
  consult_end: '结束征求意见',
  extend: '延长答复期限',
  fee_notice: '发出收费通知',
  fee_paid: '登记已缴费',
  decide: '作出答复',
  deliver: '登记送达',
  review: '登记行政复议或诉讼',
  note: '添加备注',
};

/**
 * Applies one action of the disclosure office to a request: checks the permission for the request's
 * organization and the clock's state, appends the event, recomputes the clock, notifies the applicant
 * by mail where the law asks for a notice, and audits — all in one transaction.
 */
export async function act(
  deps: Deps,
  principal: Principal | null,
  actor: Actor,
  id: number,
  action: StaffAction,
  raw: Record<string, string>,
  files: Upload[] = [],
): Promise<string> {
  const perm = action === 'extend' ? 'request.extend' : 'request.manage';
  const { row, tree } = await loadChecked(deps, principal, id, perm);
  const now = deps.clock();
  const today = beijingDate(now);
  const ts = now.toISOString();
  const stored = action === 'decide' ? await storeUploads(deps, files, now) : [];
  const cipher = personalCipher(deps.config);
  const applicantEmail = row.email_enc ? cipher.decrypt(row.email_enc) : '';
  const org = tree.byId.get(row.organization_id);

  return deps.db.kysely.transaction().execute(async (trx) => {
    const events = await repo.listEvents(trx, id);
    const clock = clockOf(deps.calendar, row, events, today);
    const decided = !!row.outcome_code;
    const needsOpen = () => {
      if (decided) throw new ConflictError('该申请已作出答复。');
    };
    let summary = '';
    const notify = async (subject: string, lines: string[]) => {
      if (!applicantEmail) return;
      await enqueueMail(
        trx,
        {
          to: applicantEmail,
          subject: `【${org?.name ?? ''}】${subject}（${row.tracking_number}）`,
          text: [
            '您好：',
            '',
            ...lines,
            '',
            `查询办理进度：${deps.config.publicBaseUrl}/requests/status`,
            '',
            `${deps.config.site.name} 政务公开`,
          ].join('\n'),
        },
        now,
      );
    };
    switch (action) {
      case 'assign': {
        const input = parseOrThrow(assignInput, raw);
        const chain = tree.chain(row.organization_id);
        const grants = await repo.grantsOf(trx, input.userId);
        const user = await repo.userName(trx, input.userId);
        if (
          !user?.active ||
          !grants.some(
            (g) => (g.role === 'disclosure_officer' || g.role === 'org_admin') && chain.includes(g.organization_id),
          )
        )
          throw new ValidationError({ userId: '请选择本机关的政务公开专员或管理员。' });
        await repo.updateRequest(trx, id, { assigned_to: input.userId });
        await addEvent(trx, id, 'assigned', today, actor, ts, { to_user_id: input.userId });
        summary = `将申请 ${row.tracking_number} 分派给 ${user.display_name}`;
        break;
      }
      case 'transfer': {
        needsOpen();
        const input = parseOrThrow(transferInput, raw);
        const to = tree.byId.get(input.organizationId);
        if (!to?.active || to.id === row.organization_id)
          throw new ValidationError({ organizationId: '请选择另一个机关。' });
        // The receiving organization's clock starts afresh from the transfer (requests.clock.ts); a paused
        // clock (clarification, consultation, fee) is settled by the organization that paused it first.
        if (clock.state !== 'running')
          throw new ConflictError(
            '申请正在等待补正、征求意见或缴费，暂停计时期间不能转送。请先结束暂停（收到补正、结束征求意见或登记缴费），再转送。',
          );
        await repo.updateRequest(trx, id, { organization_id: to.id, assigned_to: null });
        await addEvent(trx, id, 'transferred', today, actor, ts, {
          from_organization_id: row.organization_id,
          to_organization_id: to.id,
          public_note: input.publicNote,
        });
        const after = clockOf(deps.calendar, row, await repo.listEvents(trx, id), today);
        await notify('您的政府信息公开申请已转送', [
          `您的申请（受理编号 ${row.tracking_number}）已由${org?.name ?? ''}转送${to.name}办理。${to.name}以 ${today} 为收到申请之日${after.dueOn ? `，答复期限为 ${after.dueOn}（自次日起 20 个工作日）` : ''}。`,
          input.publicNote,
        ]);
        summary = `将申请 ${row.tracking_number} 转送${to.name}`;
        break;
      }
      case 'clarify': {
        needsOpen();
        const input = parseOrThrow(clarifyInput, raw);
        if (!clock.clarification.canAsk) throw new ConflictError('补正只能要求一次，且须在办理中提出。');
        if (input.deadline <= today) throw new ValidationError({ deadline: '补正期限应晚于今天。' });
        await addEvent(trx, id, 'clarification_requested', today, actor, ts, {
          deadline: input.deadline,
          public_note: input.publicNote,
        });
        await notify('请补正您的政府信息公开申请', [
          `您的申请（受理编号 ${row.tracking_number}）需要补正：`,
          input.publicNote,
          '',
          `请在 ${input.deadline} 前通过查询页面提交补正。逾期无正当理由不补正的，视为放弃申请。`,
        ]);
        summary = `要求申请 ${row.tracking_number} 补正，期限 ${input.deadline}${clock.clarification.late ? '' : today > clock.clarification.by ? '（已超过 7 个工作日）' : ''}`;
        break;
      }
      case 'consult_start': {
        needsOpen();
        const input = parseOrThrow(consultInput, raw);
        await addEvent(trx, id, 'consultation_started', input.onDate, actor, ts, {
          workdays: 15,
          internal_note: `${input.detail}|${input.internalNote}`,
        });
        summary = `申请 ${row.tracking_number} 开始征求${input.detail === 'agencies' ? '其他机关' : '第三方'}意见`;
        break;
      }
      case 'consult_end': {
        needsOpen();
        const input = parseOrThrow(dateNoteInput, raw);
        if (clock.state !== 'paused_consultation' && !events.some((e) => e.kind === 'consultation_started'))
          throw new ConflictError('该申请没有进行中的征求意见。');
        await addEvent(trx, id, 'consultation_ended', input.onDate, actor, ts, { internal_note: input.internalNote });
        summary = `申请 ${row.tracking_number} 征求意见结束`;
        break;
      }
      case 'extend': {
        needsOpen();
        const input = parseOrThrow(extendInput, raw);
        if (clock.extension) throw new ConflictError('答复期限只能延长一次。');
        await addEvent(trx, id, 'extension', today, actor, ts, {
          workdays: input.workdays,
          approved_by: actor.userId,
          public_note: input.publicNote,
        });
        const after = clockOf(deps.calendar, row, await repo.listEvents(trx, id), today);
        await notify('延长答复期限告知', [
          `经政府信息公开工作机构负责人同意，您的申请（受理编号 ${row.tracking_number}）答复期限延长 ${input.workdays} 个工作日${after.dueOn ? `，延长后的答复期限为 ${after.dueOn}` : ''}。`,
          `理由：${input.publicNote}`,
        ]);
        summary = `延长申请 ${row.tracking_number} 的答复期限 ${input.workdays} 个工作日`;
        break;
      }
      case 'fee_notice': {
        needsOpen();
        const input = parseOrThrow(feeInput, raw);
        if (clock.state === 'paused_fee') throw new ConflictError('已有尚未缴纳的收费通知。');
        if (input.deadline <= today) throw new ValidationError({ deadline: '缴费期限应晚于今天。' });
        await addEvent(trx, id, 'fee_notice', today, actor, ts, {
          amount: input.amount,
          deadline: input.deadline,
          public_note: input.publicNote,
        });
        await notify('信息处理费缴费通知', [
          `您的申请（受理编号 ${row.tracking_number}）需缴纳信息处理费 ${input.amount} 元，请在 ${input.deadline} 前缴纳。逾期未缴纳的，不再处理该申请。`,
          input.publicNote,
        ]);
        summary = `向申请 ${row.tracking_number} 发出收费通知 ${input.amount} 元`;
        break;
      }
      case 'fee_paid': {
        needsOpen();
        const input = parseOrThrow(dateNoteInput, raw);
        if (clock.state !== 'paused_fee') throw new ConflictError('该申请没有待缴的费用。');
        await addEvent(trx, id, 'fee_paid', input.onDate, actor, ts, { internal_note: input.internalNote });
        summary = `登记申请 ${row.tracking_number} 已缴费`;
        break;
      }
      case 'decide': {
        needsOpen();
        const input = parseOrThrow(decideInput, raw);
        if (input.onDate > today) throw new ValidationError({ onDate: '答复日期不能晚于今天。' });
        if (clock.openConsultations > 0)
          throw new ConflictError(
            `该申请尚有 ${clock.openConsultations} 项征求意见（第三方或其他机关）未结束，不能作出答复。请先登记“结束征求意见”，再作出答复。`,
          );
        const outcome = outcomeOf(input.outcome);
        const eventId = await addEvent(trx, id, 'decided', input.onDate, actor, ts, { public_note: input.publicNote });
        for (const s of stored)
          await repo.insertFile(trx, {
            request_id: id,
            event_id: eventId,
            role: 'released',
            file_sha256: s.sha256,
            filename: s.name,
            uploaded_by: actor.userId,
            created_at: ts,
          });
        await repo.updateRequest(trx, id, {
          outcome_code: input.outcome,
          outcome_date: input.onDate,
          outcome_note: input.publicNote,
        });
        await notify('政府信息公开申请答复', [
          `您的申请（受理编号 ${row.tracking_number}）已于 ${input.onDate} 作出答复：${outcome?.short ?? ''}。`,
          input.publicNote,
        ]);
        summary = `对申请 ${row.tracking_number} 作出答复：${outcome?.short ?? input.outcome}`;
        break;
      }
      case 'deliver': {
        const input = parseOrThrow(deliverInput, raw);
        if (!decided) throw new ConflictError('请先作出答复，再登记送达。');
        await repo.updateRequest(trx, id, { delivered_via: input.via, delivered_at: input.onDate });
        await addEvent(trx, id, 'delivered', input.onDate, actor, ts, { internal_note: input.via });
        summary = `登记申请 ${row.tracking_number} 的答复已送达`;
        break;
      }
      case 'review': {
        const input = parseOrThrow(reviewInput, raw);
        await repo.insertReview(trx, {
          request_id: id,
          kind: input.kind,
          filed_on: input.filedOn,
          result: input.result,
          concluded_on: input.concludedOn,
          note: input.note,
          created_by: actor.userId,
          created_at: ts,
          updated_at: ts,
        });
        await addEvent(trx, id, 'note', today, actor, ts, {
          internal_note: `登记${input.kind === 'review' ? '行政复议' : '行政诉讼'}（${input.filedOn}）`,
        });
        summary = `登记申请 ${row.tracking_number} 的${input.kind === 'review' ? '行政复议' : '行政诉讼'}`;
        break;
      }
      case 'note': {
        const note = (raw.internalNote ?? '').trim();
        if (!note) throw new ValidationError({ internalNote: '请填写备注。' });
        if (note.length > 2000) throw new ValidationError({ internalNote: '备注不能超过 2000 个字。' });
        await addEvent(trx, id, 'note', today, actor, ts, { internal_note: note });
        summary = `为申请 ${row.tracking_number} 添加备注`;
        break;
      }
    }
    await refresh(trx, deps.calendar, id, now);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: `request.${action}`,
        entityType: 'request',
        entityId: id,
        organizationId: row.organization_id,
        summary,
      },
      now,
    );
    return summary;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Queues

export const QUEUES = {
  new: '新收',
  in_progress: '办理中',
  waiting_applicant: '等待申请人',
  paused: '暂停计时',
  due_soon: '3 个工作日内到期',
  overdue: '已超期',
  done: '已答复、已办结',
} as const;
export type QueueName = keyof typeof QUEUES;

export type QueueRow = Awaited<ReturnType<typeof repo.listForQueues>>[number] & { workdaysLeft: number | null };

/** The console's queues for the organizations the principal may see, optionally one officer's. */
export async function queues(
  deps: Deps,
  principal: Principal | null,
  opts: { officer?: number; organizationId?: number },
) {
  const tree = await orgTree(deps);
  let orgs = tree.all.filter((o) => can(principal, 'request.view', tree.chain(o.id)));
  if (opts.organizationId) orgs = orgs.filter((o) => o.id === opts.organizationId);
  await closeLapsedRequests(deps);
  const today = beijingDate(deps.clock());
  const ids = orgs.map((o) => o.id);
  const [open, done] = await Promise.all([
    repo.listForQueues(deps.db.kysely, { organizationIds: ids, assignedTo: opts.officer, open: true }),
    repo.listForQueues(deps.db.kysely, { organizationIds: ids, assignedTo: opts.officer, open: false }),
  ]);
  const withLeft = (r: (typeof open)[number]): QueueRow => ({
    ...r,
    workdaysLeft: r.due_on ? deps.calendar.countWorkdays(today, r.due_on) : null,
  });
  const rows = open.map(withLeft);
  const out: Record<QueueName, QueueRow[]> = {
    new: rows.filter((r) => r.status === 'new'),
    in_progress: rows.filter((r) => r.status === 'in_progress'),
    waiting_applicant: rows.filter((r) => r.status === 'waiting_applicant'),
    paused: rows.filter((r) => r.status === 'paused'),
    due_soon: rows.filter(
      (r) =>
        r.workdaysLeft !== null &&
        r.workdaysLeft >= 0 &&
        r.workdaysLeft <= 3 &&
        (r.status === 'new' || r.status === 'in_progress'),
    ),
    overdue: rows.filter(
      (r) => r.due_on !== null && r.due_on < today && (r.status === 'new' || r.status === 'in_progress'),
    ),
    done: done.map(withLeft),
  };
  return { queues: out, organizations: orgs };
}

export function officers(deps: Deps, organizationIds: number[]) {
  return repo.officersOf(deps.db.kysely, organizationIds);
}

/**
 * Registers an application the office received (Art. 31 receipt date by channel). `submissionId` is the
 * form's one-time id: throws AlreadyRegisteredError, registering nothing, when that form was posted before.
 */
export async function registerFromOffice(
  deps: Deps,
  principal: Principal | null,
  actor: Actor,
  raw: Record<string, string>,
  files: Upload[],
  submissionId?: string,
) {
  const seen = await alreadyRegistered(deps.db.kysely, submissionId);
  if (seen) throw seen;
  const channel = raw.channel as Channel;
  if (!(channel in CHANNELS) || channel === 'online')
    throw new ValidationError({ channel: '请选择收到申请的渠道（当面、邮寄、传真或电子邮件）。' });
  try {
    return await submitApplication(deps, raw, {
      channel,
      receivedOn: raw.receivedOn,
      actor,
      principal,
      files,
      submissionId,
    });
  } catch (err) {
    // The same form posted twice at once: the unique submission id let one of them in.
    if (isUniqueViolation(err)) throw (await alreadyRegistered(deps.db.kysely, submissionId)) ?? err;
    throw err;
  }
}

/**
 * Re-encrypts the personal fields of every request still on an older key with the current key (the first
 * of DATA_ENCRYPTION_KEYS), a batch per transaction; returns how many requests were rewritten. The old key
 * must stay configured until this has run.
 */
export async function rotatePersonalKeys(deps: Deps, batch = 200): Promise<number> {
  const cipher = personalCipher(deps.config);
  const current = currentKeyId(cipher);
  let total = 0;
  for (;;) {
    const rows = await repo.listOnOtherKey(deps.db.kysely, current, batch);
    if (rows.length === 0) return total;
    await deps.db.kysely.transaction().execute(async (trx) => {
      const re = (v: string | null) => (v ? cipher.encrypt(cipher.decrypt(v)) : null);
      for (const r of rows)
        await repo.updateRequest(trx, r.id, {
          name_enc: cipher.encrypt(cipher.decrypt(r.name_enc)),
          id_number_enc: re(r.id_number_enc),
          legal_representative_enc: re(r.legal_representative_enc),
          phone_enc: cipher.encrypt(cipher.decrypt(r.phone_enc)),
          email_enc: re(r.email_enc),
          address_enc: re(r.address_enc),
          key_id: current,
        });
    });
    total += rows.length;
  }
}

export type { ApplicationInput };
