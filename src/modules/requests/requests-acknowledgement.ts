import type { Actor } from '../../platform/audit/audit.service.js';
import { recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { maskName } from '../../platform/identity/identity.js';
import { letterToDocx, letterToPdf } from '../../platform/letters/render.js';
import { chineseDate, type Letter } from '../../platform/letters/template.js';
import { enqueueMail } from '../../platform/mail/mail.service.js';
import { beijingDate } from '../../platform/time.js';
import { orgTree } from '../organizations/organizations.service.js';
import { CHANNELS, type Channel, REPLY_WORKDAYS } from './requests.clock.js';
import { LETTER_CONTENT_TYPES, type LetterFormat } from './requests.letters.js';
import { newQueryCode, personalCipher, queryCodeHash, queryCodeMatches } from './requests.privacy.js';
import * as repo from './requests.repository.js';
import { clockOf } from './requests.service.js';

// The acknowledgement (受理回执) the disclosure office hands or posts to an applicant whose request it
// registered (in person, by post, fax or email): the tracking number and the query code, the receipt date
// and its Art. 31 rule, the due date, and where to follow the request. The query code exists in clear only
// in the answer to the registration (or to a reissue): the page, its print view and the PDF/DOCX are made
// from the code the office's browser posts back, checked against the stored HMAC — the code is never stored,
// put in a URL, a cookie, an audit summary or a log line. A lost code is replaced by a new one (reissue): the
// old one stops working at once, and the reissue is audited and noted in the request's log.

export interface Acknowledgement {
  requestId: number;
  trackingNumber: string;
  queryCode: string;
  organizationName: string;
  channel: string;
  receivedOn: string;
  /** The Art. 31 sentence recorded with the receipt. */
  receiptRule: string;
  dueOn: string | null;
  /** The applicant's name, masked: the receipt needs no more to be recognised. */
  applicant: string;
  description: string;
  statusUrl: string;
  /** The day this code was issued (registration or reissue). */
  issuedOn: string;
  reissued: boolean;
}

const DESCRIPTION_MAX = 120;

async function loadManaged(deps: Deps, principal: Principal | null, id: number) {
  const row = await repo.findById(deps.db.kysely, id);
  if (!row) throw new NotFoundError('申请不存在。');
  const tree = await orgTree(deps);
  if (!can(principal, 'request.manage', tree.chain(row.organization_id)))
    throw new ForbiddenError('您无权处理该机关的申请。');
  return { row, org: tree.byId.get(row.organization_id) };
}

async function build(
  deps: Deps,
  row: repo.RequestRow,
  organizationName: string,
  queryCode: string,
  reissued: boolean,
): Promise<Acknowledgement> {
  const events = await repo.listEvents(deps.db.kysely, row.id);
  const today = beijingDate(deps.clock());
  const clock = clockOf(deps.calendar, row, events, today);
  const received = events.find((e) => e.kind === 'received');
  const lastReissue = [...events].reverse().find((e) => e.kind === 'query_code_reissued');
  const description = row.description.replace(/\s+/g, ' ').trim();
  return {
    requestId: row.id,
    trackingNumber: row.tracking_number,
    queryCode,
    organizationName,
    channel: CHANNELS[row.channel as Channel] ?? row.channel,
    receivedOn: row.received_on,
    receiptRule: (received?.public_note ?? '').replace(/^[^。]*。/, ''),
    dueOn: clock.dueOn,
    applicant: maskName(personalCipher(deps.config).decrypt(row.name_enc)),
    description: description.length > DESCRIPTION_MAX ? `${description.slice(0, DESCRIPTION_MAX)}……` : description,
    statusUrl: `${deps.config.publicBaseUrl}/requests/status`,
    issuedOn: lastReissue?.on_date ?? beijingDate(new Date(row.submitted_at)),
    reissued: reissued || !!lastReissue,
  };
}

/**
 * The acknowledgement of a request, for a query code the office holds (just registered or reissued). The code
 * is checked against the stored HMAC: a wrong or outdated code is refused on `queryCode`.
 */
export async function acknowledgementOf(
  deps: Deps,
  principal: Principal | null,
  id: number,
  queryCode: string,
): Promise<Acknowledgement> {
  const { row, org } = await loadManaged(deps, principal, id);
  if (!queryCodeMatches(deps.config.secretKey, row.tracking_number, queryCode ?? '', row.query_code_hash))
    throw new ValidationError({ queryCode: '查询码不正确或已失效。如申请人遗失查询码，请重新生成。' });
  return build(deps, row, org?.name ?? '', queryCode.trim().toUpperCase(), false);
}

/**
 * Replaces a request's query code with a new one, for an applicant who lost theirs (the office checks who is
 * asking first). The old code stops working at once. Audited and noted in the request's log without the
 * code; the applicant is told by mail (without the code) when they gave an address. Returns the
 * acknowledgement carrying the new code, to show once.
 */
export async function reissueQueryCode(
  deps: Deps,
  principal: Principal | null,
  actor: Actor,
  id: number,
): Promise<Acknowledgement> {
  const { row, org } = await loadManaged(deps, principal, id);
  const now = deps.clock();
  const ts = now.toISOString();
  const today = beijingDate(now);
  const code = newQueryCode();
  const cipher = personalCipher(deps.config);
  const email = row.email_enc ? cipher.decrypt(row.email_enc) : '';
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.updateRequest(trx, row.id, {
      query_code_hash: queryCodeHash(deps.config.secretKey, row.tracking_number, code),
      updated_at: ts,
    });
    await repo.insertEvent(trx, {
      request_id: row.id,
      kind: 'query_code_reissued',
      on_date: today,
      deadline: null,
      workdays: null,
      amount: null,
      approved_by: null,
      from_organization_id: null,
      to_organization_id: null,
      to_user_id: null,
      public_note: '应申请人要求重新生成查询码，原查询码已失效。',
      internal_note: '',
      actor_user_id: actor.userId,
      actor_name: actor.name,
      created_at: ts,
    });
    if (email)
      await enqueueMail(
        trx,
        {
          to: email,
          subject: `【${org?.name ?? ''}】您的政府信息公开申请查询码已重新生成（${row.tracking_number}）`,
          text: [
            '您好：',
            '',
            `应您的要求，${org?.name ?? ''}已于 ${today} 为您的申请（受理编号 ${row.tracking_number}）重新生成查询码，原查询码已失效。新的查询码见工作人员交给您的受理回执。`,
            '如果您没有提出这一要求，请尽快与受理机关联系。',
            '',
            `${deps.config.site.name} 政务公开`,
          ].join('\n'),
        },
        now,
      );
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'request.reissue_query_code',
        entityType: 'request',
        entityId: row.id,
        organizationId: row.organization_id,
        summary: `为申请 ${row.tracking_number} 重新生成查询码（原查询码作废）`,
      },
      now,
    );
  });
  const fresh = (await repo.findById(deps.db.kysely, row.id)) ?? row;
  return build(deps, fresh, org?.name ?? '', code, true);
}

/** The acknowledgement's paragraphs, shared by the page, the PDF and the DOCX. */
export function acknowledgementParagraphs(a: Acknowledgement): string[] {
  return [
    `${chineseDate(a.receivedOn)}，本机关通过${a.channel}收到您的政府信息公开申请，申请内容为：“${a.description}”。${a.receiptRule}`,
    a.dueOn
      ? `依照《中华人民共和国政府信息公开条例》第三十三条，本机关将自收到申请之日起 ${REPLY_WORKDAYS} 个工作日内（即${chineseDate(a.dueOn)}前）予以答复；需要补正、征求第三方或其他机关意见、缴纳信息处理费或者延长答复期限的，将另行告知，期限依法相应调整。`
      : '依照《中华人民共和国政府信息公开条例》第三十三条，本机关将依法在答复期限内予以答复，答复期限的变化将另行告知。',
    `受理编号：${a.trackingNumber}；查询码：${a.queryCode}${a.reissued ? `（${chineseDate(a.issuedOn)}重新生成，此前的查询码已失效）` : ''}。凭受理编号和查询码，可在 ${a.statusUrl} 查询办理进度、提交补正材料和下载答复告知书。`,
    '查询码相当于密码，请妥善保管，不要告知他人。遗失的，可持本人身份证件（法人或其他组织持相关证明）向本机关申请重新生成，原查询码随即失效。',
  ];
}

/** The acknowledgement as a letter for the shared PDF/DOCX layout. */
export function acknowledgementLetter(a: Acknowledgement): Letter {
  return {
    title: '政府信息公开申请受理回执',
    reference: `受理编号：${a.trackingNumber}`,
    addressee: a.applicant || '申请人',
    paragraphs: acknowledgementParagraphs(a),
    releasedFiles: [],
    agency: a.organizationName,
    date: chineseDate(a.issuedOn),
  };
}

export async function acknowledgementDocument(
  a: Acknowledgement,
  format: LetterFormat,
): Promise<{ filename: string; contentType: string; body: Buffer }> {
  const letter = acknowledgementLetter(a);
  const body = format === 'pdf' ? await letterToPdf(letter) : await letterToDocx(letter);
  return { filename: `受理回执-${a.trackingNumber}.${format}`, contentType: LETTER_CONTENT_TYPES[format], body };
}
