import type { Actor } from '../../platform/audit/audit.service.js';
import { recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { FEED_SIZE, type FeedDoc } from '../feeds/feeds.service.js';
import { type Organization, orgTree, publicOrganization } from '../organizations/organizations.service.js';
import { outcomeOf } from './outcomes.js';
import { personalCipher } from './requests.privacy.js';
import * as repo from './requests-log.repository.js';

// The published request log (依申请公开目录): where an agency's administrator switched it on, a public page
// lists that agency's decided requests whose applicant agreed (publish_consent), with nothing personal: the
// tracking number, the receipt date, what was asked for, the outcome and its date. The description is the
// applicant's own words, so the applicant's name, identity number, phone, email and address are cut out of
// it, and so is anything that looks like an identity number, a phone number or an email address.

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

/** Entries per page of the public log. */
export const LOG_PAGE_SIZE = 20;
/** Longest search accepted (characters); longer input is cut. */
export const LOG_QUERY_MAX = 50;

/** The search terms of a query: whitespace-separated, each at least one character, all required. */
export function searchTerms(q: string | undefined): string[] {
  return (q ?? '')
    .slice(0, LOG_QUERY_MAX)
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t.length > 0)
    .slice(0, 5);
}

type LogRow = Awaited<ReturnType<typeof repo.publishedRequests>>[number];

function entryOf(cipher: ReturnType<typeof personalCipher>, r: LogRow): LogEntry {
  const dec = (v: string | null) => (v ? cipher.decrypt(v) : '');
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
}

async function enabledOrganization(deps: Deps, slug: string): Promise<Organization> {
  const org = await publicOrganization(deps, slug);
  if (!(await repo.logEnabled(deps.db.kysely, org.id))) throw new NotFoundError('该机关未公开依申请公开办理情况。');
  return org;
}

export interface LogPage {
  org: Organization;
  entries: LogEntry[];
  /** The query as searched (trimmed), '' for none. */
  q: string;
  page: number;
  pages: number;
  total: number;
}

/**
 * One page of an agency's public log (newest decision first, LOG_PAGE_SIZE a page), optionally only the
 * entries whose scrubbed description or tracking number contains every search term. The search runs on the
 * text the page shows: personal data cut out of a description never match. 404 while the log is off.
 */
export async function publishedLog(
  deps: Deps,
  slug: string,
  opts: { page?: number; q?: string } = {},
): Promise<LogPage> {
  const org = await enabledOrganization(deps, slug);
  const k = deps.db.kysely;
  const cipher = personalCipher(deps.config);
  const terms = searchTerms(opts.q);
  const want = Number.isInteger(opts.page) && (opts.page as number) > 0 ? (opts.page as number) : 1;
  const q = terms.join(' ');
  if (terms.length === 0) {
    const total = await repo.countPublished(k, org.id);
    const pages = Math.max(1, Math.ceil(total / LOG_PAGE_SIZE));
    const page = Math.min(want, pages);
    const rows = await repo.publishedRequests(k, org.id, {
      limit: LOG_PAGE_SIZE,
      offset: (page - 1) * LOG_PAGE_SIZE,
    });
    return { org, entries: rows.map((r) => entryOf(cipher, r)), q, page, pages, total };
  }
  const matches = (await repo.publishedRequests(k, org.id, { terms }))
    .map((r) => entryOf(cipher, r))
    .filter((e) => {
      const text = `${e.trackingNumber} ${e.description}`.toLowerCase();
      return terms.every((t) => text.includes(t));
    });
  const pages = Math.max(1, Math.ceil(matches.length / LOG_PAGE_SIZE));
  const page = Math.min(want, pages);
  return {
    org,
    entries: matches.slice((page - 1) * LOG_PAGE_SIZE, page * LOG_PAGE_SIZE),
    q,
    page,
    pages,
    total: matches.length,
  };
}

/** The log's path, with the search and page kept (page 1 and an empty search are left out). */
export function logHref(slug: string, opts: { q?: string; page?: number } = {}): string {
  const params = new URLSearchParams();
  if (opts.q) params.set('q', opts.q);
  if (opts.page && opts.page > 1) params.set('page', String(opts.page));
  const qs = params.toString();
  return `/org/${encodeURIComponent(slug)}/requests/log${qs ? `?${qs}` : ''}`;
}

/**
 * The log as a feed (the feeds module's RSS and Atom writers): the newest FEED_SIZE entries; each links to the
 * log searched for its tracking number. The same scrubbed text as the page. 404 while the log is off.
 */
export async function requestLogFeed(deps: Deps, slug: string): Promise<FeedDoc> {
  const org = await enabledOrganization(deps, slug);
  const base = deps.config.publicBaseUrl;
  const cipher = personalCipher(deps.config);
  const rows = await repo.publishedRequests(deps.db.kysely, org.id, { limit: FEED_SIZE });
  const entries = rows.map((r) => {
    const e = entryOf(cipher, r);
    const at = `${e.outcomeDate || e.receivedOn}T00:00:00+08:00`;
    return {
      title: `${e.trackingNumber}：${e.outcome}`,
      link: `${base}${logHref(org.slug, { q: e.trackingNumber })}`,
      summary: `申请公开的信息：${e.description}（收到申请 ${e.receivedOn}，答复 ${e.outcomeDate}）`,
      published: new Date(at).toISOString(),
      updated: new Date(at).toISOString(),
    };
  });
  return {
    title: `${org.name}依申请公开目录`,
    description: `${org.name}已作出答复、且申请人同意公开的政府信息公开申请（不含申请人个人信息）`,
    htmlUrl: `${base}${logHref(org.slug)}`,
    author: org.name,
    lastModified: entries.reduce<string | null>((m, e) => (!m || e.updated > m ? e.updated : m), null),
    fallbackUpdated: org.updatedAt,
    entries,
  };
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
