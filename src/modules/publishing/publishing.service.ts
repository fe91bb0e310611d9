import type { Kysely } from 'kysely';
import { insertRows } from '../../db/bulk.js';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Permission, type Principal } from '../../platform/auth/permissions.js';
import type { Calendar } from '../../platform/calendar/calendar.js';
import type { Deps } from '../../platform/context.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { emit, type ItemEvent } from '../../platform/events.js';
import { imagesMissingAlt, sanitizeBody } from '../../platform/html/sanitize.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { clearPageCache } from '../../platform/http/portal.js';
import { beijingDate } from '../../platform/time.js';
import { directoryOf } from '../directory/directory.service.js';
import { orgTree } from '../organizations/organizations.service.js';
import { queueForIndexing } from '../search/search-queue.js';
import { allocateIndexNumber, allocateIndexNumbers } from './index-number.js';
import * as repo from './publishing.repository.js';
import {
  type ItemInput,
  type ItemStatus,
  itemInput,
  STATUS_LABELS,
  scheduleInput,
  WITHDRAWAL_REASONS,
  withdrawInput,
} from './publishing.schema.js';

/** Art. 26: proactive information is published within 20 working days of being created or changed. */
export const PUBLISH_WITHIN_WORKDAYS = 20;

export type WorkflowAction =
  | 'edit'
  | 'submit'
  | 'review'
  | 'return'
  | 'approve'
  | 'publish'
  | 'schedule'
  | 'unschedule'
  | 'revise'
  | 'withdraw';

export const ACTION_LABELS: Record<WorkflowAction, string> = {
  edit: '编辑',
  submit: '提交审核',
  review: '审核通过',
  return: '退回修改',
  approve: '签发',
  publish: '立即发布',
  schedule: '定时发布',
  unschedule: '取消定时',
  revise: '修订',
  withdraw: '撤回',
};

const onePersonKey = (orgId: number) => `org:${orgId}:one_person_workflow`;

interface Ctx {
  item: repo.ItemRow;
  chain: number[];
  onePerson: boolean;
}

async function load(deps: Deps, itemId: number, db: Kysely<Database> = deps.db.kysely): Promise<Ctx> {
  const item = await repo.findItem(db, itemId);
  if (!item) throw new NotFoundError('信息不存在。');
  const tree = await orgTree(deps);
  const onePerson = (await repo.getSetting(db, onePersonKey(item.organization_id))) === '1';
  return { item, chain: tree.chain(item.organization_id), onePerson };
}

/**
 * What the principal may do with the item now: the status decides which steps exist, the role (within the
 * item's organization) who may take them, and nobody approves their own draft unless the organization
 * allows a one-person workflow.
 */
export function allowedActions(p: Principal, ctx: Ctx): WorkflowAction[] {
  const { item, chain } = ctx;
  const has = (perm: Permission) => can(p, perm, chain);
  const out: WorkflowAction[] = [];
  if (item.withdrawn) return out;
  const status = item.status as ItemStatus;
  if (status === 'draft' && has('item.draft')) out.push('edit', 'submit');
  if (status === 'submitted' && has('item.review')) out.push('review');
  if (
    (status === 'submitted' && (has('item.review') || has('item.approve'))) ||
    (status === 'reviewed' && (has('item.review') || has('item.approve')))
  )
    out.push('return');
  if (status === 'reviewed' && has('item.approve') && (item.drafted_by !== p.userId || ctx.onePerson))
    out.push('approve');
  if (status === 'approved' && has('item.publish') && item.disclosure === 'proactive') out.push('publish', 'schedule');
  if (status === 'scheduled' && has('item.publish')) out.push('unschedule');
  if (status === 'published' && has('item.draft')) out.push('revise');
  if (item.published_version > 0 && has('item.withdraw')) out.push('withdraw');
  return out;
}

function assertAllowed(p: Principal, ctx: Ctx, action: WorkflowAction) {
  if (allowedActions(p, ctx).includes(action)) return;
  if (action === 'approve' && ctx.item.drafted_by === p.userId && !ctx.onePerson && ctx.item.status === 'reviewed') {
    throw new ForbiddenError('不能签发自己起草的信息。请由其他签发人签发，或由机构管理员开启“一人流程”。');
  }
  if ((action === 'publish' || action === 'schedule') && ctx.item.disclosure !== 'proactive') {
    throw new AppError(422, 'not_proactive', '只有公开属性为“主动公开”的信息才能发布。');
  }
  throw new ForbiddenError(
    `当前状态（${STATUS_LABELS[ctx.item.status as ItemStatus] ?? ctx.item.status}）下您不能执行“${ACTION_LABELS[action]}”。`,
  );
}

async function validateContent(deps: Deps, orgId: number, raw: unknown, revising: boolean) {
  const input = parseOrThrow(itemInput, raw);
  const errors: Record<string, string> = {};
  const dir = await directoryOf(deps, orgId);
  const column = dir.byId.get(input.column_id);
  if (!column) errors.column_id = '栏目不存在。';
  else if (column.retired) errors.column_id = '该栏目已停用，不能再发布新信息。';
  else if (column.kind === 'static') errors.column_id = '单页栏目不发布信息条目，请选择其他栏目。';
  const body = sanitizeBody(input.body_html);
  const missing = imagesMissingAlt(body);
  if (missing.length) errors.body_html = `正文中有 ${missing.length} 张图片缺少替代文字（alt），请为每张图片填写说明。`;
  if (revising && input.change_kind === 'initial') errors.change_kind = '请选择本次修订是重大修改还是细微修改。';
  if (revising && input.change_kind === 'major' && input.change_note.length < 4)
    errors.change_note = '重大修改须填写向公众说明的修改内容。';
  if (input.date_created > beijingDate(deps.clock())) errors.date_created = '生成日期不能晚于今天。';
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return { input, body, column: column! };
}

async function itemEvent(
  trx: Kysely<Database>,
  item: repo.ItemRow,
  actor: Actor,
  action: string,
  to: string | null,
  comment: string,
  now: Date,
) {
  await repo.insertEvent(trx, {
    item_id: item.id,
    at: now.toISOString(),
    actor_user_id: actor.userId,
    actor_name: actor.name,
    action,
    from_status: item.status,
    to_status: to,
    comment,
  });
}

/** A draft's content checked against the organization's directory, ready to insert (outside any transaction). */
export interface PreparedDraft {
  organizationId: number;
  orgCode: string;
  input: ItemInput;
  body: string;
  column: { id: number; code: string };
}

/** Validates a draft's content for an organization (no permission check: callers check theirs). */
export async function prepareDraft(deps: Deps, organizationId: number, raw: unknown): Promise<PreparedDraft> {
  const tree = await orgTree(deps);
  const org = tree.byId.get(organizationId);
  if (!org) throw new NotFoundError('机构不存在。');
  const { input, body, column } = await validateContent(deps, organizationId, raw, false);
  return { organizationId, orgCode: org.code, input, body, column };
}

/** Creates a draft with its disclosure attribute and 五公开 category, allocating its index number. */
export async function createDraft(
  deps: Deps,
  p: Principal,
  actor: Actor,
  organizationId: number,
  raw: unknown,
  opts: {
    sourceRef?: string;
    /** More work inside the draft's transaction (e.g. policies links the new draft to a policy as its interpretation). */
    inTransaction?: (trx: Kysely<Database>, itemId: number) => Promise<void>;
  } = {},
): Promise<number> {
  const tree = await orgTree(deps);
  if (!tree.byId.get(organizationId)) throw new NotFoundError('机构不存在。');
  if (!can(p, 'item.draft', tree.chain(organizationId))) throw new ForbiddenError('您无权在该机构起草信息。');
  const prepared = await prepareDraft(deps, organizationId, raw);
  const now = deps.clock();
  return deps.db.kysely.transaction().execute(async (trx) => {
    const id = await insertDraft(trx, deps, p.userId, actor, prepared, now, opts);
    if (opts.inTransaction) await opts.inTransaction(trx, id);
    return id;
  });
}

/** Inserts a prepared draft inside the caller's transaction (event and audit included); returns its id. */
export async function insertDraft(
  trx: Kysely<Database>,
  deps: Deps,
  draftedBy: number | null,
  actor: Actor,
  prepared: PreparedDraft,
  now: Date,
  opts: { sourceRef?: string } = {},
): Promise<number> {
  const { input, body, column, organizationId } = prepared;
  {
    const indexNumber = await allocateIndexNumber(trx, {
      org: prepared.orgCode,
      column: column.code,
      year: Number(input.date_created.slice(0, 4)),
    });
    const ts = now.toISOString();
    const row = {
      organization_id: organizationId,
      column_id: column.id,
      index_number: indexNumber,
      title: input.title,
      doc_number: input.doc_number,
      date_created: input.date_created,
      theme: input.theme,
      genre: input.genre,
      keywords: input.keywords,
      summary: input.summary,
      working_body_html: body,
      disclosure: input.disclosure,
      exemption: input.exemption,
      five_category: input.five_category,
      disclosure_method: input.disclosure_method,
      status: 'draft',
      change_kind: 'initial',
      change_note: '',
      drafted_by: draftedBy,
      published_version: 0,
      withdrawn: 0,
      source_ref: opts.sourceRef ?? null,
      created_at: ts,
      updated_at: ts,
    };
    const id = await repo.insertItem(trx, row);
    await repo.insertEvent(trx, {
      item_id: id,
      at: ts,
      actor_user_id: actor.userId,
      actor_name: actor.name,
      action: 'create',
      from_status: null,
      to_status: 'draft',
      comment: '',
    });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'item.create',
        entityType: 'item',
        entityId: id,
        organizationId,
        summary: `起草信息：${input.title}（${indexNumber}）`,
        after: { ...row, working_body_html: undefined, body_html: `[${body.length} chars]` },
      },
      now,
    );
    return id;
  }
}

/** Saves a draft's content; only drafts can be edited, and only by those who may draft in its organization. */
export async function updateDraft(deps: Deps, p: Principal, actor: Actor, itemId: number, raw: unknown): Promise<void> {
  const ctx = await load(deps, itemId);
  assertAllowed(p, ctx, 'edit');
  const { input, body, column } = await validateContent(
    deps,
    ctx.item.organization_id,
    raw,
    ctx.item.published_version > 0,
  );
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const patch = {
      column_id: column.id,
      title: input.title,
      doc_number: input.doc_number,
      date_created: input.date_created,
      theme: input.theme,
      genre: input.genre,
      keywords: input.keywords,
      summary: input.summary,
      // The edited body is the item's own again, whether or not it still equals the published one.
      working_body_html: body,
      body_in_version: 0,
      disclosure: input.disclosure,
      exemption: input.exemption,
      five_category: input.five_category,
      disclosure_method: input.disclosure_method,
      change_kind: ctx.item.published_version > 0 ? input.change_kind : 'initial',
      change_note: ctx.item.published_version > 0 ? input.change_note : '',
      updated_at: now.toISOString(),
    };
    if (!(await repo.transition(trx, itemId, ['draft'], patch)))
      throw new ConflictError('信息状态已被他人改变，请刷新后重试。');
    await itemEvent(trx, ctx.item, actor, 'edit', 'draft', '', now);
    const { body_html: b0, ...before } = ctx.item;
    const { working_body_html: b1, body_in_version: _, ...after } = patch;
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'item.update',
        entityType: 'item',
        entityId: itemId,
        organizationId: ctx.item.organization_id,
        summary: `修改草稿：${input.title}`,
        before: { ...before, body_length: b0.length },
        after: { ...after, body_length: b1.length },
      },
      now,
    );
  });
}

export interface WorkflowHook {
  name: string;
  /** Runs before a step; throws (e.g. ValidationError) to stop it — 三同步 stops a policy without its interpretation. */
  before?: (deps: Deps, item: repo.ItemRow, action: WorkflowAction, p: Principal) => Promise<void>;
  /** Runs inside the step's transaction after the item moved — a bundle's other items move with it. */
  during?: (
    trx: Kysely<Database>,
    deps: Deps,
    step: { item: repo.ItemRow; action: WorkflowAction; to: ItemStatus; actor: Actor; p: Principal; now: Date },
  ) => Promise<void>;
}

const workflowHooks: WorkflowHook[] = [];

/** Lets another module check or extend the workflow steps (submit, review, return, approve); idempotent by name. */
export function addWorkflowHook(h: WorkflowHook) {
  if (!workflowHooks.some((x) => x.name === h.name)) workflowHooks.push(h);
}

async function step(
  deps: Deps,
  p: Principal,
  actor: Actor,
  itemId: number,
  action: WorkflowAction,
  from: ItemStatus[],
  to: ItemStatus,
  patch: Record<string, unknown>,
  comment: string,
  summary: string,
) {
  const ctx = await load(deps, itemId);
  assertAllowed(p, ctx, action);
  for (const h of workflowHooks) await h.before?.(deps, ctx.item, action, p);
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    if (!(await repo.transition(trx, itemId, from, { status: to, updated_at: now.toISOString(), ...patch }))) {
      throw new ConflictError('信息状态已被他人改变，请刷新后重试。');
    }
    for (const h of workflowHooks) await h.during?.(trx, deps, { item: ctx.item, action, to, actor, p, now });
    await itemEvent(trx, ctx.item, actor, action, to, comment, now);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: `item.${action}`,
        entityType: 'item',
        entityId: itemId,
        organizationId: ctx.item.organization_id,
        summary: `${summary}：${ctx.item.title}`,
        before: { status: ctx.item.status },
        after: { status: to, ...patch, comment },
      },
      now,
    );
  });
}

/** Sends a draft for review; a revision of a published item must say whether the change is major or minor. */
export async function submit(deps: Deps, p: Principal, actor: Actor, itemId: number, comment = '') {
  const ctx = await load(deps, itemId);
  if (ctx.item.published_version > 0) {
    if (ctx.item.change_kind === 'initial')
      throw new ValidationError({ change_kind: '请先在编辑页选择本次修订是重大修改还是细微修改。' });
    if (ctx.item.change_kind === 'major' && ctx.item.change_note.length < 4)
      throw new ValidationError({ change_note: '重大修改须填写向公众说明的修改内容。' });
  }
  await step(deps, p, actor, itemId, 'submit', ['draft'], 'submitted', { submitted_by: p.userId }, comment, '提交审核');
}

export async function review(deps: Deps, p: Principal, actor: Actor, itemId: number, comment = '') {
  await step(
    deps,
    p,
    actor,
    itemId,
    'review',
    ['submitted'],
    'reviewed',
    { reviewed_by: p.userId },
    comment,
    '审核通过',
  );
}

/** Sends an item back to its drafter; the comment saying what to fix is required. */
export async function returnToDraft(deps: Deps, p: Principal, actor: Actor, itemId: number, comment: string) {
  if (comment.trim().length < 2) throw new ValidationError({ comment: '退回时请写明需要修改的内容。' });
  await step(deps, p, actor, itemId, 'return', ['submitted', 'reviewed'], 'draft', {}, comment.trim(), '退回修改');
}

export async function approve(deps: Deps, p: Principal, actor: Actor, itemId: number, comment = '') {
  await step(deps, p, actor, itemId, 'approve', ['reviewed'], 'approved', { approved_by: p.userId }, comment, '签发');
}

/** Schedules an approved item for publication at a future time (Beijing time in the form). */
export async function schedule(deps: Deps, p: Principal, actor: Actor, itemId: number, raw: unknown) {
  const input = parseOrThrow(scheduleInput, raw);
  const at = new Date(`${input.publish_at}:00+08:00`);
  if (Number.isNaN(at.getTime())) throw new ValidationError({ publish_at: '发布时间无效。' });
  if (at.getTime() <= deps.clock().getTime())
    throw new ValidationError({ publish_at: '定时发布的时间须晚于现在；如需立即发布，请点击“立即发布”。' });
  await step(
    deps,
    p,
    actor,
    itemId,
    'schedule',
    ['approved'],
    'scheduled',
    { scheduled_at: at.toISOString() },
    input.publish_at,
    '定时发布',
  );
}

export async function unschedule(deps: Deps, p: Principal, actor: Actor, itemId: number) {
  await step(
    deps,
    p,
    actor,
    itemId,
    'unschedule',
    ['scheduled'],
    'approved',
    { scheduled_at: null },
    '',
    '取消定时发布',
  );
}

/** Starts a revision of a published item: the public keeps seeing the published version meanwhile. */
export async function startRevision(deps: Deps, p: Principal, actor: Actor, itemId: number) {
  await step(
    deps,
    p,
    actor,
    itemId,
    'revise',
    ['published'],
    'draft',
    { change_kind: 'initial', change_note: '' },
    '',
    '开始修订',
  );
}

/**
 * Publishes an approved (or due scheduled) item: freezes a new public version with its attachments, raises
 * item.published (first time) or item.updated in the same transaction, and clears cached pages after commit.
 */
async function publishInternal(deps: Deps, ctx: Ctx, actor: Actor, from: ItemStatus[], publishedBy: number | null) {
  const now = deps.clock();
  let after: () => void = () => {};
  await deps.db.kysely.transaction().execute(async (trx) => {
    after = await publishInTransaction(trx, deps, ctx.item, actor, from, publishedBy, now);
  });
  clearPageCache();
  after();
}

/**
 * The publication itself, inside the caller's transaction (so a bundle of items — a policy and its
 * interpretations — is published all together or not at all). Returns the after-commit step; the caller
 * clears cached pages after commit.
 */
export async function publishInTransaction(
  trx: Kysely<Database>,
  deps: Deps,
  item: repo.ItemRow,
  actor: Actor,
  from: ItemStatus[],
  publishedBy: number | null,
  now: Date,
): Promise<() => void> {
  const ts = now.toISOString();
  const version = item.published_version + 1;
  {
    const ok = await repo.transition(trx, item.id, from, {
      status: 'published',
      published_version: version,
      first_published_at: item.first_published_at ?? ts,
      last_published_at: ts,
      scheduled_at: null,
      change_kind: 'initial',
      change_note: '',
      // The body goes into the new version below; the working copy points at it until it is edited again.
      working_body_html: '',
      body_in_version: 1,
      updated_at: ts,
    });
    if (!ok) throw new ConflictError('信息状态已被他人改变，请刷新后重试。');
    const attachments = (await repo.listAttachments(trx, item.id)).map((a) => ({
      sha256: a.file_sha256,
      filename: a.filename,
      alt: a.alt,
      inline: a.inline,
      size: a.size,
      mime: a.mime,
      ext: a.ext,
    }));
    await repo.setPublishedFiles(
      trx,
      item.id,
      attachments.map((a) => a.sha256),
    );
    await repo.insertVersion(trx, {
      item_id: item.id,
      version,
      title: item.title,
      doc_number: item.doc_number,
      summary: item.summary,
      keywords: item.keywords,
      theme: item.theme,
      genre: item.genre,
      body_html: item.body_html,
      attachments_json: JSON.stringify(attachments),
      change_kind: version === 1 ? 'initial' : item.change_kind,
      change_note: version === 1 ? '' : item.change_note,
      published_at: ts,
      published_by: publishedBy,
    });
    await itemEvent(trx, item, actor, 'publish', 'published', version === 1 ? '' : `第 ${version} 版`, now);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'item.publish',
        entityType: 'item',
        entityId: item.id,
        organizationId: item.organization_id,
        summary: `发布：${item.title}（第 ${version} 版）`,
        before: { status: item.status, published_version: item.published_version },
        after: { status: 'published', published_version: version },
      },
      now,
    );
    const event: ItemEvent = {
      type: version === 1 ? 'item.published' : 'item.updated',
      itemId: item.id,
      organizationId: item.organization_id,
      columnId: item.column_id,
      version,
      at: ts,
    };
    return emit(trx, deps, event);
  }
}

export async function publishNow(deps: Deps, p: Principal, actor: Actor, itemId: number) {
  const ctx = await load(deps, itemId);
  assertAllowed(p, ctx, 'publish');
  await publishInternal(deps, ctx, actor, ['approved'], p.userId);
}

/** Publishes every scheduled item whose time has come (the recurring job); returns how many. */
export async function publishDueScheduled(deps: Deps): Promise<number> {
  const due = await repo.dueScheduled(deps.db.kysely, deps.clock().toISOString());
  let n = 0;
  for (const { id } of due) {
    const ctx = await load(deps, id);
    if (ctx.item.status !== 'scheduled') continue;
    try {
      await publishInternal(
        deps,
        ctx,
        { userId: null, name: 'system（定时发布）', ip: '' },
        ['scheduled'],
        ctx.item.approved_by,
      );
      n++;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e; // another server published it first
    }
  }
  return n;
}

/**
 * Withdraws a published item with a reason and a public explanation. Its URL keeps answering: a notice
 * (HTTP 410) when published in error, the content under a banner otherwise, linking to a replacement.
 */
export async function withdraw(deps: Deps, p: Principal, actor: Actor, itemId: number, raw: unknown) {
  const input = parseOrThrow(withdrawInput, raw);
  const ctx = await load(deps, itemId);
  assertAllowed(p, ctx, 'withdraw');
  if (input.replacement_item_id !== null) {
    const r = await repo.findItem(deps.db.kysely, input.replacement_item_id);
    if (!r || r.published_version === 0 || r.withdrawn || r.id === itemId)
      throw new ValidationError({ replacement_item_id: '替代信息须为另一条已发布的信息（填写其编号）。' });
  }
  const now = deps.clock();
  const ts = now.toISOString();
  let after: () => void = () => {};
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.updateItem(trx, itemId, {
      withdrawn: 1,
      withdrawn_at: ts,
      withdrawal_reason: input.reason,
      withdrawal_note: input.note,
      replacement_item_id: input.replacement_item_id,
      updated_at: ts,
    });
    await itemEvent(
      trx,
      ctx.item,
      actor,
      'withdraw',
      ctx.item.status,
      `${WITHDRAWAL_REASONS[input.reason]}：${input.note}`,
      now,
    );
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'item.withdraw',
        entityType: 'item',
        entityId: itemId,
        organizationId: ctx.item.organization_id,
        summary: `撤回：${ctx.item.title}（${WITHDRAWAL_REASONS[input.reason]}）`,
        before: { withdrawn: 0 },
        after: { withdrawn: 1, ...input },
      },
      now,
    );
    after = await emit(trx, deps, {
      type: 'item.withdrawn',
      itemId,
      organizationId: ctx.item.organization_id,
      columnId: ctx.item.column_id,
      version: ctx.item.published_version,
      at: ts,
      reason: input.reason,
    });
  });
  clearPageCache();
  after();
}

/** Adds an uploaded file to a draft (attachment, or an image for the body with its required alt text). */
export async function attachFile(
  deps: Deps,
  p: Principal,
  actor: Actor,
  itemId: number,
  file: { sha256: string; filename: string; alt: string; inline: boolean },
): Promise<number> {
  const ctx = await load(deps, itemId);
  assertAllowed(p, ctx, 'edit');
  const now = deps.clock();
  return deps.db.kysely.transaction().execute(async (trx) => {
    const existing = await repo.listAttachments(trx, itemId);
    const id = await repo.insertAttachment(trx, {
      item_id: itemId,
      file_sha256: file.sha256,
      filename: file.filename,
      alt: file.alt,
      inline: file.inline ? 1 : 0,
      sort_order: existing.length,
      created_at: now.toISOString(),
    });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'item.attach',
        entityType: 'item',
        entityId: itemId,
        organizationId: ctx.item.organization_id,
        summary: `上传${file.inline ? '图片' : '附件'}：${file.filename}`,
        after: { sha256: file.sha256, filename: file.filename },
      },
      now,
    );
    return id;
  });
}

export async function detachFile(deps: Deps, p: Principal, actor: Actor, itemId: number, attachmentId: number) {
  const ctx = await load(deps, itemId);
  assertAllowed(p, ctx, 'edit');
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    if (!(await repo.deleteAttachment(trx, itemId, attachmentId))) throw new NotFoundError('附件不存在。');
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'item.detach',
        entityType: 'item',
        entityId: itemId,
        organizationId: ctx.item.organization_id,
        summary: `删除附件 #${attachmentId}`,
      },
      now,
    );
  });
}

/** The statutory publication deadline of an item created on a date, with how it was counted. */
export function publicationDeadline(cal: Calendar, dateCreated: string) {
  return cal.addWorkdays(dateCreated, PUBLISH_WITHIN_WORKDAYS);
}

/** The staff view of an item: content, history, versions, attachments and the actions open to the principal. */
export async function staffItem(deps: Deps, p: Principal, itemId: number) {
  const ctx = await load(deps, itemId);
  if (!can(p, 'item.view', ctx.chain)) throw new ForbiddenError('您无权查看该信息。');
  const k = deps.db.kysely;
  const [events, versions, attachments] = await Promise.all([
    repo.listEvents(k, itemId),
    repo.listVersions(k, itemId),
    repo.listAttachments(k, itemId),
  ]);
  const deadline =
    ctx.item.disclosure === 'proactive' && ctx.item.published_version === 0
      ? publicationDeadline(deps.calendar, ctx.item.date_created)
      : null;
  return {
    item: ctx.item,
    events,
    versions,
    attachments,
    actions: allowedActions(p, ctx),
    deadline,
    onePerson: ctx.onePerson,
  };
}

/** Unpublished proactive items of the principal's organizations that are due within 5 working days or overdue. */
export async function dueItems(deps: Deps, p: Principal) {
  const tree = await orgTree(deps);
  const orgIds = tree.all.filter((o) => can(p, 'item.view', tree.chain(o.id))).map((o) => o.id);
  const today = beijingDate(deps.clock());
  const rows = await repo.unpublishedProactive(deps.db.kysely, orgIds);
  return rows
    .map((r) => {
      const d = publicationDeadline(deps.calendar, r.date_created);
      const left = deps.calendar.countWorkdays(today, d.due);
      return { ...r, due: d.due, workdaysLeft: left, overdue: today > d.due };
    })
    .filter((r) => r.overdue || r.workdaysLeft <= 5);
}

export async function setOnePersonWorkflow(
  deps: Deps,
  p: Principal,
  actor: Actor,
  organizationId: number,
  on: boolean,
) {
  const tree = await orgTree(deps);
  if (!can(p, 'organization.update', tree.chain(organizationId)))
    throw new ForbiddenError('只有机构管理员可以修改审批流程设置。');
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx
      .insertInto('settings')
      .values({ key: onePersonKey(organizationId), value: on ? '1' : '0', updated_at: now.toISOString() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: on ? '1' : '0', updated_at: now.toISOString() }))
      .execute();
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'organization.one_person_workflow',
        entityType: 'organization',
        entityId: organizationId,
        organizationId,
        summary: `${on ? '开启' : '关闭'}一人流程（允许签发本人起草的信息）`,
        after: { one_person_workflow: on },
      },
      now,
    );
  });
}

/** The public view of a published item of the organization, or NotFoundError (drafts and other states never show). */
export async function publicItem(deps: Deps, organizationId: number, itemId: number) {
  const k = deps.db.kysely;
  const item = await repo.findItem(k, itemId);
  if (!item || item.organization_id !== organizationId || item.published_version === 0)
    throw new NotFoundError('该信息不存在或尚未公开。');
  const [version, versions] = await Promise.all([
    repo.findVersion(k, itemId, item.published_version),
    repo.listVersions(k, itemId),
  ]);
  if (!version) throw new NotFoundError('该信息不存在或尚未公开。');
  let replacement: { id: number; title: string; organizationId: number } | null = null;
  if (item.withdrawn && item.replacement_item_id) {
    const r = await repo.findItem(k, item.replacement_item_id);
    if (r && r.published_version > 0 && !r.withdrawn) {
      const rv = await repo.findVersion(k, r.id, r.published_version);
      replacement = { id: r.id, title: rv?.title ?? r.title, organizationId: r.organization_id };
    }
  }
  return { item, version, versions, replacement };
}

/** A page of published items (newest first) of some columns or a whole organization. */
export async function publishedPage(
  deps: Pick<Deps, 'db'>,
  f: Omit<repo.PublicListFilter, 'limit' | 'offset'>,
  page: number,
  pageSize: number,
) {
  const [items, total] = await Promise.all([
    repo.listPublished(deps.db.kysely, { ...f, limit: pageSize, offset: (page - 1) * pageSize }),
    repo.countPublished(deps.db.kysely, f),
  ]);
  return { items, total, pages: Math.max(1, Math.ceil(total / pageSize)) };
}

export function staffList(deps: Deps, f: repo.StaffListFilter) {
  return repo.listForStaff(deps.db.kysely, f);
}

export interface ImportedItem {
  sourceRef: string;
  columnId: number;
  title: string;
  docNumber?: string;
  dateCreated: string;
  publishedAt: string; // ISO
  theme: string;
  genre: string;
  keywords?: string;
  summary?: string;
  bodyHtml: string;
  fiveCategory?: string;
  indexNumber?: string;
  /** bodyHtml is already the output of sanitizeBody (the import sanitizes on another thread); stored as it is. */
  bodySanitized?: boolean;
  /** Files already stored (storeFile), attached to the item and frozen into version 1, in this order. */
  attachments?: { sha256: string; filename: string; size: number; mime: string; ext: string }[];
}

/**
 * The items row of an imported, already published item (version 1), shared by the single and bulk paths (and
 * the import's benchmark baseline, bench/import-baseline.ts). Its body is stored once, in the version
 * (importedVersionRow): the working copy points at it.
 */
export function importedItemRow(
  organizationId: number,
  columnId: number,
  indexNumber: string,
  it: ImportedItem,
  ts: string,
) {
  return {
    organization_id: organizationId,
    column_id: columnId,
    index_number: indexNumber,
    title: it.title,
    doc_number: it.docNumber ?? '',
    date_created: it.dateCreated,
    theme: it.theme,
    genre: it.genre,
    keywords: it.keywords ?? '',
    summary: it.summary ?? '',
    working_body_html: '',
    body_in_version: 1,
    disclosure: 'proactive',
    exemption: '',
    five_category: it.fiveCategory ?? 'result',
    disclosure_method: '政府网站',
    status: 'published',
    change_kind: 'initial',
    change_note: '',
    published_version: 1,
    first_published_at: it.publishedAt,
    last_published_at: it.publishedAt,
    withdrawn: 0,
    source_ref: it.sourceRef,
    created_at: ts,
    updated_at: ts,
  };
}

/**
 * Loads an item that an agency already published elsewhere (import, demo data) directly as published
 * version 1, keeping its own index number when it has one. Idempotent by source reference: a second run
 * returns the existing item. Raises item.published marked as imported (indexed, nobody notified).
 */
export async function importPublished(
  deps: Deps,
  actor: Actor,
  organizationId: number,
  it: ImportedItem,
  trxIn?: Kysely<Database>,
): Promise<{ id: number; created: boolean }> {
  // A batch of one through the bulk path, indexed for search in the same transaction instead of queued.
  const run = (trx: Kysely<Database>) =>
    importPublishedMany(deps, actor, organizationId, [it], trx, { indexNow: true });
  if (trxIn) {
    const r = await run(trxIn);
    return { id: r.results[0].id, created: r.results[0].created };
  }
  const r = await deps.db.kysely.transaction().execute(run);
  r.after();
  return { id: r.results[0].id, created: r.results[0].created };
}

/**
 * Maintenance after migration 0015 (`gongkai compact-bodies`): every published item that still holds its own
 * copy of the published body is pointed at its version instead, `batch` items a statement. It changes no
 * content (findItem returns the same body), so it records no audit event and clears no cache; it can be
 * interrupted and run again. Returns how many items it looked at and how many changed.
 */
export async function compactPublishedBodies(
  deps: Deps,
  opts: { batch?: number; onProgress?: (looked: number, total: number) => void } = {},
): Promise<{ looked: number; changed: number }> {
  const batch = Math.max(1, Math.trunc(opts.batch ?? 1000));
  // For the progress only: the server may publish or edit meanwhile, so `looked` is kept within it.
  const total = opts.onProgress ? await repo.countBodyCopies(deps.db.kysely) : 0;
  opts.onProgress?.(0, total);
  let after = 0;
  let looked = 0;
  let changed = 0;
  for (;;) {
    const r = await repo.compactBodies(deps.db.kysely, after, batch);
    if (r.last === null) break;
    after = r.last;
    looked += r.looked;
    changed += r.changed;
    opts.onProgress?.(Math.min(looked, total), total);
  }
  return { looked, changed };
}

/** Version 1 of an imported item: what its public page shows (shared with the benchmark baseline). */
export function importedVersionRow(itemId: number, it: ImportedItem, body: string) {
  return {
    item_id: itemId,
    version: 1,
    title: it.title,
    doc_number: it.docNumber ?? '',
    summary: it.summary ?? '',
    keywords: it.keywords ?? '',
    theme: it.theme,
    genre: it.genre,
    body_html: body,
    // The same shape publishInternal freezes from the item's attachment rows.
    attachments_json: JSON.stringify(
      (it.attachments ?? []).map((a) => ({
        sha256: a.sha256,
        filename: a.filename,
        alt: '',
        inline: 0,
        size: a.size,
        mime: a.mime,
        ext: a.ext,
      })),
    ),
    change_kind: 'initial',
    change_note: '',
    published_at: it.publishedAt,
    published_by: null,
  };
}

export interface ImportManyResult {
  sourceRef: string;
  id: number;
  created: boolean;
}

/**
 * importPublished for many items in one transaction, with the same rules and records per item (version 1,
 * the import event, item.published marked as imported, the same index-number pattern), written with
 * multi-row statements: one lookup of the source references, one sequence update per (organization, column,
 * year), one insert per table per few hundred rows. Search indexing is deferred: the items go into the
 * search queue (drained by the 'search.index-queue' job, see src/modules/search/search-queue.ts) instead of
 * being indexed in this transaction; their pages, lists, feeds and the API show them at once.
 *
 * Idempotent by source reference like importPublished: an item the organization already has (or one listed
 * twice) comes back with created false. Throws ValidationError when a column is not the organization's; any
 * failure leaves the whole transaction to the caller to roll back. Results are in the order of `items`.
 */
export async function importPublishedMany(
  deps: Deps,
  actor: Actor,
  organizationId: number,
  items: readonly ImportedItem[],
  trx: Kysely<Database>,
  opts: {
    /** Index the new items for search in this transaction (importPublished) instead of queueing them. */
    indexNow?: boolean;
  } = {},
): Promise<{ results: ImportManyResult[]; after: () => void }> {
  if (!items.length) return { results: [], after: () => {} };
  const existing = await repo.existingSourceRefs(
    trx,
    organizationId,
    items.map((it) => it.sourceRef),
  );
  const org = await trx
    .selectFrom('organizations')
    .select(['id', 'code'])
    .where('id', '=', organizationId)
    .executeTakeFirst();
  const columnIds = [...new Set(items.map((it) => it.columnId))];
  const columns = new Map(
    (
      await trx
        .selectFrom('columns')
        .select(['id', 'code'])
        .where('organization_id', '=', organizationId)
        .where('id', 'in', columnIds)
        .execute()
    ).map((c) => [c.id, c]),
  );
  if (!org || columnIds.some((id) => !columns.has(id))) throw new ValidationError({ column_id: '栏目不存在。' });

  // New items: not in the database and the first of their source reference in this batch.
  const fresh: ImportedItem[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    if (existing.has(it.sourceRef) || seen.has(it.sourceRef)) continue;
    seen.add(it.sourceRef);
    fresh.push(it);
  }
  const needNumbers = fresh.filter((it) => !it.indexNumber);
  const numbers = await allocateIndexNumbers(
    trx,
    needNumbers.map((it) => ({
      org: org.code,
      column: (columns.get(it.columnId) as { code: string }).code,
      year: Number(it.dateCreated.slice(0, 4)),
    })),
  );
  const allocated = new Map(needNumbers.map((it, i) => [it, numbers[i]]));
  const ts = deps.clock().toISOString();
  const bodies = fresh.map((it) => (it.bodySanitized ? it.bodyHtml : sanitizeBody(it.bodyHtml)));
  // Multi-row statements whose SQL text is built once per shape (src/db/bulk.ts): at a few hundred rows a
  // statement, Kysely's per-value query tree would cost more than the inserts themselves.
  const engine = deps.db.engine;
  const rows = fresh.map((it) =>
    importedItemRow(organizationId, it.columnId, it.indexNumber || (allocated.get(it) as string), it, ts),
  );
  const itemColumns = Object.keys(rows[0] ?? {}) as (keyof ReturnType<typeof importedItemRow>)[];
  const idOf = new Map<string, number>();
  if (rows.length) {
    const ids = await insertRows(
      trx,
      engine,
      'items',
      itemColumns,
      rows.map((r) => itemColumns.map((c) => r[c])),
      ['id', 'source_ref'],
    );
    for (const r of ids) idOf.set(r.source_ref as string, Number(r.id));
  }
  const freshIds = fresh.map((it) => idOf.get(it.sourceRef) as number);

  const attachmentRows = fresh.flatMap((it, i) =>
    (it.attachments ?? []).map((a, k) => [freshIds[i], a.sha256, a.filename, '', 0, k, ts]),
  );
  await insertRows(
    trx,
    engine,
    'item_attachments',
    ['item_id', 'file_sha256', 'filename', 'alt', 'inline', 'sort_order', 'created_at'],
    attachmentRows,
  );
  const publishedFiles = fresh.flatMap((it, i) =>
    [...new Set((it.attachments ?? []).map((a) => a.sha256))].map((sha) => [freshIds[i], sha]),
  );
  await insertRows(trx, engine, 'published_files', ['item_id', 'file_sha256'], publishedFiles);

  const versions = fresh.map((it, i) => importedVersionRow(freshIds[i], it, bodies[i]));
  const versionColumns = Object.keys(versions[0] ?? {}) as (keyof ReturnType<typeof importedVersionRow>)[];
  await insertRows(
    trx,
    engine,
    'item_versions',
    versionColumns,
    versions.map((v) => versionColumns.map((c) => v[c])),
  );
  await insertRows(
    trx,
    engine,
    'item_events',
    ['item_id', 'at', 'actor_user_id', 'actor_name', 'action', 'from_status', 'to_status', 'comment'],
    fresh.map((it, i) => [freshIds[i], ts, actor.userId, actor.name, 'import', null, 'published', it.sourceRef]),
  );

  if (!opts.indexNow) await queueForIndexing(trx, freshIds, deps.clock());
  const afters: (() => void)[] = [];
  for (const [i, it] of fresh.entries())
    afters.push(
      await emit(trx, deps, {
        type: 'item.published',
        itemId: freshIds[i],
        organizationId,
        columnId: it.columnId,
        version: 1,
        at: it.publishedAt,
        imported: true,
        indexQueued: !opts.indexNow,
      }),
    );

  const isFresh = new Set(fresh);
  const results = items.map((it) => ({
    sourceRef: it.sourceRef,
    id: (existing.get(it.sourceRef) ?? idOf.get(it.sourceRef)) as number,
    created: isFresh.has(it),
  }));
  return {
    results,
    // Hooks after commit (page and feed caches): once for the batch, they do not depend on the item.
    after: afters.length ? afters[afters.length - 1] : () => {},
  };
}
