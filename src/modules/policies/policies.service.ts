import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { latest } from '../../platform/api/http.js';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { emit, type ItemEvent, onEvent } from '../../platform/events.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { clearPageCache } from '../../platform/http/portal.js';
import { setJobLabel } from '../../platform/jobs/jobs.routes.js';
import { type JobRunner, scheduleOnce, scheduleRecurring } from '../../platform/jobs/jobs.service.js';
import { beijingDate } from '../../platform/time.js';
import { orgTree } from '../organizations/organizations.service.js';
import { parseDocNumber } from './doc-number.js';
import * as repo from './policies.repository.js';
import { POLICY_TYPES, type PolicyType, policyInput, relationInput } from './policies.schema.js';
import { changePolicy, type PolicyFields, registerStagedHooks, stagesEdits } from './staged.js';
import {
  type IncomingRelation,
  nextDay,
  POLICY_STATUS_LABELS,
  type PolicyStatus,
  policyStatus,
  RELATION_LABELS,
  type RelationKind,
  type StatusResult,
} from './status.js';

// Policy documents (政策文件): an information item of the publishing module with policy fields, relations to
// other documents and a validity status. The item goes through publishing's own workflow; this module adds
// what is specific to policies and records (and announces, once) every change of status.

/** Builds the input of the pure status function from a row and its published incoming relations. */
export async function statusOf(db: Kysely<Database>, policy: repo.PolicyRow, today: string): Promise<StatusResult> {
  const incoming: IncomingRelation[] = (await repo.incomingPublished(db, policy.id)).map((r) => ({
    kind: r.kind as RelationKind,
    byPolicyId: r.from_policy_id,
    byDateEffective: r.date_effective,
  }));
  const declared =
    policy.declared_status && policy.declared_on
      ? { status: policy.declared_status as 'abolished' | 'expired', on: policy.declared_on }
      : null;
  return policyStatus(
    { dateEffective: policy.date_effective, validUntil: policy.valid_until, declared, incoming },
    today,
  );
}

function splitIssuers(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n\r、;；,，]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Creates or updates the policy fields of a draft item: the 文号 is validated and normalized, a 行政规范性文件
 * must have one, dates must be in order, issuers (joint issuance) are matched to organizations by name.
 */
export async function savePolicy(
  deps: Deps,
  p: Principal,
  actor: Actor,
  itemId: number,
  raw: unknown,
): Promise<number> {
  const input = parseOrThrow(policyInput, raw);
  const k = deps.db.kysely;
  const item = await k.selectFrom('items').selectAll().where('id', '=', itemId).executeTakeFirst();
  if (!item) throw new NotFoundError('信息不存在。');
  const tree = await orgTree(deps);
  if (!can(p, 'policy.edit', tree.chain(item.organization_id)))
    throw new ForbiddenError('您无权编辑该机构的政策文件。');
  if (item.status !== 'draft') throw new ValidationError({ policy_type: '只有草稿状态的信息可以修改政策文件属性。' });
  if (item.kind === 'interpretation')
    throw new ValidationError({ policy_type: '该信息已设为政策解读，不能同时设为政策文件。' });
  // A published item's policy row is public: a revision's changes wait for its publication (staged.ts).
  const staging = stagesEdits(item);
  if (staging && item.kind !== 'policy')
    throw new ValidationError({
      policy_type: '已发布的信息不能在修订时设为政策文件：政策文件属性须在首次发布前设置，请新建草稿。',
    });
  const errors: Record<string, string> = {};
  let doc: { text: string; issuer: string; year: number | null; seq: number | null } = {
    text: '',
    issuer: '',
    year: null,
    seq: null,
  };
  if (input.doc_number) {
    const r = parseDocNumber(input.doc_number, Number(beijingDate(deps.clock()).slice(0, 4)) + 1);
    if (r.ok) doc = r.value;
    else errors.doc_number = r.error;
  } else if (input.policy_type === 'normative') errors.doc_number = '行政规范性文件须填写文号。';
  if (input.date_effective < input.date_signed) errors.date_effective = '施行日期不能早于成文日期。';
  if (input.valid_until && input.valid_until < input.date_effective) errors.valid_until = '有效期至不能早于施行日期。';
  const draftingOrg = input.drafting_organization_id ?? item.organization_id;
  if (!tree.byId.get(draftingOrg)) errors.drafting_organization_id = '起草单位不存在。';
  const names = splitIssuers(input.issuers);
  const issuerNames = names.length ? names : [tree.byId.get(item.organization_id)?.name ?? ''];
  const byName = new Map(tree.all.map((o) => [o.name, o.id]));
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const now = deps.clock().toISOString();
  return k.transaction().execute(async (trx) => {
    const existing = await repo.findPolicyByItem(trx, itemId);
    const fields: PolicyFields = {
      drafting_organization_id: draftingOrg,
      doc_number: doc.text,
      doc_issuer: doc.issuer,
      doc_year: doc.year,
      doc_seq: doc.seq,
      policy_type: input.policy_type,
      theme: input.theme,
      date_signed: input.date_signed,
      date_effective: input.date_effective,
      valid_until: input.valid_until || null,
    };
    const issuers = issuerNames.map((name) => ({ name, organization_id: byName.get(name) ?? null }));
    let id: number;
    if (existing) {
      id = existing.id;
      await changePolicy(trx, item, existing, { fields, issuers }, now);
    } else {
      id = await repo.insertPolicy(trx, {
        ...fields,
        updated_at: now,
        item_id: itemId,
        organization_id: item.organization_id,
        status: 'pending',
        interpretation_waiver: '',
        created_at: now,
      });
      await repo.replaceIssuers(trx, id, issuers);
    }
    // The item's own 文号 field shows the normalized number on every page publishing renders.
    await trx.updateTable('items').set({ doc_number: doc.text, updated_at: now }).where('id', '=', itemId).execute();
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: existing ? 'policy.update' : 'policy.create',
        entityType: 'policy',
        entityId: id,
        organizationId: item.organization_id,
        summary: `${existing ? '修改' : '设置'}政策文件属性：${item.title}（${POLICY_TYPES[input.policy_type as PolicyType]}${doc.text ? `，${doc.text}` : ''}）${staging ? '，随修订发布后生效' : ''}`,
        before: existing ?? undefined,
        after: { ...fields, issuers: issuerNames },
      },
      deps.clock(),
    );
    return id;
  });
}

/** A one-line public explanation of a status, e.g. 自2026-12-01起已废止（被《…》厦文旅〔2026〕5号废止）. */
export async function statusNote(db: Kysely<Database>, s: StatusResult): Promise<string> {
  const label = POLICY_STATUS_LABELS[s.status];
  if (s.status === 'in_force' || s.status === 'pending') return label;
  let by = '';
  if (s.byPolicyId) {
    const b = await db
      .selectFrom('policies as p')
      .innerJoin('items as i', 'i.id', 'p.item_id')
      .select(['i.title', 'p.doc_number'])
      .where('p.id', '=', s.byPolicyId)
      .executeTakeFirst();
    if (b) by = `，依据《${b.title}》${b.doc_number ? `（${b.doc_number}）` : ''}`;
  }
  return `自 ${s.since} 起${label}${by}`;
}

/**
 * Recomputes one document's status for `now` inside the caller's transaction and, if it changed, records the
 * change once (compare-and-set) and raises item.status_changed for subscribers, webhooks and feeds — unless
 * `silent` (the document's own first publication). Returns the after-commit step, or null when nothing changed.
 */
export async function refreshStatus(
  trx: Kysely<Database>,
  deps: Deps,
  policyId: number,
  now: Date,
  opts: { silent?: boolean } = {},
): Promise<(() => void) | null> {
  const policy = await repo.findPolicy(trx, policyId);
  if (!policy) return null;
  const item = await trx.selectFrom('items').selectAll().where('id', '=', policy.item_id).executeTakeFirst();
  if (!item || item.published_version === 0 || item.withdrawn) return null;
  const s = await statusOf(trx, policy, beijingDate(now));
  const from = { status: policy.status, since: policy.status_since, by: policy.status_by_policy_id };
  if (from.status === s.status && from.since === s.since && from.by === s.byPolicyId) return null;
  const ts = now.toISOString();
  if (!(await repo.casStatus(trx, policyId, from, { status: s.status, since: s.since, by: s.byPolicyId }, ts)))
    return null; // another server recorded it first
  await repo.insertStatusChange(trx, {
    policy_id: policyId,
    from_status: from.status,
    to_status: s.status,
    since: s.since,
    by_policy_id: s.byPolicyId,
    recorded_at: ts,
  });
  // The status changes, not just its date: a later amendment of an amended document is announced too.
  if (opts.silent || (from.status === s.status && from.by === s.byPolicyId)) return () => {};
  const event: ItemEvent = {
    type: 'item.status_changed',
    itemId: item.id,
    organizationId: item.organization_id,
    columnId: item.column_id,
    version: item.published_version,
    at: ts,
    status: s.status,
    note: await statusNote(trx, s),
  };
  return emit(trx, deps, event);
}

/**
 * The scheduled job (效力状态): records every status the calendar has changed (coming into force, expiry, a
 * repeal whose document came into force). Safe on several servers at once: each document is changed, and
 * announced, by exactly one of them. Returns how many documents changed.
 */
export async function sweepStatuses(deps: Deps, now: Date): Promise<number> {
  const ids = await repo.liveIds(deps.db.kysely);
  let changed = 0;
  for (const id of ids) {
    const after = await deps.db.kysely.transaction().execute((trx) => refreshStatus(trx, deps, id, now));
    if (after) {
      changed++;
      after();
    }
  }
  if (changed) clearPageCache();
  return changed;
}

/**
 * Records that document `from` amends, repeals, replaces or interprets document `to`. Both must be in
 * organizations the principal may relate in; a repeal by a published document in force changes the status of
 * the earlier one at once (and is announced), otherwise when the later document is published or comes into force.
 */
export async function recordRelation(deps: Deps, p: Principal, actor: Actor, fromPolicyId: number, raw: unknown) {
  const input = parseOrThrow(relationInput, raw);
  const k = deps.db.kysely;
  const from = await repo.findPolicy(k, fromPolicyId);
  if (!from) throw new NotFoundError('政策文件不存在。');
  const tree = await orgTree(deps);
  if (!can(p, 'policy.relate', tree.chain(from.organization_id)))
    throw new ForbiddenError('您无权登记该机构政策文件的关联关系。');
  if (input.to_policy_id === fromPolicyId) throw new ValidationError({ to_policy_id: '文件不能与自身建立关系。' });
  const to = await repo.findPolicy(k, input.to_policy_id);
  if (!to) throw new ValidationError({ to_policy_id: '被作用的政策文件不存在，请检查编号。' });
  const toItem = await k
    .selectFrom('items')
    .select(['title', 'published_version'])
    .where('id', '=', to.item_id)
    .executeTakeFirst();
  if (!toItem || toItem.published_version === 0)
    throw new ValidationError({ to_policy_id: '只能对已发布的政策文件登记修改、废止或替代关系。' });
  const fromItem = await k.selectFrom('items').select('title').where('id', '=', from.item_id).executeTakeFirstOrThrow();
  const now = deps.clock();
  const after = await k.transaction().execute(async (trx) => {
    const id = await repo.insertRelation(trx, {
      from_policy_id: fromPolicyId,
      to_policy_id: to.id,
      kind: input.kind,
      note: input.note,
      created_at: now.toISOString(),
      created_by: p.userId,
    });
    if (id === null) throw new ValidationError({ kind: '该关系已经登记过。' });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'policy.relate',
        entityType: 'policy',
        entityId: fromPolicyId,
        organizationId: from.organization_id,
        summary: `登记关系：《${fromItem.title}》${RELATION_LABELS[input.kind].out}《${toItem.title}》`,
        after: { relation_id: id, ...input },
      },
      now,
    );
    return refreshStatus(trx, deps, to.id, now);
  });
  if (after) {
    clearPageCache();
    after();
  }
}

/** Keeps statuses in step with publication: a policy's own first status (silently) and those of its targets. */
export function registerPolicyHooks() {
  // First a revision's staged fields into the row, so that the status below is computed from them.
  registerStagedHooks();
  onEvent('policies.status', async (trx, event, deps) => {
    if (event.type === 'item.status_changed') return;
    // An imported item was created in this very transaction: no policy row can point at it yet (and a bulk
    // import would otherwise pay one lookup per item).
    if (event.type === 'item.published' && event.imported) return;
    const policy = await repo.findPolicyByItem(trx, event.itemId);
    if (!policy) return;
    const now = new Date(event.at);
    await refreshStatus(trx, deps, policy.id, now, { silent: event.type === 'item.published' });
    for (const target of await repo.targetsOf(trx, policy.id)) await refreshStatus(trx, deps, target, now);
  });
}

export interface StatusView extends StatusResult {
  label: string;
  /** The document that caused it, for the banner's link. */
  by: { id: number; itemId: number; title: string; docNumber: string; orgSlug: string } | null;
  /** Whether the pages carry the banner: no longer fully in force. */
  banner: boolean;
}

/** The live status of a document on `now`, with the document that caused it, for banners and the API. */
export async function statusView(db: Kysely<Database>, policy: repo.PolicyRow, now: Date): Promise<StatusView> {
  const s = await statusOf(db, policy, beijingDate(now));
  let by: StatusView['by'] = null;
  if (s.byPolicyId) {
    const b = await db
      .selectFrom('policies as p')
      .innerJoin('items as i', 'i.id', 'p.item_id')
      .innerJoin('organizations as o', 'o.id', 'i.organization_id')
      .select(['p.id', 'p.item_id', 'i.title', 'p.doc_number', 'o.slug'])
      .where('p.id', '=', s.byPolicyId)
      .executeTakeFirst();
    if (b) by = { id: b.id, itemId: b.item_id, title: b.title, docNumber: b.doc_number, orgSlug: b.slug };
  }
  const status: PolicyStatus = s.status;
  return {
    ...s,
    label: POLICY_STATUS_LABELS[status],
    by,
    banner: ['amended', 'abolished', 'expired'].includes(status),
  };
}

export const STATUS_JOB = 'policies.status';
export const MIDNIGHT_JOB = 'policies.status.midnight';

/** Seconds after Beijing midnight the daily sweep runs (a margin for servers' clocks). */
const MIDNIGHT_MARGIN_S = 5;

/** The first Beijing midnight (plus the margin) strictly after `now`. */
export function nextMidnightRun(now: Date): Date {
  const tomorrow = nextDay(beijingDate(now));
  return new Date(Date.parse(`${tomorrow}T00:00:00+08:00`) + MIDNIGHT_MARGIN_S * 1000);
}

/**
 * Schedules the sweep just after the next Beijing midnight, as a one-off job named by that date: every
 * server does this at start and after each midnight run, and the unique name makes it one job (one run).
 */
export function scheduleMidnightSweep(db: Deps['db'], now: Date): Promise<boolean> {
  const at = nextMidnightRun(now);
  return scheduleOnce(db, `${MIDNIGHT_JOB}@${beijingDate(at)}`, MIDNIGHT_JOB, at, now);
}

/**
 * Registers the status jobs on the runner (at server start): a sweep just after each Beijing midnight, when
 * dates change statuses (施行, 失效, a repeal coming into force), so the notice goes out at once; and the hourly
 * sweep that catches up after a server was down at midnight (and relations recorded by other means).
 */
export async function registerPolicyJobs(runner: JobRunner, deps: Deps) {
  setJobLabel(STATUS_JOB, '政策文件效力状态（施行、失效、废止）');
  setJobLabel(MIDNIGHT_JOB, '政策文件效力状态（每日零时）');
  runner.register(STATUS_JOB, async (_payload, ctx) => {
    const n = await sweepStatuses(deps, ctx.now);
    if (n > 0) ctx.logger.info({ changed: n }, 'policy statuses changed');
  });
  runner.register(MIDNIGHT_JOB, async (_payload, ctx) => {
    // The next night first, so a failing sweep (retried by the runner) never leaves the next one unscheduled.
    await scheduleMidnightSweep(ctx.db, ctx.now);
    const n = await sweepStatuses(deps, ctx.now);
    if (n > 0) ctx.logger.info({ changed: n }, 'policy statuses changed at midnight');
  });
  await scheduleRecurring(deps.db, STATUS_JOB, STATUS_JOB, 3600, deps.clock());
  await scheduleMidnightSweep(deps.db, deps.clock());
}

export interface PolicyDetail {
  policy: repo.PolicyRow;
  issuers: string[];
  status: StatusView;
  /** Relations with published, not withdrawn documents, from this document's point of view. */
  relations: {
    kind: RelationKind;
    direction: 'out' | 'in';
    label: string;
    other: { id: number; itemId: number; title: string; docNumber: string; orgSlug: string; dateEffective: string };
  }[];
  /**
   * The last write to what the detail shows: the policy row (its fields, issuers and recorded status), its
   * relations and the items at their other ends — withdrawn or unpublished ones too, so that one leaving the
   * list moves it forward as well.
   */
  changedAt: string;
}

/** A policy's public facts (status on `now`, issuers, relations to published documents), or null for other items. */
export async function policyDetail(db: Kysely<Database>, itemId: number, now: Date): Promise<PolicyDetail | null> {
  const policy = await repo.findPolicyByItem(db, itemId);
  if (!policy) return null;
  const [issuers, rels, status] = await Promise.all([
    repo.listIssuers(db, [policy.id]),
    repo.relationsOf(db, policy.id),
    statusView(db, policy, now),
  ]);
  return {
    policy,
    issuers: issuers.map((i) => i.name),
    status,
    changedAt:
      latest(policy.updated_at, ...rels.flatMap((r) => [r.created_at, r.other_updated_at])) ?? policy.updated_at,
    relations: rels
      .filter((r) => r.other_published_version > 0 && !r.other_withdrawn)
      .map((r) => {
        const direction = r.from_policy_id === policy.id ? ('out' as const) : ('in' as const);
        const kind = r.kind as RelationKind;
        return {
          kind,
          direction,
          label: RELATION_LABELS[kind][direction],
          other: {
            id: r.other_id,
            itemId: r.other_item_id,
            title: r.other_title,
            docNumber: r.other_doc_number,
            orgSlug: r.other_org_slug,
            dateEffective: r.other_date_effective,
          },
        };
      }),
  };
}
