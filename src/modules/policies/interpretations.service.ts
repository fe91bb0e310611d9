import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { onEvent } from '../../platform/events.js';
import { CAPTION_TYPES, storeFile, VIDEO_TYPES } from '../../platform/files/files.service.js';
import { imagesMissingAlt, sanitizeBody } from '../../platform/html/sanitize.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { beijingDate } from '../../platform/time.js';
import { orgTree } from '../organizations/organizations.service.js';
import * as itemRepo from '../publishing/publishing.repository.js';
import {
  addWorkflowHook,
  attachFile,
  createDraft,
  publishInTransaction,
  type WorkflowAction,
} from '../publishing/publishing.service.js';
import * as repo from './interpretations.repository.js';
import {
  FORM_KEYS,
  INTERPRETATION_FORMS,
  type InterpretationForm,
  interpretationInput,
  type MediaRole,
} from './interpretations.schema.js';
import * as policyRepo from './policies.repository.js';
import { changeInterpretation, interpretationAsRevised, policyAsRevised, stagesEdits } from './staged.js';

// Interpretations (政策解读) and the three synchronizations (三同步): a 行政规范性文件 goes to review together
// with its interpretations (or with a reason why none is needed, which the approver must accept); each step
// of the policy (submit, review, approve, return) moves its unpublished interpretations with it in the same
// transaction; and publishing the policy publishes them in that transaction — all of them or none.

const MAX_VIDEO_BYTES = 500 * 1024 * 1024;

async function itemOrThrow(db: Kysely<Database>, itemId: number) {
  const item = await itemRepo.findItem(db, itemId);
  if (!item) throw new NotFoundError('信息不存在。');
  return item;
}

/**
 * Makes a draft item an interpretation of one or more policy documents (or updates it). The responsible
 * organization defaults to the first policy's drafting organization (谁起草谁解读).
 */
export async function saveInterpretation(deps: Deps, p: Principal, actor: Actor, itemId: number, raw: unknown) {
  const input = parseOrThrow(interpretationInput, raw);
  const k = deps.db.kysely;
  const item = await itemOrThrow(k, itemId);
  const tree = await orgTree(deps);
  if (!can(p, 'interpretation.edit', tree.chain(item.organization_id)))
    throw new ForbiddenError('您无权编辑该机构的政策解读。');
  if (item.status !== 'draft') throw new ValidationError({ form: '只有草稿状态的信息可以修改解读属性。' });
  if (item.kind === 'policy') throw new ValidationError({ form: '该信息已设为政策文件，不能同时设为政策解读。' });
  // A published interpretation's row is public: a revision's changes wait for its publication (staged.ts).
  const staging = stagesEdits(item);
  if (staging && item.kind !== 'interpretation')
    throw new ValidationError({
      form: '已发布的信息不能在修订时设为政策解读：解读属性须在首次发布前设置，请新建草稿。',
    });
  const policies: policyRepo.PolicyRow[] = [];
  for (const id of input.policy_ids) {
    const pol = await policyRepo.findPolicy(k, id);
    if (!pol) throw new ValidationError({ policy_ids: `编号为 ${id} 的政策文件不存在。` });
    if (pol.item_id === itemId) throw new ValidationError({ policy_ids: '解读不能关联自身。' });
    policies.push(pol);
  }
  const responsible = input.responsible_organization_id ?? policies[0].drafting_organization_id;
  if (!tree.byId.get(responsible)) throw new ValidationError({ responsible_organization_id: '解读责任单位不存在。' });
  if (input.by_principal && input.principal_name.length < 2)
    throw new ValidationError({ principal_name: '主要负责人解读须填写解读人姓名和职务。' });
  const transcript = sanitizeBody(input.transcript_html);
  if (imagesMissingAlt(transcript).length)
    throw new ValidationError({ transcript_html: '访谈实录中的图片须填写替代文字（alt）。' });
  const now = deps.clock();
  const ts = now.toISOString();
  return k.transaction().execute(async (trx) => {
    const existing = await repo.findByItem(trx, itemId);
    const fields = {
      form: input.form,
      responsible_organization_id: responsible,
      by_principal: input.by_principal ? 1 : 0,
      principal_name: input.by_principal ? input.principal_name : '',
      transcript_html: transcript,
    };
    const policyIds = policies.map((x) => x.id);
    let id: number;
    if (existing) {
      id = existing.id;
      await changeInterpretation(trx, item, existing, { fields, policyIds }, ts);
    } else {
      id = await repo.insert(trx, {
        ...fields,
        item_id: itemId,
        organization_id: item.organization_id,
        video_sha256: null,
        poster_sha256: null,
        captions_sha256: null,
        created_at: ts,
        updated_at: ts,
      });
      await repo.setPolicies(trx, id, policyIds, ts);
    }
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: existing ? 'interpretation.update' : 'interpretation.create',
        entityType: 'interpretation',
        entityId: id,
        organizationId: item.organization_id,
        summary: `${existing ? '修改' : '设置'}政策解读：${item.title}（${INTERPRETATION_FORMS[input.form]}）${staging ? '，随修订发布后生效' : ''}`,
        after: { ...fields, transcript_html: `[${transcript.length} chars]`, policy_ids: input.policy_ids },
      },
      now,
    );
    return id;
  });
}

/**
 * 撰写解读 from a policy's console page: a new draft in the policy's organization and column, titled after the
 * policy and the form, already linked to the policy as its interpretation in that form, with the responsible
 * organization the policy's drafting organization (谁起草谁解读) — all in one transaction. Returns the item id.
 */
export async function draftInterpretation(
  deps: Deps,
  p: Principal,
  actor: Actor,
  policyId: number,
  form: string,
): Promise<number> {
  if (!(FORM_KEYS as string[]).includes(form)) throw new ValidationError({ form: '请选择解读形式。' });
  const f = form as InterpretationForm;
  const k = deps.db.kysely;
  const policy = await policyRepo.findPolicy(k, policyId);
  if (!policy) throw new NotFoundError('政策文件不存在。');
  const pItem = await itemOrThrow(k, policy.item_id);
  const tree = await orgTree(deps);
  if (!can(p, 'interpretation.edit', tree.chain(pItem.organization_id)))
    throw new ForbiddenError('您无权撰写该机构的政策解读。');
  const now = deps.clock();
  const ts = now.toISOString();
  const suffix = INTERPRETATION_FORMS[f];
  const name =
    pItem.title.length + suffix.length + 2 > 200 ? `${pItem.title.slice(0, 197 - suffix.length)}…` : pItem.title;
  const title = `《${name}》${suffix}`;
  return createDraft(
    deps,
    p,
    actor,
    pItem.organization_id,
    {
      column_id: String(pItem.column_id),
      title,
      doc_number: '',
      date_created: beijingDate(now),
      theme: pItem.theme,
      genre: '其他',
      keywords: '政策解读',
      summary: '',
      body_html: '',
      disclosure: 'proactive',
      exemption: '',
      five_category: 'decision',
      disclosure_method: pItem.disclosure_method || '政府网站',
    },
    {
      inTransaction: async (trx, itemId) => {
        const id = await repo.insert(trx, {
          item_id: itemId,
          organization_id: pItem.organization_id,
          form: f,
          responsible_organization_id: policy.drafting_organization_id,
          by_principal: 0,
          principal_name: '',
          transcript_html: '',
          video_sha256: null,
          poster_sha256: null,
          captions_sha256: null,
          created_at: ts,
          updated_at: ts,
        });
        await repo.setPolicies(trx, id, [policy.id], ts);
        await recordAudit(
          trx,
          deps.db.engine,
          actor,
          {
            action: 'interpretation.create',
            entityType: 'interpretation',
            entityId: id,
            organizationId: pItem.organization_id,
            summary: `撰写解读：${title}`,
            after: { item_id: itemId, form: f, policy_ids: [policy.id] },
          },
          now,
        );
      },
    },
  );
}

/** Stores a video (mp4/webm), its poster (jpg/png) or WebVTT captions for a video interpretation's draft. */
export async function attachMedia(
  deps: Deps,
  p: Principal,
  actor: Actor,
  itemId: number,
  role: MediaRole,
  file: { bytes: Uint8Array; filename: string; alt?: string },
) {
  const k = deps.db.kysely;
  const [item, t] = await Promise.all([itemOrThrow(k, itemId), repo.findByItem(k, itemId)]);
  if (!t) throw new NotFoundError('请先设置解读属性。');
  const allowed = role === 'video' ? VIDEO_TYPES : role === 'captions' ? CAPTION_TYPES : (['jpg', 'png'] as const);
  if (role === 'poster' && (file.alt ?? '').trim().length < 2)
    throw new ValidationError({ alt: '封面图须填写替代文字，说明图片内容。' });
  const stored = await storeFile(
    deps.db,
    deps.config.dataDir,
    file.bytes,
    file.filename,
    { allowed, maxBytes: MAX_VIDEO_BYTES, field: 'file' },
    deps.clock(),
  );
  // Attached to the item through publishing, so the file is public exactly when the item is published.
  await attachFile(deps, p, actor, itemId, {
    sha256: stored.sha256,
    filename: file.filename,
    alt: file.alt ?? '',
    inline: false,
  });
  // On a revision of a published interpretation the new file replaces the old one when the revision is published.
  await changeInterpretation(k, item, t, { fields: { [`${role}_sha256`]: stored.sha256 } }, deps.clock().toISOString());
  return stored;
}

/** What still keeps an interpretation from going to review (empty when it may go). */
export async function interpretationProblems(db: Kysely<Database>, itemId: number): Promise<string[]> {
  const row = await repo.findByItem(db, itemId);
  if (!row) return [];
  const t = interpretationAsRevised(row);
  const item = await itemOrThrow(db, itemId);
  const out: string[] = [];
  const form = t.form as InterpretationForm;
  if (form === 'graphic') {
    const images = (await itemRepo.listAttachments(db, itemId)).filter((a) => a.inline);
    if (!/<img\b/i.test(item.body_html) && images.length === 0)
      out.push('图片解读须在正文中插入至少一张图解（并填写替代文字）。');
  }
  if (form === 'video') {
    if (!t.video_sha256) out.push('视频解读须上传视频（MP4 或 WebM）。');
    if (!t.poster_sha256) out.push('视频解读须上传封面图。');
    if (!t.captions_sha256) out.push('视频解读须上传 WebVTT 字幕。');
  }
  if (form === 'interview' && t.transcript_html.trim() === '') out.push('访谈解读须填写访谈实录。');
  return out;
}

/** 三同步 state of a policy: its interpretations and whether it may be submitted or approved now. */
export async function bundleOf(db: Kysely<Database>, policyId: number) {
  const policy = await policyRepo.findPolicy(db, policyId);
  if (!policy) throw new NotFoundError('政策文件不存在。');
  const interpretations = await repo.ofPolicy(db, policyId);
  const pending = interpretations.filter((x) => x.published_version === 0 && !x.withdrawn);
  // The type a revision will publish decides (a revision may make a document normative).
  const requiresInterpretation = policyAsRevised(policy).policy_type === 'normative';
  return { policy, interpretations, pending, requiresInterpretation };
}

const MOVES: Partial<Record<WorkflowAction, { from: string[]; to: string }>> = {
  submit: { from: ['draft'], to: 'submitted' },
  review: { from: ['submitted'], to: 'reviewed' },
  approve: { from: ['reviewed'], to: 'approved' },
  return: { from: ['submitted', 'reviewed'], to: 'draft' },
};

/** Registers the 三同步 workflow hooks and the atomic bundle publication (idempotent). */
export function registerInterpretationHooks() {
  addWorkflowHook({
    name: 'policies.three-sync',
    async before(deps, item, action) {
      if (action !== 'submit' && action !== 'approve') return;
      const k = deps.db.kysely;
      const policy = await policyRepo.findPolicyByItem(k, item.id);
      if (!policy) {
        if (action === 'submit') {
          const problems = await interpretationProblems(k, item.id);
          if (problems.length) throw new ValidationError({ interpretation: problems.join(' ') });
        }
        return;
      }
      const b = await bundleOf(k, policy.id);
      if (action === 'submit') {
        if (b.requiresInterpretation && b.interpretations.length === 0 && policy.interpretation_waiver.trim() === '')
          throw new ValidationError({
            interpretation:
              '行政规范性文件须与政策解读同步报送（三同步）：请先起草解读（如图解、文字解读），或填写无需解读的理由。',
          });
        const notDraft = b.pending.filter((x) => x.status !== 'draft');
        if (notDraft.length)
          throw new ValidationError({
            interpretation: `解读“${notDraft[0].title}”已在审核流程中，请先退回后与文件一并报送。`,
          });
        for (const x of b.pending) {
          const problems = await interpretationProblems(k, x.item_id);
          if (problems.length) throw new ValidationError({ interpretation: `解读“${x.title}”：${problems.join(' ')}` });
        }
      }
      if (
        action === 'approve' &&
        b.requiresInterpretation &&
        b.interpretations.length === 0 &&
        policy.waiver_accepted_by === null
      )
        throw new ValidationError({
          interpretation: '本文件未附政策解读。签发前，签发人须先接受起草人填写的无需解读的理由。',
        });
    },
    async during(trx, _deps, s) {
      const move = MOVES[s.action];
      if (!move) return;
      const policy = await policyRepo.findPolicyByItem(trx, s.item.id);
      if (!policy) return;
      for (const x of await repo.ofPolicy(trx, policy.id)) {
        if (x.published_version > 0 || x.withdrawn || !move.from.includes(x.status)) continue;
        const patch: Record<string, unknown> = { status: move.to, updated_at: s.now.toISOString() };
        if (s.action === 'submit') patch.submitted_by = s.p.userId;
        if (s.action === 'review') patch.reviewed_by = s.p.userId;
        if (s.action === 'approve') patch.approved_by = s.p.userId;
        if (!(await itemRepo.transition(trx, x.item_id, move.from, patch)))
          throw new ConflictError(`解读“${x.title}”的状态已被他人改变，请刷新后重试。`);
        await itemRepo.insertEvent(trx, {
          item_id: x.item_id,
          at: s.now.toISOString(),
          actor_user_id: s.actor.userId,
          actor_name: s.actor.name,
          action: s.action,
          from_status: x.status,
          to_status: move.to,
          comment: `随政策文件《${s.item.title}》一并办理（三同步）`,
        });
      }
    },
  });

  // Publishing the policy publishes its approved interpretations in the same transaction: a failure of any
  // of them rolls the whole bundle back, so the public never sees one without the other.
  onEvent('policies.bundle', async (trx, event, deps) => {
    if (event.type !== 'item.published' || event.imported) return;
    const policy = await policyRepo.findPolicyByItem(trx, event.itemId);
    if (!policy) return;
    const now = new Date(event.at);
    for (const x of await repo.ofPolicy(trx, policy.id)) {
      if (x.published_version > 0 || x.withdrawn) continue;
      if (x.status !== 'approved')
        throw new ConflictError(`解读“${x.title}”尚未签发，不能与政策文件一并发布（三同步）。`);
      const item = await itemOrThrow(trx, x.item_id);
      const approver = item.approved_by;
      await publishInTransaction(
        trx,
        deps,
        item,
        { userId: approver, name: '三同步（随政策文件发布）', ip: '' },
        ['approved'],
        approver,
        now,
      );
    }
  });
}

/** Accepts (as approver) the drafter's reason why a 行政规范性文件 needs no interpretation. */
export async function acceptWaiver(deps: Deps, p: Principal, actor: Actor, policyId: number) {
  const k = deps.db.kysely;
  const policy = await policyRepo.findPolicy(k, policyId);
  if (!policy) throw new NotFoundError('政策文件不存在。');
  const tree = await orgTree(deps);
  if (!can(p, 'interpretation.waive', tree.chain(policy.organization_id)))
    throw new ForbiddenError('只有签发人可以接受无需解读的理由。');
  if (!policy.interpretation_waiver.trim()) throw new ValidationError({ waiver: '起草人尚未填写无需解读的理由。' });
  const now = deps.clock();
  await k.transaction().execute(async (trx) => {
    await policyRepo.updatePolicy(trx, policyId, { waiver_accepted_by: p.userId, updated_at: now.toISOString() });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'interpretation.waive',
        entityType: 'policy',
        entityId: policyId,
        organizationId: policy.organization_id,
        summary: `接受无需解读的理由：${policy.interpretation_waiver}`,
      },
      now,
    );
  });
}

/** Records (as drafter) why a 行政规范性文件 needs no interpretation; a changed reason needs a new acceptance. */
export async function setWaiver(deps: Deps, p: Principal, actor: Actor, policyId: number, reason: string) {
  const k = deps.db.kysely;
  const policy = await policyRepo.findPolicy(k, policyId);
  if (!policy) throw new NotFoundError('政策文件不存在。');
  const tree = await orgTree(deps);
  if (!can(p, 'policy.edit', tree.chain(policy.organization_id))) throw new ForbiddenError('您无权编辑该政策文件。');
  const text = reason.trim();
  if (text.length > 0 && text.length < 6)
    throw new ValidationError({ waiver: '请具体说明无需解读的理由（至少 6 个字）。' });
  const now = deps.clock();
  await k.transaction().execute(async (trx) => {
    await policyRepo.updatePolicy(trx, policyId, {
      interpretation_waiver: text,
      waiver_accepted_by: null,
      updated_at: now.toISOString(),
    });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'policy.waiver',
        entityType: 'policy',
        entityId: policyId,
        organizationId: policy.organization_id,
        summary: text ? `填写无需解读的理由：${text}` : '清除无需解读的理由',
      },
      now,
    );
  });
}

/** Published interpretations linked to a published policy, grouped by form in the forms' order (相关解读). */
export async function relatedInterpretations(db: Kysely<Database>, policyId: number) {
  const rows = (await repo.ofPolicy(db, policyId)).filter((x) => x.published_version > 0 && !x.withdrawn);
  const groups: { form: InterpretationForm; label: string; items: typeof rows }[] = [];
  for (const form of Object.keys(INTERPRETATION_FORMS) as InterpretationForm[]) {
    const items = rows.filter((r) => r.form === form);
    if (items.length) groups.push({ form, label: INTERPRETATION_FORMS[form], items });
  }
  return groups;
}
