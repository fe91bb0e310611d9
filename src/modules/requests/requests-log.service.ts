import type { Actor } from '../../platform/audit/audit.service.js';
import { recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { type Organization, orgTree, publicOrganization } from '../organizations/organizations.service.js';
import { outcomeOf } from './outcomes.js';
import { personalCipher } from './requests.privacy.js';
import * as repo from './requests-log.repository.js';

// The published request log (依申请公开目录): where an agency's administrator switched it on, a public page
// lists that agency's decided requests whose applicant agreed (publish_consent), with nothing personal: the
// tracking number, the receipt date, what was asked for, the outcome and its date. The description is the
// applicant's own words, so the applicant's name, identity number, phone, email and address are cut out of
// it, and so is anything that looks like an identity number, a phone number or an email address.

export const LOG_LIMIT = 500;
const HIDDEN = '〔已隐去〕';

export interface LogEntry {
  trackingNumber: string;
  receivedOn: string;
  description: string;
  outcome: string;
  outcomeDate: string;
}

/** Removes the given values and anything shaped like an identity number, phone number or email address. */
export function scrub(text: string, personal: readonly string[]): string {
  let out = text;
  const values = personal
    .map((v) => v.trim())
    .filter((v) => v.length >= 2)
    .sort((a, b) => b.length - a.length);
  for (const v of values) out = out.split(v).join(HIDDEN);
  return out
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, HIDDEN)
    .replace(/\d{17}[\dXx]|\d{15}/g, HIDDEN)
    .replace(/[A-Z0-9]{18}/g, HIDDEN) // 统一社会信用代码
    .replace(/(\+?86[\s-]?)?1[3-9]\d{9}/g, HIDDEN)
    .replace(/\d{3,4}-\d{7,8}/g, HIDDEN)
    .replace(/[A-Za-z]{1,2}\d{7,9}/g, HIDDEN); // passports
}

/** The public log of one agency; 404 when the agency has not switched it on. */
export async function publishedLog(deps: Deps, slug: string): Promise<{ org: Organization; entries: LogEntry[] }> {
  const org = await publicOrganization(deps, slug);
  const k = deps.db.kysely;
  if (!(await repo.logEnabled(k, org.id))) throw new NotFoundError('该机关未公开依申请公开办理情况。');
  const cipher = personalCipher(deps.config);
  const dec = (v: string | null) => (v ? cipher.decrypt(v) : '');
  const rows = await repo.publishedRequests(k, org.id, LOG_LIMIT);
  const entries = rows.map((r) => {
    const personal = [r.name_enc, r.id_number_enc, r.legal_representative_enc, r.phone_enc, r.email_enc, r.address_enc]
      .map(dec)
      .filter(Boolean);
    const o = outcomeOf(r.outcome_code);
    return {
      trackingNumber: r.tracking_number,
      receivedOn: r.received_on,
      description: scrub(r.description, personal),
      outcome: o ? o.label : '',
      outcomeDate: r.outcome_date ?? '',
    };
  });
  return { org, entries };
}

/** The organizations whose log the principal may switch, with the current state. */
export async function logSettings(deps: Deps, principal: Principal | null) {
  const tree = await orgTree(deps);
  const on = await repo.enabledOrganizationIds(deps.db.kysely);
  return tree.all
    .filter((o) => o.active && can(principal, 'request_log.manage', tree.chain(o.id)))
    .map((o) => ({ organization: o, enabled: on.has(o.id) }));
}

/** Switches an agency's published request log on or off; audited in the same transaction. */
export async function setRequestLog(
  deps: Deps,
  principal: Principal | null,
  actor: Actor,
  raw: Record<string, string>,
): Promise<{ organization: Organization; enabled: boolean }> {
  const id = Number(raw.organizationId);
  const enabled = raw.enabled === '1';
  if (!['0', '1'].includes(raw.enabled ?? '')) throw new ValidationError({ enabled: '请选择公开或不公开。' });
  const tree = await orgTree(deps);
  const org = Number.isInteger(id) ? tree.byId.get(id) : undefined;
  if (!org?.active) throw new ValidationError({ organizationId: '请选择机关。' });
  if (!can(principal, 'request_log.manage', tree.chain(org.id)))
    throw new ForbiddenError('只有该机关的管理员可以设置依申请公开目录。');
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await repo.logEnabled(trx, org.id);
    await repo.setLogEnabled(trx, org.id, enabled, now.toISOString());
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'request_log.update',
        entityType: 'organization',
        entityId: org.id,
        organizationId: org.id,
        summary: `${enabled ? '公开' : '停止公开'}${org.name}的依申请公开目录`,
        before: { enabled: before },
        after: { enabled },
      },
      now,
    );
  });
  return { organization: org, enabled };
}
