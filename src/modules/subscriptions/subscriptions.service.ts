import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import type { Deps } from '../../platform/context.js';
import { ValidationError } from '../../platform/errors.js';
import { type ItemEvent, onEvent } from '../../platform/events.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { setJobLabel } from '../../platform/jobs/jobs.routes.js';
import { enqueue, type JobContext, type JobRunner } from '../../platform/jobs/jobs.service.js';
import { enqueueMail, InvalidMailError } from '../../platform/mail/mail.service.js';
import { deriveKey, hmac, safeEqual } from '../../platform/security/crypto.js';
import { formatDateTime } from '../../platform/time.js';
import { directoryOf } from '../directory/directory.service.js';
import { type Organization, orgTree } from '../organizations/organizations.service.js';
import { WITHDRAWAL_REASONS, type WithdrawalReason } from '../publishing/publishing.schema.js';
import { itemHref } from '../publishing/views/public.js';
import * as repo from './subscriptions.repository.js';
import { type NotifyPayload, notifyPayload, type SubscriptionScope, subscribeInput } from './subscriptions.schema.js';

// Email subscriptions (邮件订阅) to an organization or a column, with double opt-in: nothing is sent but the
// confirmation until the address's owner opens the link in it. Confirmation tokens are stored only as
// SHA-256 hashes and work once; unsubscribe links carry an HMAC of the subscription instead, so every
// notification can carry one without storing anything.

/** Days a confirmation link stays valid. */
export const CONFIRM_DAYS = 7;
/** Recipients whose mails are queued per transaction by the notification job. */
const NOTIFY_BATCH = 100;
export const NOTIFY_JOB = 'subscriptions.notify';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

/** zh***@example.com: enough for the owner to recognise the address, not enough to read it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const local = email.slice(0, at);
  const keep = local.length > 2 ? 2 : 1;
  return `${local.slice(0, keep)}***${email.slice(at)}`;
}

const unsubscribeKey = (secret: string) => deriveKey(secret, 'subscription-unsubscribe');

/** The token of a subscription's unsubscribe link: its id and an HMAC binding it to the address. */
export function unsubscribeToken(secretKey: string, sub: { id: number; email: string }): string {
  return `${sub.id}.${hmac(unsubscribeKey(secretKey), `${sub.id}:${sub.email}`)}`;
}

async function subscriptionOfUnsubscribeToken(deps: Pick<Deps, 'db' | 'config'>, token: string) {
  const m = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
  if (!m) return undefined;
  const row = await repo.findById(deps.db.kysely, Number(m[1]));
  if (!row) return undefined;
  return safeEqual(m[2], hmac(unsubscribeKey(deps.config.secretKey), `${row.id}:${row.email}`)) ? row : undefined;
}

export interface ScopeInfo {
  org: Organization;
  /** e.g. 厦门市湖里区文体出版旅游局 › 法定主动公开内容 › 政策文件 */
  label: string;
}

/** What a subscription covers, for pages and mails; undefined when its organization or column is gone. */
export async function describeScope(
  deps: Pick<Deps, 'db'>,
  scope: string,
  scopeId: number,
): Promise<ScopeInfo | undefined> {
  const tree = await orgTree(deps);
  if (scope === 'organization') {
    const org = tree.byId.get(scopeId);
    return org ? { org, label: `${org.name}（全部栏目）` } : undefined;
  }
  const col = await repo.organizationOfColumn(deps.db.kysely, scopeId);
  const org = col ? tree.byId.get(col.organization_id) : undefined;
  if (!org) return undefined;
  const path = (await directoryOf(deps, org.id)).path(scopeId);
  if (path.length === 0) return undefined;
  return { org, label: [org.name, ...path.map((c) => c.name)].join(' › ') };
}

function confirmationMail(deps: Pick<Deps, 'config'>, to: string, scope: ScopeInfo, token: string) {
  const link = `${deps.config.publicBaseUrl}/subscriptions/confirm?token=${token}`;
  return {
    to,
    subject: `【${scope.org.name}】请确认订阅信息更新`,
    text: [
      '您好：',
      '',
      `我们收到了用此邮箱订阅“${scope.label}”政府信息更新的申请。请在 ${CONFIRM_DAYS} 天内打开以下链接确认订阅：`,
      '',
      link,
      '',
      '确认之前，我们不会向您发送任何信息更新。如果这不是您本人的操作，请忽略本邮件。',
      '',
      `${deps.config.site.name} 政务公开`,
    ].join('\n'),
  };
}

function alreadySubscribedMail(deps: Pick<Deps, 'config'>, sub: repo.SubscriptionRow, scope: ScopeInfo) {
  const link = `${deps.config.publicBaseUrl}/subscriptions/unsubscribe?token=${unsubscribeToken(deps.config.secretKey, sub)}`;
  return {
    to: sub.email,
    subject: `【${scope.org.name}】您已订阅信息更新`,
    text: [
      '您好：',
      '',
      `此邮箱已经订阅了“${scope.label}”的政府信息更新，无需重复订阅。有新信息时我们会发邮件告诉您。`,
      '',
      `如需退订，请打开：${link}`,
      '',
      `${deps.config.site.name} 政务公开`,
    ].join('\n'),
  };
}

/**
 * Records a visitor's request to subscribe the address to the organization or one of its columns and queues
 * the confirmation mail, in one transaction. Never duplicates: a pending or unsubscribed subscription gets a
 * fresh confirmation link; an active one is told so by mail instead. The page shown afterwards is the same in
 * every case, so it reveals nothing about the address.
 */
export async function requestSubscription(deps: Deps, org: Organization, raw: unknown): Promise<void> {
  const input = parseOrThrow(subscribeInput, raw);
  const email = input.email.toLowerCase();
  let scope: SubscriptionScope = 'organization';
  let scopeId = org.id;
  if (input.scope !== 'organization') {
    const columnId = Number(input.scope.slice('column:'.length));
    const column = (await directoryOf(deps, org.id)).byId.get(columnId);
    if (!column || column.retired || column.kind === 'static')
      throw new ValidationError({ scope: '请选择本机构的一个信息栏目。' });
    scope = 'column';
    scopeId = columnId;
  }
  const info = await describeScope(deps, scope, scopeId);
  if (!info) throw new ValidationError({ scope: '请选择订阅范围。' });
  const now = deps.clock();
  const ts = now.toISOString();
  const recordRequest = async () => {
    await deps.db.kysely.transaction().execute(async (trx) => {
      const existing = await repo.findLatest(trx, email, scope, scopeId);
      if (existing?.confirmed_at && !existing.unsubscribed_at) {
        await enqueueMail(trx, alreadySubscribedMail(deps, existing, info), now);
        return;
      }
      const token = newToken();
      if (existing) {
        await repo.update(trx, existing.id, {
          token_hash: sha256(token),
          confirmed_at: null,
          unsubscribed_at: null,
          updated_at: ts,
        });
      } else {
        await repo.insert(trx, {
          email,
          scope,
          scope_id: scopeId,
          token_hash: sha256(token),
          confirmed_at: null,
          unsubscribed_at: null,
          created_at: ts,
          updated_at: ts,
        });
      }
      await enqueueMail(trx, confirmationMail(deps, email, info, token), now);
    });
  };
  // Two requests for the same address and scope at once: the loser of the unique index runs again and finds
  // the winner's row.
  for (let attempt = 0; ; attempt++) {
    try {
      await recordRequest();
      return;
    } catch (err) {
      if (attempt > 0 || !isUniqueViolation(err)) throw err;
    }
  }
}

export type TokenCheck =
  | { status: 'ok'; id: number; maskedEmail: string; scope: ScopeInfo }
  | { status: 'invalid' }
  | { status: 'expired'; scope?: ScopeInfo };

async function pending(deps: Pick<Deps, 'db' | 'clock'>, token: string, db: Kysely<Database> = deps.db.kysely) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { check: { status: 'invalid' } as TokenCheck };
  const row = await repo.findByTokenHash(db, sha256(token));
  if (!row || row.confirmed_at || row.unsubscribed_at) return { check: { status: 'invalid' } as TokenCheck };
  const scope = await describeScope(deps, row.scope, row.scope_id);
  if (!scope) return { check: { status: 'invalid' } as TokenCheck };
  const age = deps.clock().getTime() - Date.parse(row.updated_at);
  if (age > CONFIRM_DAYS * 86_400_000) return { check: { status: 'expired', scope } as TokenCheck };
  return { row, check: { status: 'ok', id: row.id, maskedEmail: maskEmail(row.email), scope } as TokenCheck };
}

/** What a confirmation link would confirm (the address masked), or why it no longer works. */
export async function checkConfirmationToken(deps: Pick<Deps, 'db' | 'clock'>, token: string): Promise<TokenCheck> {
  return (await pending(deps, token)).check;
}

/**
 * Confirms the subscription of a valid, unused confirmation token; the token stops working at once (its hash
 * is replaced), also against a second request racing this one.
 */
export async function confirmSubscription(deps: Pick<Deps, 'db' | 'clock'>, token: string): Promise<TokenCheck> {
  const { row, check } = await pending(deps, token);
  if (!row || check.status !== 'ok') return check;
  const ok = await repo.confirm(
    deps.db.kysely,
    row.id,
    row.token_hash,
    sha256(`used:${newToken()}`),
    deps.clock().toISOString(),
  );
  return ok ? check : { status: 'invalid' };
}

export type UnsubscribeCheck =
  | { status: 'ok'; scope: ScopeInfo; active: boolean; others: number }
  | { status: 'invalid' };

/** What an unsubscribe link would end, and how many other live subscriptions the same address has. */
export async function checkUnsubscribeToken(
  deps: Pick<Deps, 'db' | 'config'>,
  token: string,
): Promise<UnsubscribeCheck> {
  const row = await subscriptionOfUnsubscribeToken(deps, token);
  if (!row) return { status: 'invalid' };
  const scope = await describeScope(deps, row.scope, row.scope_id);
  if (!scope) return { status: 'invalid' };
  const live = await repo.liveOfEmail(deps.db.kysely, row.email);
  return {
    status: 'ok',
    scope,
    active: row.unsubscribed_at === null,
    others: live.filter((s) => s.id !== row.id).length,
  };
}

/** Ends the link's subscription, or every subscription of its address; nothing is sent to it afterwards. */
export async function unsubscribe(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  token: string,
  all: boolean,
): Promise<UnsubscribeCheck> {
  const check = await checkUnsubscribeToken(deps, token);
  if (check.status !== 'ok') return check;
  const row = (await subscriptionOfUnsubscribeToken(deps, token))!;
  const ids = all ? (await repo.liveOfEmail(deps.db.kysely, row.email)).map((s) => s.id) : [row.id];
  await repo.unsubscribe(deps.db.kysely, [...new Set([...ids, row.id])], deps.clock().toISOString());
  return { ...check, active: false, others: all ? 0 : check.others };
}

// ---------------------------------------------------------------- notifications

const KIND_LABEL: Record<NotifyPayload['type'], string> = {
  'item.published': '新发布',
  'item.updated': '更新',
  'item.withdrawn': '撤回',
  'item.status_changed': '效力状态变更',
};

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const day = (iso: string | null | undefined) => (iso ? formatDateTime(iso).slice(0, 10) : '');

/**
 * Queues the notification job of an item event inside its transaction: for first publications, major
 * revisions and withdrawals; never for minor revisions (typo fixes) or imports.
 */
export async function queueNotification(trx: Kysely<Database>, event: ItemEvent, now: Date): Promise<void> {
  if (event.imported) return;
  if (event.type === 'item.updated') {
    const v = await trx
      .selectFrom('item_versions')
      .select('change_kind')
      .where('item_id', '=', event.itemId)
      .where('version', '=', event.version)
      .executeTakeFirst();
    if (v?.change_kind !== 'major') return;
  }
  const payload: NotifyPayload = { itemId: event.itemId, type: event.type, version: event.version };
  if (event.note) payload.note = event.note;
  await enqueue(trx, { handler: NOTIFY_JOB, payload, now, maxAttempts: 5 });
}

/**
 * The job: mails every confirmed, live subscriber of the item's organization, its column or an ancestor
 * column — each address once — in batches, each batch's mails and progress committed together, so a retried
 * run neither skips nor repeats anyone.
 */
export async function notifySubscribers(deps: Deps, raw: unknown, ctx: JobContext): Promise<number> {
  const payload = notifyPayload.parse(raw);
  const k = ctx.db.kysely;
  const item = await k.selectFrom('items').selectAll().where('id', '=', payload.itemId).executeTakeFirst();
  if (!item || item.published_version === 0) return 0;
  // Withdrawn before this ran: announcing the publication now would mislead.
  if (payload.type !== 'item.withdrawn' && item.withdrawn) return 0;
  const version = await k
    .selectFrom('item_versions')
    .selectAll()
    .where('item_id', '=', item.id)
    .where('version', '=', payload.version)
    .executeTakeFirst();
  if (!version) return 0;
  const org = (await orgTree(deps)).byId.get(item.organization_id);
  if (!org?.active) return 0;
  const path = (await directoryOf(deps, org.id)).path(item.column_id);
  const base = deps.config.publicBaseUrl;
  const link = `${base}${itemHref(org.slug, item.id)}`;
  const title = oneLine(version.title);
  const lines = [
    payload.type === 'item.status_changed'
      ? `${org.name}“${path.map((c) => c.name).join(' › ') || '政府信息公开'}”栏目的一份政策文件效力状态发生变更：`
      : `${org.name}在“${path.map((c) => c.name).join(' › ') || '政府信息公开'}”栏目${KIND_LABEL[payload.type]}了一条政府信息：`,
    '',
    `标题：${title}`,
    `发布日期：${day(item.first_published_at)}`,
  ];
  if (payload.type === 'item.updated') lines.push(`更新日期：${day(version.published_at)}`);
  lines.push(`索引号：${item.index_number}`);
  if (version.doc_number) lines.push(`文号：${version.doc_number}`);
  if (version.summary) lines.push(`内容概述：${oneLine(version.summary)}`);
  if (payload.type === 'item.updated' && version.change_note) lines.push(`修订说明：${version.change_note}`);
  if (payload.type === 'item.withdrawn') {
    const reason = WITHDRAWAL_REASONS[item.withdrawal_reason as WithdrawalReason] ?? item.withdrawal_reason ?? '';
    lines.push(`撤回日期：${day(item.withdrawn_at)}`, `撤回原因：${reason}`);
    if (item.withdrawal_note) lines.push(`撤回说明：${item.withdrawal_note}`);
    lines.push(`查看撤回说明：${link}`);
  } else {
    if (payload.type === 'item.status_changed' && payload.note) lines.push(`效力状态：${payload.note}`);
    lines.push(`查看全文：${link}`);
  }
  const shortTitle = title.length > 200 ? `${title.slice(0, 200)}…` : title;
  const subject = `【${org.name}】${KIND_LABEL[payload.type]}：${shortTitle}`;

  const key = `${NOTIFY_JOB}.cursor:${ctx.jobId}`;
  let cursor = (await repo.getCursor(k, key)) ?? '';
  const scope = { organizationId: org.id, columnIds: path.map((c) => c.id) };
  let sent = 0;
  for (;;) {
    const batch = await repo.recipients(k, scope, cursor, NOTIFY_BATCH);
    if (batch.length === 0) break;
    const subs = new Map(
      (
        await repo.byIds(
          k,
          batch.map((b) => b.id),
        )
      ).map((s) => [s.id, s]),
    );
    const labels = new Map<string, string>();
    for (const s of subs.values()) {
      const key2 = `${s.scope}:${s.scope_id}`;
      if (!labels.has(key2)) labels.set(key2, (await describeScope(deps, s.scope, s.scope_id))?.label ?? org.name);
    }
    await k.transaction().execute(async (trx) => {
      for (const b of batch) {
        const s = subs.get(b.id);
        if (!s) continue;
        const token = unsubscribeToken(deps.config.secretKey, s);
        const unsubscribe = `${base}/subscriptions/unsubscribe?token=${token}`;
        const text = [
          ...lines,
          '',
          '——',
          `您收到这封邮件，是因为您订阅了“${labels.get(`${s.scope}:${s.scope_id}`)}”的政府信息更新。`,
          `退订：${unsubscribe}`,
        ].join('\n');
        try {
          // RFC 2369 and RFC 8058: the mail client's own unsubscribe button works without opening a page.
          const headers = {
            'List-Unsubscribe': `<${base}/subscriptions/one-click?token=${token}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          };
          await enqueueMail(trx, { to: s.email, subject, text, headers }, ctx.now);
          sent++;
        } catch (err) {
          if (!(err instanceof InvalidMailError)) throw err;
          ctx.logger.warn({ subscriptionId: s.id, err: err.message }, 'subscription address refused by the outbox');
        }
      }
      await repo.setCursor(trx, key, batch[batch.length - 1].email, ctx.now.toISOString());
    });
    cursor = batch[batch.length - 1].email;
    if (batch.length < NOTIFY_BATCH) break;
  }
  await repo.deleteCursor(k, key);
  return sent;
}

/** Queues the notification job for every item event (in its transaction). Idempotent. */
export function registerSubscriptionHooks() {
  onEvent('subscriptions.notify', async (trx, event, deps) => queueNotification(trx, event, deps.clock()));
  setJobLabel(NOTIFY_JOB, '订阅邮件通知');
}

/** Registers the 'subscriptions.notify' handler on the runner (at server start). */
export function registerSubscriptionJobs(runner: JobRunner, deps: Deps) {
  runner.register(NOTIFY_JOB, async (payload, ctx) => {
    const n = await notifySubscribers(deps, payload, ctx);
    if (n > 0) ctx.logger.info({ mails: n }, 'subscription notifications queued');
  });
}
