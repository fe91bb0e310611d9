import type { Deps } from '../../platform/context.js';
import { searchDocuments } from '../../platform/search/search.repository.js';
import { parseQuery } from '../../platform/search/search.service.js';
import type { OrgTree } from '../organizations/organizations.service.js';
import { orgTree } from '../organizations/organizations.service.js';
import { parseDocNumber } from './doc-number.js';
import * as irepo from './interpretations.repository.js';
import * as repo from './policies.repository.js';
import { statusOf } from './policies.service.js';
import { POLICY_STATUS_LABELS, type PolicyStatus } from './status.js';

// Read side of policy documents: the library (政策文件库) with filters and search, statistics for the annual
// report, and the views the API answers with.

export function subtree(tree: OrgTree, id: number): number[] {
  const out = [id];
  for (const c of tree.children(id)) out.push(...subtree(tree, c.id));
  return out;
}

export interface LibraryParams {
  organizationId?: number; // with its sub-organizations; the whole district when absent
  status?: string;
  type?: string;
  issuer?: string;
  year?: number;
  theme?: string;
  /** A 文号 (matched exactly, in any bracket style) or words searched in the full text. */
  q?: string;
  page: number;
  pageSize: number;
}

/** A page of the library: documents in force first; a 文号 query matches the number, other words the full text. */
export async function libraryPage(deps: Pick<Deps, 'db'>, p: LibraryParams) {
  const tree = await orgTree(deps);
  const organizationIds = p.organizationId ? subtree(tree, p.organizationId) : undefined;
  const f: repo.LibraryFilter = {
    organizationIds,
    status: p.status,
    type: p.type,
    issuer: p.issuer,
    year: p.year,
    theme: p.theme,
    limit: p.pageSize,
    offset: (p.page - 1) * p.pageSize,
  };
  const q = p.q?.trim() ?? '';
  let mode: 'none' | 'doc_number' | 'text' = 'none';
  if (q) {
    const doc = parseDocNumber(q, 9999);
    if (doc.ok) {
      mode = 'doc_number';
      f.docNumber = doc.value.text;
    } else {
      mode = 'text';
      const parsed = parseQuery(q);
      const hits =
        parsed.terms.length === 0
          ? { hits: [] }
          : await searchDocuments(deps.db.kysely, deps.db.engine, {
              phrases: parsed.terms.map((t) => t.tokens),
              organizationId: p.organizationId && organizationIds?.length === 1 ? p.organizationId : undefined,
              limit: 1000,
              offset: 0,
            });
      f.itemIds = hits.hits.map((h) => h.itemId);
    }
  }
  const [rows, total, facets] = await Promise.all([
    repo.library(deps.db.kysely, f),
    repo.libraryCount(deps.db.kysely, f),
    repo.libraryFacets(deps.db.kysely, organizationIds),
  ]);
  return {
    rows: rows.map((r) => ({ ...r, status_label: POLICY_STATUS_LABELS[r.status as PolicyStatus] ?? r.status })),
    total,
    pages: Math.max(1, Math.ceil(total / p.pageSize)),
    facets,
    mode,
  };
}

export interface PolicyStatistics {
  year: number;
  rows: {
    type: 'rule' | 'normative';
    label: string;
    issued: number;
    abolished: number;
    inForce: number;
    /** Not a column of table 二: ended this year without being 废止 (有效期届满, 宣布失效), shown for reconciliation. */
    expired: number;
  }[];
}

/**
 * Table 二, first block (第二十条第（一）项) for a year and an organization (with its sub-organizations), over
 * the published 规章 and 行政规范性文件, with the same status function as the pages:
 * - 本年制发件数: signed (成文日期) in the year;
 * - 本年废止件数: 废止 in the year — ended by an act of an authority that abolishes it: repealed or replaced by a
 *   later document whose 施行日期 is in the year (已废止, 被废止/被替代), or a cleanup campaign's 废止 decision that
 *   year. Not 废止, so not counted: 失效 — the 有效期 ran out (有效期届满自动失效) or a campaign declared it
 *   no longer in force (宣布失效) — which are reported in `expired` beside the table; and 修改 (an amended
 *   document stays in force). A document's first ending is what counts (one that expired in March and was
 *   repealed in June had already ended);
 * - 现行有效件数: in force on 31 December (有效 or 已修订; 尚未施行 ones are not yet in force).
 */
export async function policyStatistics(
  deps: Pick<Deps, 'db'>,
  year: number,
  organizationId?: number,
): Promise<PolicyStatistics> {
  const tree = await orgTree(deps);
  const organizationIds = organizationId ? subtree(tree, organizationId) : undefined;
  const k = deps.db.kysely;
  let q = k
    .selectFrom('policies as p')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .selectAll('p')
    .where('i.published_version', '>', 0)
    .where('i.withdrawn', '=', 0)
    .where('p.policy_type', 'in', ['rule', 'normative']);
  if (organizationIds) q = q.where('i.organization_id', 'in', organizationIds);
  const policies = await q.execute();
  const yearEnd = `${year}-12-31`;
  const rows: PolicyStatistics['rows'] = [
    { type: 'rule', label: '规章', issued: 0, abolished: 0, inForce: 0, expired: 0 },
    { type: 'normative', label: '行政规范性文件', issued: 0, abolished: 0, inForce: 0, expired: 0 },
  ];
  for (const p of policies) {
    const row = rows.find((r) => r.type === p.policy_type)!;
    if (p.date_signed.startsWith(`${year}-`)) row.issued++;
    if (p.date_signed > yearEnd) continue;
    const s = await statusOf(k, p, yearEnd);
    const thisYear = s.since?.startsWith(`${year}-`) ?? false;
    if (s.status === 'abolished' && thisYear) row.abolished++;
    if (s.status === 'expired' && thisYear) row.expired++;
    if (s.status === 'in_force' || s.status === 'amended') row.inForce++;
  }
  return { year, rows };
}

/** Published interpretations for the API, newest first. */
export async function interpretationsList(
  deps: Pick<Deps, 'db'>,
  f: { organizationId?: number; form?: string; policyId?: number; page: number; pageSize: number },
) {
  const rows = await irepo.listPublished(deps.db.kysely, {
    organizationId: f.organizationId,
    form: f.form,
    policyId: f.policyId,
    limit: f.pageSize,
    offset: (f.page - 1) * f.pageSize,
  });
  const out = [];
  for (const r of rows) {
    const pols = (await irepo.policiesOf(deps.db.kysely, r.id)).filter((x) => x.published_version > 0 && !x.withdrawn);
    out.push({ ...r, policies: pols });
  }
  return out;
}
