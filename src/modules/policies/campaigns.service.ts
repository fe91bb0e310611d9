import { z } from 'zod';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { clearPageCache } from '../../platform/http/portal.js';
import { beijingDate } from '../../platform/time.js';
import { directoryOf } from '../directory/directory.service.js';
import { orgTree } from '../organizations/organizations.service.js';
import { findItem } from '../publishing/publishing.repository.js';
import { insertDraft, prepareDraft, publishInTransaction } from '../publishing/publishing.service.js';
import { itemHref } from '../publishing/views/public.js';
import { refreshStatus } from './policies.service.js';

// Cleanup campaigns (规范性文件清理): an administrator selects published documents to review; each gets a
// decision (继续有效, 修改, 废止, 宣布失效) with a reason, approved by an approver; closing the campaign applies
// the decisions (废止 and 宣布失效 end the documents that day, announced like any status change) and publishes
// the result list.

export const DECISIONS = { keep: '继续有效', amend: '修改', abolish: '废止', expire: '宣布失效' } as const;
export type Decision = keyof typeof DECISIONS;

const createInput = z.object({
  name: z.string().trim().min(4, { message: '请填写清理工作的名称。' }).max(100),
  policy_ids: z
    .string()
    .trim()
    .transform((s) => [
      ...new Set(
        s
          .split(/[\s,，、]+/)
          .filter(Boolean)
          .map(Number),
      ),
    ])
    .refine((ids) => ids.length > 0 && ids.every((n) => Number.isInteger(n) && n > 0), {
      message: '请填写要清理的政策文件编号（用逗号分隔）。',
    }),
});

const decideInput = z.object({
  decision: z.enum(['keep', 'amend', 'abolish', 'expire'], { message: '请选择清理意见。' }),
  reason: z.string().trim().min(4, { message: '请填写清理意见的理由。' }).max(1000),
});

async function campaignOrThrow(deps: Deps, id: number) {
  const c = await deps.db.kysely.selectFrom('policy_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  if (!c) throw new NotFoundError('清理工作不存在。');
  return c;
}

async function assertCan(deps: Deps, p: Principal, perm: 'campaign.manage' | 'campaign.approve', orgId: number) {
  const tree = await orgTree(deps);
  if (!can(p, perm, tree.chain(orgId))) throw new ForbiddenError('您无权办理该机构的规范性文件清理。');
}

/** Opens a campaign over published documents of the organization (or its sub-organizations). */
export async function createCampaign(deps: Deps, p: Principal, actor: Actor, organizationId: number, raw: unknown) {
  const input = parseOrThrow(createInput, raw);
  await assertCan(deps, p, 'campaign.manage', organizationId);
  const k = deps.db.kysely;
  const tree = await orgTree(deps);
  for (const id of input.policy_ids) {
    const row = await k
      .selectFrom('policies as x')
      .innerJoin('items as i', 'i.id', 'x.item_id')
      .select(['i.organization_id', 'i.published_version'])
      .where('x.id', '=', id)
      .executeTakeFirst();
    if (!row || row.published_version === 0)
      throw new ValidationError({ policy_ids: `编号为 ${id} 的政策文件不存在或尚未公开。` });
    if (!tree.chain(row.organization_id).includes(organizationId))
      throw new ValidationError({ policy_ids: `编号为 ${id} 的政策文件不属于本机构。` });
  }
  const now = deps.clock();
  return k.transaction().execute(async (trx) => {
    const c = await trx
      .insertInto('policy_campaigns')
      .values({
        organization_id: organizationId,
        name: input.name,
        status: 'open',
        created_by: p.userId,
        created_at: now.toISOString(),
        closed_at: null,
        closed_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('policy_campaign_entries')
      .values(
        input.policy_ids.map((policy_id) => ({
          campaign_id: c.id,
          policy_id,
          decision: null,
          reason: '',
          decided_by: null,
          approved_by: null,
          approved_at: null,
        })),
      )
      .execute();
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'campaign.create',
        entityType: 'policy_campaign',
        entityId: c.id,
        organizationId,
        summary: `开展规范性文件清理：${input.name}（${input.policy_ids.length} 件）`,
        after: input,
      },
      now,
    );
    return c.id;
  });
}

async function entryOrThrow(deps: Deps, campaignId: number, entryId: number) {
  const c = await campaignOrThrow(deps, campaignId);
  const e = await deps.db.kysely
    .selectFrom('policy_campaign_entries')
    .selectAll()
    .where('id', '=', entryId)
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  if (!e) throw new NotFoundError('清理条目不存在。');
  if (c.status !== 'open') throw new ConflictError('该清理工作已结束。');
  return { c, e };
}

/** Records the decision and reason for one document; a changed decision needs a new approval. */
export async function decide(
  deps: Deps,
  p: Principal,
  actor: Actor,
  campaignId: number,
  entryId: number,
  raw: unknown,
) {
  const input = parseOrThrow(decideInput, raw);
  const { c } = await entryOrThrow(deps, campaignId, entryId);
  await assertCan(deps, p, 'campaign.manage', c.organization_id);
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable('policy_campaign_entries')
      .set({
        decision: input.decision,
        reason: input.reason,
        decided_by: p.userId,
        approved_by: null,
        approved_at: null,
      })
      .where('id', '=', entryId)
      .execute();
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'campaign.decide',
        entityType: 'policy_campaign',
        entityId: campaignId,
        organizationId: c.organization_id,
        summary: `清理意见：${DECISIONS[input.decision]}（${input.reason}）`,
        after: { entryId, ...input },
      },
      now,
    );
  });
}

/** Approves a decided entry (签发人). */
export async function approveEntry(deps: Deps, p: Principal, actor: Actor, campaignId: number, entryId: number) {
  const { c, e } = await entryOrThrow(deps, campaignId, entryId);
  await assertCan(deps, p, 'campaign.approve', c.organization_id);
  if (!e.decision) throw new ValidationError({ decision: '请先填写清理意见。' });
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable('policy_campaign_entries')
      .set({ approved_by: p.userId, approved_at: now.toISOString() })
      .where('id', '=', entryId)
      .execute();
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'campaign.approve',
        entityType: 'policy_campaign',
        entityId: campaignId,
        organizationId: c.organization_id,
        summary: `批准清理意见：${DECISIONS[e.decision as Decision]}`,
        after: { entryId },
      },
      now,
    );
  });
}

const escapeHtml = (t: string) =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The result list (清理结果) as the body of an information item: one row per document and its decision. */
export function resultBody(
  campaign: { name: string },
  entries: {
    title: string;
    doc_number: string;
    decision: string | null;
    reason: string;
    org_slug: string;
    item_id: number;
  }[],
  today: string,
): string {
  const counts = Object.entries(DECISIONS)
    .map(([k, label]) => [label, entries.filter((e) => e.decision === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${label} ${n} 件`)
    .join('，');
  const rows = entries
    .map(
      (e, i) =>
        `<tr><td>${i + 1}</td><td><a href="${itemHref(e.org_slug, e.item_id)}">${escapeHtml(e.title)}</a></td><td>${escapeHtml(e.doc_number)}</td><td>${e.decision ? DECISIONS[e.decision as Decision] : ''}</td><td>${escapeHtml(e.reason)}</td></tr>`,
    )
    .join('');
  return (
    `<p>经${escapeHtml(campaign.name)}，共清理文件 ${entries.length} 件：${counts}。决定废止和宣布失效的文件自 ${today} 起不再执行。</p>` +
    `<table><thead><tr><th>序号</th><th>文件名称</th><th>文号</th><th>清理意见</th><th>理由</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

/**
 * Closes the campaign once every document has an approved decision, in one transaction: 废止 and 宣布失效 take
 * effect today (the documents' pages carry the banner, subscribers are told), and the result list is published
 * as an information item — in the organization's 政策文件 column, or the column the administrator picked —
 * listing each document's decision. Returns the result item's id.
 */
export async function closeCampaign(
  deps: Deps,
  p: Principal,
  actor: Actor,
  campaignId: number,
  opts: { columnId?: number } = {},
): Promise<number> {
  const c = await campaignOrThrow(deps, campaignId);
  await assertCan(deps, p, 'campaign.manage', c.organization_id);
  if (c.status !== 'open') throw new ConflictError('该清理工作已结束。');
  const { entries } = await campaignView(deps, campaignId);
  const open = entries.filter((e) => !e.decision || !e.approved_by);
  if (open.length)
    throw new ValidationError({ close: `还有 ${open.length} 件文件没有经批准的清理意见，不能结束清理。` });
  const now = deps.clock();
  const today = beijingDate(now);
  const dir = await directoryOf(deps, c.organization_id);
  const columnId = opts.columnId ?? dir.bySlug.get('policies')?.id;
  if (!columnId) throw new ValidationError({ column_id: '本机构没有“政策文件”栏目，请选择公布清理结果的栏目。' });
  // Checked like any draft (the column is the organization's, open, not a single page) before the transaction.
  const prepared = await prepareDraft(deps, c.organization_id, {
    column_id: String(columnId),
    title: `${c.name}结果`.slice(0, 200),
    doc_number: '',
    date_created: today,
    theme: '综合政务',
    genre: '公告',
    keywords: '规范性文件清理',
    summary: `${c.name}：清理文件 ${entries.length} 件的结果。`.slice(0, 500),
    body_html: resultBody(c, entries, today),
    disclosure: 'proactive',
    exemption: '',
    five_category: 'result',
    disclosure_method: '政府网站',
  });
  const afters: (() => void)[] = [];
  const itemId = await deps.db.kysely.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('policy_campaigns')
      .set({ status: 'closed', closed_at: now.toISOString(), closed_by: p.userId })
      .where('id', '=', campaignId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new ConflictError('该清理工作已结束。');
    for (const e of entries) {
      if (e.decision !== 'abolish' && e.decision !== 'expire') continue;
      await trx
        .updateTable('policies')
        .set({
          declared_status: e.decision === 'abolish' ? 'abolished' : 'expired',
          declared_on: today,
          updated_at: now.toISOString(),
        })
        .where('id', '=', e.policy_id)
        .execute();
      const after = await refreshStatus(trx, deps, e.policy_id, now);
      if (after) afters.push(after);
    }
    // The result list: a draft published at once, by the closing administrator, in the same transaction.
    const id = await insertDraft(trx, deps, p.userId, actor, prepared, now);
    const item = await findItem(trx, id);
    afters.push(await publishInTransaction(trx, deps, item!, actor, ['draft'], p.userId, now));
    await trx.updateTable('policy_campaigns').set({ result_item_id: id }).where('id', '=', campaignId).execute();
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'campaign.close',
        entityType: 'policy_campaign',
        entityId: campaignId,
        organizationId: c.organization_id,
        summary: `结束规范性文件清理：${c.name}，公布清理结果（信息 ${id}）`,
        after: {
          result_item_id: id,
          column_id: columnId,
          entries: entries.map((e) => ({ policy_id: e.policy_id, decision: e.decision })),
        },
      },
      now,
    );
    return id;
  });
  clearPageCache();
  for (const a of afters) a();
  return itemId;
}

/** A campaign with its entries and their documents (titles, 文号). */
export async function campaignView(deps: Deps, campaignId: number) {
  const c = await campaignOrThrow(deps, campaignId);
  const entries = await deps.db.kysely
    .selectFrom('policy_campaign_entries as e')
    .innerJoin('policies as x', 'x.id', 'e.policy_id')
    .innerJoin('items as i', 'i.id', 'x.item_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select([
      'e.id',
      'e.policy_id',
      'e.decision',
      'e.reason',
      'e.approved_by',
      'x.item_id',
      'x.doc_number',
      'i.title',
      'o.slug as org_slug',
    ])
    .where('e.campaign_id', '=', campaignId)
    .orderBy('e.id')
    .execute();
  return { campaign: c, entries };
}

export function campaignsOf(deps: Deps, organizationIds: number[]) {
  if (organizationIds.length === 0) return Promise.resolve([]);
  return deps.db.kysely
    .selectFrom('policy_campaigns')
    .selectAll()
    .where('organization_id', 'in', organizationIds)
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
}
