import type { Actor } from '../../platform/audit/audit.service.js';
import { recordAudit } from '../../platform/audit/audit.service.js';
import type { Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import {
  DEFAULT_LETTER_TEMPLATES,
  DEFAULT_LETTER_TITLE,
  LETTER_OUTCOME_GROUPS,
  type LetterOutcomeGroup,
} from '../../platform/letters/defaults.js';
import { letterToDocx, letterToPdf } from '../../platform/letters/render.js';
import {
  assertTemplate,
  chineseDate,
  composeLetter,
  LetterTemplateError,
  type LetterValues,
  REMEDIES_SENTENCE,
} from '../../platform/letters/template.js';
import { beijingDate } from '../../platform/time.js';
import { outcomeOf } from './outcomes.js';
import { personalCipher } from './requests.privacy.js';
import { findByTrackingNumber } from './requests.repository.js';
import { viewPersonal } from './requests.service.js';
import * as repo from './requests-letters.repository.js';

// Reply letters (告知书): editable templates per outcome group — an organization's own, else the district
// default, else the built-in wording — and the letter of a decided request as DOCX or PDF.

export type LetterFormat = 'docx' | 'pdf';

export const LETTER_CONTENT_TYPES: Record<LetterFormat, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
};

export function isLetterGroup(v: string): v is LetterOutcomeGroup {
  return LETTER_OUTCOME_GROUPS.some((g) => g.group === v);
}

export interface EffectiveTemplate {
  group: LetterOutcomeGroup;
  title: string;
  body: string;
  /** organization: its own; district: the district default; built_in: the platform's wording. */
  source: 'organization' | 'district' | 'built_in';
  updatedAt: string | null;
}

/** The template an organization answers with for an outcome group (own → district default → built-in). */
export async function effectiveTemplate(
  deps: Pick<Deps, 'db'>,
  organizationId: number | null,
  group: LetterOutcomeGroup,
): Promise<EffectiveTemplate> {
  const k = deps.db.kysely;
  if (organizationId !== null) {
    const own = await repo.findTemplate(k, organizationId, group);
    if (own) return { group, title: own.title, body: own.body, source: 'organization', updatedAt: own.updated_at };
  }
  const district = await repo.findTemplate(k, null, group);
  if (district)
    return { group, title: district.title, body: district.body, source: 'district', updatedAt: district.updated_at };
  return {
    group,
    title: DEFAULT_LETTER_TITLE,
    body: DEFAULT_LETTER_TEMPLATES[group],
    source: 'built_in',
    updatedAt: null,
  };
}

/** The six templates in force for an organization (null: the district default). */
export async function templatesOf(deps: Pick<Deps, 'db'>, organizationId: number | null): Promise<EffectiveTemplate[]> {
  return Promise.all(LETTER_OUTCOME_GROUPS.map((g) => effectiveTemplate(deps, organizationId, g.group)));
}

/** Validates a template's title and body: ValidationError on `title`/`body`, listing unknown placeholders. */
export function checkTemplateInput(raw: { title?: string; body?: string }): { title: string; body: string } {
  const title = (raw.title ?? '').trim();
  const body = (raw.body ?? '').replace(/\r\n/g, '\n').trim();
  const errors: Record<string, string> = {};
  if (!title) errors.title = '请输入告知书标题。';
  else if (title.length > 60) errors.title = '标题不能超过 60 个字。';
  if (!body) errors.body = '请输入模板正文。';
  else if (body.length > 8000) errors.body = '模板正文不能超过 8000 个字。';
  else {
    try {
      assertTemplate(body);
    } catch (e) {
      if (e instanceof LetterTemplateError) errors.body = `${e.message}。可用的占位符见右侧列表。`;
      else throw e;
    }
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return { title, body };
}

const GROUP_LABEL = (g: LetterOutcomeGroup) => LETTER_OUTCOME_GROUPS.find((x) => x.group === g)?.label ?? g;

/** Saves an organization's (or the district's) template, audited in the same transaction. */
export async function saveTemplate(
  deps: Pick<Deps, 'db'>,
  actor: Actor,
  organizationId: number | null,
  group: LetterOutcomeGroup,
  raw: { title?: string; body?: string },
  now: Date,
): Promise<void> {
  const input = checkTemplateInput(raw);
  const ts = now.toISOString();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await repo.findTemplate(trx, organizationId, group);
    if (before) await repo.updateTemplate(trx, before.id, { ...input, updated_by: actor.userId, now: ts });
    else
      await repo.insertTemplate(trx, {
        organization_id: organizationId,
        outcome_group: group,
        ...input,
        updated_by: actor.userId,
        now: ts,
      });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'letter_template.save',
        entityType: 'letter_template',
        entityId: `${organizationId ?? 'district'}:${group}`,
        organizationId,
        summary: `修改${organizationId === null ? '全区默认' : '本机关'}“${GROUP_LABEL(group)}”告知书模板`,
        before: before ? { title: before.title, body: before.body } : undefined,
        after: input,
      },
      now,
    );
  });
}

/** Removes an organization's own template (the district default or built-in wording applies again). */
export async function resetTemplate(
  deps: Pick<Deps, 'db'>,
  actor: Actor,
  organizationId: number | null,
  group: LetterOutcomeGroup,
  now: Date,
): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await repo.findTemplate(trx, organizationId, group);
    if (!before) throw new NotFoundError('该模板未修改过，无需恢复。');
    await repo.deleteTemplate(trx, before.id);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'letter_template.reset',
        entityType: 'letter_template',
        entityId: `${organizationId ?? 'district'}:${group}`,
        organizationId,
        summary: `恢复${organizationId === null ? '全区默认' : '本机关'}“${GROUP_LABEL(group)}”告知书模板为上级默认`,
        before: { title: before.title, body: before.body },
      },
      now,
    );
  });
}

/** Values for previews: a made-up applicant and request, never real data. */
export function sampleValues(agency: string, now: Date): LetterValues {
  return {
    申请人: '张某某',
    申请日期: chineseDate(beijingDate(new Date(now.getTime() - 20 * 86_400_000))),
    受理编号: '示例-000001',
    申请内容: '（示例）某年度某道路改造工程的招标文件',
    答复内容: '（示例）此处为承办人针对本申请填写的具体答复内容。',
    法律依据: '《中华人民共和国政府信息公开条例》第三十六条',
    救济途径: REMEDIES_SENTENCE,
    机关名称: agency,
    答复日期: chineseDate(beijingDate(now)),
  };
}

/** Renders a template (saved or being edited) with sample values, for the console preview. */
export async function previewLetter(
  t: { title: string; body: string },
  agency: string,
  format: LetterFormat,
  now: Date,
): Promise<Buffer> {
  const letter = composeLetter({
    title: t.title,
    template: t.body,
    values: sampleValues(agency, now),
    releasedFiles: ['（示例）附件一.pdf'],
  });
  return format === 'pdf' ? letterToPdf(letter) : letterToDocx(letter);
}

const DESCRIPTION_MAX = 200;

/**
 * The reply letter of a decided request, from the template in force for its organization and outcome group,
 * with the released files listed. The applicant's name comes from the caller, who decrypts it and audits that
 * full view. ConflictError while the request has no outcome.
 */
export async function requestLetter(
  deps: Pick<Deps, 'db'>,
  q: { requestId: number; applicantName: string; format: LetterFormat; now: Date },
): Promise<{ filename: string; contentType: string; body: Buffer }> {
  const k = deps.db.kysely;
  const r = await repo.requestForLetter(k, q.requestId);
  if (!r) throw new NotFoundError('申请不存在。');
  const outcome = outcomeOf(r.outcome_code);
  if (!outcome) throw new ConflictError('该申请尚未作出答复决定，不能生成告知书。');
  const template = await effectiveTemplate(deps, r.organization_id, outcome.group);
  const description =
    r.description.length > DESCRIPTION_MAX ? `${r.description.slice(0, DESCRIPTION_MAX)}……` : r.description;
  const values: LetterValues = {
    申请人: q.applicantName,
    申请日期: chineseDate(r.received_on),
    受理编号: r.tracking_number,
    申请内容: description.replace(/\s+/g, ' '),
    答复内容: r.outcome_note.trim() || `经审查，您的申请属于“${outcome.label}”的情形。`,
    法律依据: outcome.basis,
    救济途径: REMEDIES_SENTENCE,
    机关名称: r.organization_name,
    答复日期: chineseDate(r.outcome_date ?? beijingDate(q.now)),
  };
  const letter = composeLetter({
    title: template.title,
    template: template.body,
    values,
    reference: `受理编号：${r.tracking_number}`,
    releasedFiles: await repo.releasedFileNames(k, r.id),
  });
  const body = q.format === 'pdf' ? await letterToPdf(letter) : await letterToDocx(letter);
  return { filename: `告知书-${r.tracking_number}.${q.format}`, contentType: LETTER_CONTENT_TYPES[q.format], body };
}

/**
 * The reply letter as the applicant downloads it from the status page (already signed in with the tracking
 * number and query code): their own name, so no staff view to audit. NotFound without a decision.
 */
export async function applicantLetter(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  trackingNumber: string,
  format: LetterFormat,
): Promise<{ filename: string; contentType: string; body: Buffer }> {
  const row = await findByTrackingNumber(deps.db.kysely, trackingNumber);
  if (!row?.outcome_code) throw new NotFoundError('该申请尚未作出答复，暂无告知书。');
  const name = personalCipher(deps.config).decrypt(row.name_enc);
  return requestLetter(deps, { requestId: row.id, applicantName: name, format, now: deps.clock() });
}

/**
 * The reply letter for the disclosure office: it carries the applicant's full name, so only those who may see
 * the full personal data get it, and the view is audited (viewPersonal).
 */
export async function staffLetter(
  deps: Deps,
  principal: Principal | null,
  actor: Actor,
  id: number,
  format: LetterFormat,
): Promise<{ filename: string; contentType: string; body: Buffer }> {
  const personal = await viewPersonal(deps, principal, actor, id);
  return requestLetter(deps, { requestId: id, applicantName: personal.name, format, now: deps.clock() });
}
