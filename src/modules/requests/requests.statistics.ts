import type { Deps } from '../../platform/context.js';
import { ValidationError } from '../../platform/errors.js';
import { type OrgTree, orgTree } from '../organizations/organizations.service.js';
import {
  ORGANIZATION_KINDS,
  OUTCOME_GROUPS,
  OUTCOMES,
  type OutcomeGroup,
  outcomeOf,
  REVIEW_KINDS,
  REVIEW_RESULTS,
} from './outcomes.js';
import * as repo from './requests-statistics.repository.js';

// Tables 三 and 四 of the annual report on government information disclosure (national format of 2021),
// computed from the requests. A request belongs to the organization that holds it now (a transfer moves it).
//   一 本年新收: received in the year.
//   二 上年结转: received before the year and not concluded before it.
//   三 办理结果: concluded (outcome date) in the year, by outcome.
//   四 结转下年度: received by the year's end and not concluded by then.
// Each row is counted with its own predicate, so 一 + 二 = 三（七） + 四 holds per column only when the
// data are consistent; a request concluded before its receipt, or with an outcome date and no known outcome,
// breaks it and is reported.

export type Table3Column = 'natural_person' | keyof typeof ORGANIZATION_KINDS | 'total';
/** The 7 numeric columns of table 三, in print order. */
export const TABLE3_COLUMNS: readonly Table3Column[] = [
  'natural_person',
  'enterprise',
  'research',
  'nonprofit',
  'legal_service',
  'other',
  'total',
];

export const TABLE3_COLUMN_LABELS: Record<Table3Column, string> = {
  natural_person: '自然人',
  ...ORGANIZATION_KINDS,
  total: '总计',
};

export type Counts = Record<Table3Column, number>;

export interface Table3Row {
  /** new | carried_in | <group> | <outcome code> | concluded | carried_out */
  key: string;
  /** The row heading as printed in the table, e.g. 一、本年新收政府信息公开申请数量 */
  label: string;
  /** 0: the four main rows and 总计; 1: an outcome group; 2: a reason within a group. */
  level: 0 | 1 | 2;
  values: Counts;
}

export interface ColumnCheck {
  column: Table3Column;
  newThisYear: number;
  carriedIn: number;
  concluded: number;
  carriedOut: number;
  holds: boolean;
}

export interface StatisticsAnomaly {
  trackingNumber: string;
  problem: 'outcome_before_receipt' | 'date_without_outcome' | 'unknown_outcome' | 'outcome_without_date';
}

export interface Table3 {
  year: number;
  rows: Table3Row[];
  checks: ColumnCheck[];
  /** One Chinese sentence per column where 一 + 二 ≠ 三（七） + 四. */
  violations: string[];
  anomalies: StatisticsAnomaly[];
}

const zero = (): Counts => ({
  natural_person: 0,
  enterprise: 0,
  research: 0,
  nonprofit: 0,
  legal_service: 0,
  other: 0,
  total: 0,
});

/** The column of table 三 a request is counted in (a legal person of unknown kind counts as 其他). */
export function columnOf(r: Pick<repo.StatisticsRequestRow, 'applicant_type' | 'organization_kind'>): Table3Column {
  if (r.applicant_type === 'natural_person') return 'natural_person';
  const k = r.organization_kind ?? 'other';
  return k in ORGANIZATION_KINDS ? (k as Table3Column) : 'other';
}

const GROUP_ROW_LABEL: Record<OutcomeGroup, string> = Object.fromEntries(
  OUTCOME_GROUPS.map((g) => [g.group, `${g.row}${g.label}`]),
) as Record<OutcomeGroup, string>;

/**
 * Table 三 for the year from the requests that can appear in it (see requestsForYear). Pure: the same rows
 * give the same table. Every column is checked against 一 + 二 = 三（七） + 四.
 */
export function computeTable3(year: number, requests: readonly repo.StatisticsRequestRow[]): Table3 {
  const first = `${year}-01-01`;
  const last = `${year}-12-31`;
  const newThisYear = zero();
  const carriedIn = zero();
  const carriedOut = zero();
  const byOutcome = new Map<string, Counts>(OUTCOMES.map((o) => [o.code, zero()]));
  const anomalies: StatisticsAnomaly[] = [];
  const add = (c: Counts, col: Table3Column) => {
    c[col]++;
    c.total++;
  };
  for (const r of requests) {
    const col = columnOf(r);
    if (r.received_on >= first && r.received_on <= last) add(newThisYear, col);
    if (r.received_on < first && (r.outcome_date === null || r.outcome_date >= first)) add(carriedIn, col);
    if (r.received_on <= last && (r.outcome_date === null || r.outcome_date > last)) add(carriedOut, col);
    if (r.outcome_date !== null && r.outcome_date >= first && r.outcome_date <= last) {
      const counts = r.outcome_code ? byOutcome.get(r.outcome_code) : undefined;
      if (counts) add(counts, col);
      else
        anomalies.push({
          trackingNumber: r.tracking_number,
          problem: r.outcome_code ? 'unknown_outcome' : 'date_without_outcome',
        });
    }
    if (r.outcome_date !== null && r.outcome_date < r.received_on)
      anomalies.push({ trackingNumber: r.tracking_number, problem: 'outcome_before_receipt' });
    if (r.outcome_date === null && r.outcome_code !== null)
      anomalies.push({ trackingNumber: r.tracking_number, problem: 'outcome_without_date' });
  }

  const sum = (parts: Counts[]) => {
    const out = zero();
    for (const p of parts) for (const k of TABLE3_COLUMNS) out[k] += p[k];
    return out;
  };
  const rows: Table3Row[] = [
    { key: 'new', label: '一、本年新收政府信息公开申请数量', level: 0, values: newThisYear },
    { key: 'carried_in', label: '二、上年结转政府信息公开申请数量', level: 0, values: carriedIn },
  ];
  const concluded = sum([...byOutcome.values()]);
  for (const g of OUTCOME_GROUPS) {
    const members = OUTCOMES.filter((o) => o.group === g.group);
    rows.push({
      key: g.group,
      label: `三、本年度办理结果 ${GROUP_ROW_LABEL[g.group]}`,
      level: 1,
      values: sum(members.map((o) => byOutcome.get(o.code)!)),
    });
    if (members.length > 1 || members[0].index > 0)
      for (const o of members)
        rows.push({ key: o.code, label: `${o.index}. ${o.label}`, level: 2, values: byOutcome.get(o.code)! });
  }
  rows.push({ key: 'concluded', label: '三、本年度办理结果 （七）总计', level: 0, values: concluded });
  rows.push({ key: 'carried_out', label: '四、结转下年度继续办理', level: 0, values: carriedOut });

  const checks: ColumnCheck[] = TABLE3_COLUMNS.map((column) => ({
    column,
    newThisYear: newThisYear[column],
    carriedIn: carriedIn[column],
    concluded: concluded[column],
    carriedOut: carriedOut[column],
    holds: newThisYear[column] + carriedIn[column] === concluded[column] + carriedOut[column],
  }));
  const violations = checks
    .filter((c) => !c.holds)
    .map(
      (c) =>
        `“${TABLE3_COLUMN_LABELS[c.column]}”列不平衡：本年新收 ${c.newThisYear} + 上年结转 ${c.carriedIn} = ${c.newThisYear + c.carriedIn}，而办理结果总计 ${c.concluded} + 结转下年度 ${c.carriedOut} = ${c.concluded + c.carriedOut}。`,
    );
  return { year, rows, checks, violations, anomalies };
}

export const TABLE4_RESULTS = ['upheld', 'corrected', 'other', 'pending', 'total'] as const;
export type Table4Result = (typeof TABLE4_RESULTS)[number];
export const TABLE4_RESULT_LABELS: Record<Table4Result, string> = { ...REVIEW_RESULTS, total: '总计' };
export type Table4Kind = keyof typeof REVIEW_KINDS;
export const TABLE4_KINDS = Object.keys(REVIEW_KINDS) as Table4Kind[];

export type Table4 = Record<Table4Kind, Record<Table4Result, number>>;

/**
 * Whether a review or lawsuit belongs to the year's table 四: it was open at some time during the year — filed
 * in the year, or filed earlier and not concluded before the year began (carried over, as 上年结转 in table
 * 三). A case concluded in an earlier year, or filed after the year, does not count. See docs.
 */
export function inTable4Year(year: number, r: Pick<repo.StatisticsReviewRow, 'filed_on' | 'concluded_on' | 'result'>) {
  const first = `${year}-01-01`;
  const last = `${year}-12-31`;
  if (r.filed_on > last) return false;
  if (r.filed_on >= first) return true;
  const concludedBefore = r.result !== 'pending' && r.concluded_on !== null && r.concluded_on < first;
  return !concludedBefore;
}

/**
 * Table 四: the reviews (行政复议) and lawsuits (行政诉讼, direct or after review) open during the year
 * (inTable4Year), each once, by its result as it stood at the year's end — concluded by 31 December under
 * 维持/纠正/其他, otherwise (concluded later, or no result yet) 尚未审结. A case carried over from an earlier
 * year and concluded in this one is counted here with its result, so every result is reported in the year it
 * was reached; one still open at the end of a year is that year's 尚未审结 and counts again the next year.
 */
export function computeTable4(year: number, reviews: readonly repo.StatisticsReviewRow[]): Table4 {
  const last = `${year}-12-31`;
  const empty = () => ({ upheld: 0, corrected: 0, other: 0, pending: 0, total: 0 });
  const t: Table4 = { review: empty(), lawsuit_direct: empty(), lawsuit_after_review: empty() };
  for (const r of reviews) {
    if (!(r.kind in t) || !inTable4Year(year, r)) continue;
    const row = t[r.kind as Table4Kind];
    const concluded = r.concluded_on !== null && r.concluded_on <= last && r.result !== 'pending';
    const result: Table4Result = concluded && r.result in REVIEW_RESULTS ? (r.result as Table4Result) : 'pending';
    row[result]++;
    row.total++;
  }
  return t;
}

export interface RequestStatistics {
  year: number;
  organization: { id: number; name: string; slug: string } | null;
  includesSubordinates: boolean;
  table3: Table3;
  table4: Table4;
}

function subtree(tree: OrgTree, id: number): number[] {
  const out = [id];
  for (const c of tree.children(id)) out.push(...subtree(tree, c.id));
  return out;
}

/**
 * Tables 三 and 四 for the year and organization (by id or slug; its subordinate organizations too when asked;
 * every organization when none is named). Unknown organizations are a ValidationError on `organization`.
 */
export async function requestStatistics(
  deps: Pick<Deps, 'db'>,
  q: { year: number; organization?: string | number | null; includeSubordinates?: boolean },
): Promise<RequestStatistics> {
  const first = `${q.year}-01-01`;
  const last = `${q.year}-12-31`;
  let ids: number[] | undefined;
  let organization: RequestStatistics['organization'] = null;
  if (q.organization !== undefined && q.organization !== null && q.organization !== '') {
    const tree = await orgTree(deps);
    const ref = String(q.organization);
    const org = /^\d+$/.test(ref) ? tree.byId.get(Number(ref)) : tree.bySlug.get(ref);
    if (!org) throw new ValidationError({ organization: '机构不存在。' }, '查询参数有误。');
    organization = { id: org.id, name: org.name, slug: org.slug };
    ids = q.includeSubordinates ? subtree(tree, org.id) : [org.id];
  }
  const [requests, reviews] = await Promise.all([
    repo.requestsForYear(deps.db.kysely, ids, first, last),
    repo.reviewsForYear(deps.db.kysely, ids, first, last),
  ]);
  return {
    year: q.year,
    organization,
    includesSubordinates: !!q.includeSubordinates,
    table3: computeTable3(q.year, requests),
    table4: computeTable4(q.year, reviews),
  };
}

/** An outcome code's row label, for explanations. */
export const outcomeRowLabel = (code: string) => outcomeOf(code)?.label ?? code;
