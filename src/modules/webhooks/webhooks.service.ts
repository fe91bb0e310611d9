import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Permission, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { type ItemEvent, onEvent } from '../../platform/events.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { setJobLabel } from '../../platform/jobs/jobs.routes.js';
import { enqueue, type JobContext, type JobRunner } from '../../platform/jobs/jobs.service.js';
import { deriveKey, FieldCipher } from '../../platform/security/crypto.js';
import { type Organization, orgTree } from '../organizations/organizations.service.js';
import { itemHref } from '../publishing/views/public.js';
import * as repo from './webhooks.repository.js';
import { deliverPayload, WEBHOOK_EVENTS, type WebhookEvent, webhookInput } from './webhooks.schema.js';

// Webhooks (数据推送) for integrators: each item event (not imports) becomes one delivery row per matching
// webhook, written with a delivery job in the event's own transaction, so a rolled-back publication sends
// nothing and a committed one is never forgotten. The job POSTs the JSON signed with the webhook's secret
// (HMAC-SHA256 over "<timestamp>.<body>"); failures are recorded on the row and retried by the job runner's
// backoff, and after the last try the delivery is 'failed' and listed in the console for redelivery.

export const DELIVER_JOB = 'webhooks.deliver';
/** Tries per delivery: with the runner's backoff (30 s doubling) about an hour in all. */
export const WEBHOOK_MAX_ATTEMPTS = 8;
export const WEBHOOK_TIMEOUT_MS = 10_000;

const cipherOf = (secretKey: string) => new FieldCipher([{ id: 'k1', key: deriveKey(secretKey, 'webhook') }]);

/** The signature header's value without its `sha256=` prefix: hex HMAC-SHA256 of "<timestamp>.<body>". */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export function eventsOf(row: Pick<repo.WebhookRow, 'events'>): WebhookEvent[] {
  try {
    const v: unknown = JSON.parse(row.events);
    return Array.isArray(v) ? WEBHOOK_EVENTS.filter((e) => v.includes(e)) : [];
  } catch {
    return [];
  }
}

export interface WebhookView {
  id: number;
  url: string;
  organizationId: number | null;
  /** 全部机构 for a webhook covering every organization. */
  scopeName: string;
  events: WebhookEvent[];
  description: string;
  active: boolean;
  createdAt: string;
  failed: number;
  retrying: number;
}

// A webhook of one organization is within the scope of those granted on it or an ancestor; one covering every
// organization only within that of global roles (system administrators, auditors).
async function chainOf(deps: Pick<Deps, 'db'>, organizationId: number | null): Promise<number[]> {
  return organizationId === null ? [] : (await orgTree(deps)).chain(organizationId);
}

async function allowed(deps: Pick<Deps, 'db'>, p: Principal, perm: Permission, organizationId: number | null) {
  return can(p, perm, await chainOf(deps, organizationId));
}

function view(
  r: repo.WebhookRow,
  orgs: Map<number, Organization>,
  counts?: { failed: number; retrying: number },
): WebhookView {
  return {
    id: r.id,
    url: r.url,
    organizationId: r.organization_id,
    scopeName:
      r.organization_id === null ? '全部机构' : (orgs.get(r.organization_id)?.name ?? `机构 #${r.organization_id}`),
    events: eventsOf(r),
    description: r.description,
    active: r.active === 1,
    createdAt: r.created_at,
    failed: counts?.failed ?? 0,
    retrying: counts?.retrying ?? 0,
  };
}

/** The webhooks within the principal's webhook.view scope, with their failed and retrying delivery counts. */
export async function visibleWebhooks(deps: Deps, p: Principal): Promise<WebhookView[]> {
  const tree = await orgTree(deps);
  const [rows, counts] = await Promise.all([repo.listWebhooks(deps.db.kysely), repo.deliveryCounts(deps.db.kysely)]);
  return rows
    .filter((r) => can(p, 'webhook.view', r.organization_id === null ? [] : tree.chain(r.organization_id)))
    .map((r) => view(r, tree.byId, counts.get(r.id)));
}

async function loadFor(deps: Deps, p: Principal, id: number, perm: Permission) {
  const row = await repo.findWebhook(deps.db.kysely, id);
  if (!row) throw new NotFoundError('该推送不存在或已删除。');
  if (!(await allowed(deps, p, perm, row.organization_id)))
    throw new ForbiddenError(perm === 'webhook.view' ? '您无权查看该推送。' : '您无权管理该推送。');
  return row;
}

/** One webhook (within the principal's view scope) with its recent deliveries, or only its failed ones. */
export async function webhookDetail(deps: Deps, p: Principal, id: number, opts: { onlyFailures?: boolean } = {}) {
  const row = await loadFor(deps, p, id, 'webhook.view');
  const tree = await orgTree(deps);
  const [deliveries, counts] = await Promise.all([
    repo.listDeliveries(deps.db.kysely, id, { onlyFailures: opts.onlyFailures, limit: 100 }),
    repo.deliveryCounts(deps.db.kysely),
  ]);
  return {
    hook: view(row, tree.byId, counts.get(id)),
    deliveries,
    canManage: await allowed(deps, p, 'webhook.manage', row.organization_id),
  };
}

/** The organizations the principal may register webhooks for, and whether it may cover all of them. */
export async function webhookScopes(deps: Deps, p: Principal) {
  const tree = await orgTree(deps);
  return {
    all: can(p, 'webhook.manage', []),
    organizations: tree.all.filter((o) => can(p, 'webhook.manage', tree.chain(o.id))),
  };
}

/**
 * Registers a webhook within the principal's scope with a generated secret, stored encrypted; returns the
 * secret, which is shown this once. Audited (without the secret).
 */
export async function createWebhook(
  deps: Deps,
  p: Principal,
  actor: Actor,
  raw: unknown,
): Promise<{ id: number; secret: string }> {
  const input = parseOrThrow(webhookInput, raw);
  const organizationId = input.organization_id === 'all' ? null : Number(input.organization_id);
  if (organizationId !== null && !(await orgTree(deps)).byId.has(organizationId))
    throw new NotFoundError('机构不存在。');
  if (!(await allowed(deps, p, 'webhook.manage', organizationId)))
    throw new ForbiddenError(
      organizationId === null ? '只有系统管理员可以设置覆盖全部机构的推送。' : '您无权为该机构设置推送。',
    );
  const secret = newSecret();
  const now = deps.clock();
  const ts = now.toISOString();
  const id = await deps.db.kysely.transaction().execute(async (trx) => {
    const row = {
      organization_id: organizationId,
      url: input.url,
      events: JSON.stringify(input.events),
      description: input.description,
      active: 1,
      created_by: p.userId,
      created_at: ts,
      updated_at: ts,
    };
    const newId = await repo.insertWebhook(trx, { ...row, secret: cipherOf(deps.config.secretKey).encrypt(secret) });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'webhook.create',
        entityType: 'webhook',
        entityId: newId,
        organizationId,
        summary: `新建推送：${input.url}`,
        after: row,
      },
      now,
    );
    return newId;
  });
  return { id, secret };
}

/** Enables or disables a webhook; a disabled one gets no new deliveries and its queued ones are not sent. */
export async function setWebhookActive(deps: Deps, p: Principal, actor: Actor, id: number, active: boolean) {
  const row = await loadFor(deps, p, id, 'webhook.manage');
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.updateWebhook(trx, id, { active: active ? 1 : 0, updated_at: now.toISOString() });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: active ? 'webhook.enable' : 'webhook.disable',
        entityType: 'webhook',
        entityId: id,
        organizationId: row.organization_id,
        summary: `${active ? '启用' : '停用'}推送：${row.url}`,
        before: { active: row.active },
        after: { active: active ? 1 : 0 },
      },
      now,
    );
  });
}

/** Deletes a webhook and its delivery history. Audited. */
export async function deleteWebhook(deps: Deps, p: Principal, actor: Actor, id: number) {
  const row = await loadFor(deps, p, id, 'webhook.manage');
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.deleteWebhook(trx, id);
    const { secret: _secret, ...before } = row;
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'webhook.delete',
        entityType: 'webhook',
        entityId: id,
        organizationId: row.organization_id,
        summary: `删除推送：${row.url}`,
        before,
      },
      now,
    );
  });
}

/** Replaces a webhook's secret with a new one, returned to be shown once; deliveries sign with it from now on. */
export async function rotateWebhookSecret(deps: Deps, p: Principal, actor: Actor, id: number): Promise<string> {
  const row = await loadFor(deps, p, id, 'webhook.manage');
  const secret = newSecret();
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.updateWebhook(trx, id, {
      secret: cipherOf(deps.config.secretKey).encrypt(secret),
      updated_at: now.toISOString(),
    });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'webhook.rotate_secret',
        entityType: 'webhook',
        entityId: id,
        organizationId: row.organization_id,
        summary: `重新生成推送密钥：${row.url}`,
      },
      now,
    );
  });
  return secret;
}

/** Sends a delivered or failed delivery again (same event id, so receivers can recognise it). Audited. */
export async function redeliver(deps: Deps, p: Principal, actor: Actor, webhookId: number, deliveryId: number) {
  const row = await loadFor(deps, p, webhookId, 'webhook.manage');
  const d = await repo.findDelivery(deps.db.kysely, deliveryId);
  if (!d || d.webhook_id !== webhookId) throw new NotFoundError('该推送记录不存在。');
  if (!row.active) throw new ConflictError('该推送已停用，请先启用后再重新推送。');
  if (d.status === 'pending') throw new ConflictError('该推送正在等待发送或重试，请在其完成或失败后再重新推送。');
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.updateDelivery(trx, d.id, { status: 'pending', updated_at: now.toISOString() });
    await enqueue(trx, {
      handler: DELIVER_JOB,
      payload: { deliveryId: d.id },
      now,
      maxAttempts: WEBHOOK_MAX_ATTEMPTS,
    });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'webhook.redeliver',
        entityType: 'webhook',
        entityId: webhookId,
        organizationId: row.organization_id,
        summary: `重新推送 ${d.event_type}（记录 #${d.id}）到 ${row.url}`,
        before: { status: d.status, attempts: d.attempts, last_error: d.last_error },
        after: { status: 'pending' },
      },
      now,
    );
  });
}

// ---------------------------------------------------------------- events and delivery

/**
 * Inside the event's transaction: one delivery row and one delivery job per active webhook that covers the
 * item's organization (or an ancestor, or all) and subscribes to the event type. Imports notify nobody.
 */
export async function queueDeliveries(trx: Kysely<Database>, event: ItemEvent, deps: Pick<Deps, 'config' | 'clock'>) {
  if (event.imported) return;
  // Everything is read through the transaction: on SQLite another connection would wait for it forever.
  const chain = await repo.organizationChain(trx, event.organizationId);
  const hooks = (await repo.activeWebhooksFor(trx, chain)).filter((h) => eventsOf(h).includes(event.type));
  if (hooks.length === 0) return;
  const item = await trx
    .selectFrom('items as i')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .leftJoin('item_versions as v', (j) => j.onRef('v.item_id', '=', 'i.id').on('v.version', '=', event.version))
    .select(['i.id', 'i.organization_id', 'i.column_id', 'i.index_number', 'i.title', 'i.withdrawn', 'o.slug'])
    .select('v.title as version_title')
    .where('i.id', '=', event.itemId)
    .executeTakeFirst();
  if (!item) return;
  const eventId = randomUUID();
  const body = JSON.stringify({
    id: eventId,
    type: event.type,
    occurred_at: event.at,
    data: {
      item: {
        id: item.id,
        organization_id: item.organization_id,
        column_id: item.column_id,
        index_number: item.index_number,
        title: item.version_title ?? item.title,
        url: `${deps.config.publicBaseUrl}${itemHref(item.slug, item.id)}`,
        version: event.version,
        withdrawn: item.withdrawn === 1,
        ...(event.type === 'item.withdrawn' ? { reason: event.reason ?? null } : {}),
        ...(event.type === 'item.status_changed' ? { status: event.status ?? null, note: event.note ?? null } : {}),
      },
    },
  });
  const now = deps.clock();
  const ts = now.toISOString();
  for (const h of hooks) {
    const deliveryId = await repo.insertDelivery(trx, {
      webhook_id: h.id,
      event_id: eventId,
      event_type: event.type,
      payload: body,
      status: 'pending',
      attempts: 0,
      last_status_code: null,
      last_error: null,
      created_at: ts,
      delivered_at: null,
      updated_at: ts,
    });
    await enqueue(trx, { handler: DELIVER_JOB, payload: { deliveryId }, now, maxAttempts: WEBHOOK_MAX_ATTEMPTS });
  }
}

async function firstBytes(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let got = '';
  try {
    while (got.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      got += dec.decode(value, { stream: true });
    }
  } catch {
    // What we have is enough for the console.
  } finally {
    reader.cancel().catch(() => {});
  }
  return got.slice(0, max).replace(/\s+/g, ' ').trim();
}

interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    // Redirects are not followed: a signed event goes only to the registered address.
    const res = await fetch(url, { method: 'POST', headers, body, signal: ac.signal, redirect: 'manual' });
    const text = await firstBytes(res, 300);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null } as PostResult;
    return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `：${text}` : ''}` } as PostResult;
  } catch (err) {
    if (ac.signal.aborted) return { ok: false, status: null, error: `超时：${timeoutMs / 1000} 秒内没有响应` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    return { ok: false, status: null, error: `连接失败：${why}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The job: POSTs one delivery, signed, with a timeout. A 2xx marks it delivered; anything else is recorded
 * on the row and thrown so the runner retries with its backoff, and the last try leaves it 'failed'.
 */
export async function deliver(
  deps: Pick<Deps, 'config'>,
  raw: unknown,
  ctx: Pick<JobContext, 'db' | 'now' | 'attempt'>,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<void> {
  const { deliveryId } = deliverPayload.parse(raw);
  const k = ctx.db.kysely;
  const d = await repo.findDelivery(k, deliveryId);
  if (!d || d.status === 'delivered') return;
  const hook = await repo.findWebhook(k, d.webhook_id);
  if (!hook) return;
  const ts = ctx.now.toISOString();
  if (!hook.active) {
    await repo.updateDelivery(k, d.id, { status: 'failed', last_error: '推送已停用，未发送。', updated_at: ts });
    return;
  }
  const timestamp = String(Math.floor(ctx.now.getTime() / 1000));
  const secret = cipherOf(deps.config.secretKey).decrypt(hook.secret);
  const r = await post(
    hook.url,
    {
      'Content-Type': 'application/json',
      'User-Agent': 'gongkai-webhooks/1',
      'X-Gongkai-Event': d.event_type,
      'X-Gongkai-Delivery': d.event_id,
      'X-Gongkai-Timestamp': timestamp,
      'X-Gongkai-Signature': `sha256=${signPayload(secret, timestamp, d.payload)}`,
    },
    d.payload,
    timeoutMs,
  );
  const attempts = d.attempts + 1;
  if (r.ok) {
    await repo.updateDelivery(k, d.id, {
      status: 'delivered',
      attempts,
      last_status_code: r.status,
      last_error: null,
      delivered_at: ts,
      updated_at: ts,
    });
    return;
  }
  const last = ctx.attempt >= WEBHOOK_MAX_ATTEMPTS;
  await repo.updateDelivery(k, d.id, {
    status: last ? 'failed' : 'pending',
    attempts,
    last_status_code: r.status,
    last_error: r.error,
    updated_at: ts,
  });
  throw new Error(`webhook delivery #${d.id} failed (try ${ctx.attempt} of ${WEBHOOK_MAX_ATTEMPTS}): ${r.error}`);
}

/** Creates deliveries for every item event (in its transaction). Idempotent. */
export function registerWebhookHooks() {
  onEvent('webhooks.deliveries', (trx, event, deps) => queueDeliveries(trx, event, deps));
  setJobLabel(DELIVER_JOB, 'Webhook 推送');
}

/** Registers the 'webhooks.deliver' handler on the runner (at server start). */
export function registerWebhookJobs(runner: JobRunner, deps: Pick<Deps, 'config'>, timeoutMs = WEBHOOK_TIMEOUT_MS) {
  runner.register(DELIVER_JOB, (payload, ctx) => deliver(deps, payload, ctx, timeoutMs));
}
