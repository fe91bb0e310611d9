// The outcomes of an information request: exactly the rows of table 三 of the annual report (national format
// of 2021), each with a stable code, its Chinese label and its legal basis (政府信息公开条例, 2019 revision).
// Statistics count requests by these codes; reply-letter templates are chosen by them. Codes are stored in
// requests.outcome_code: never rename one.

export type OutcomeGroup = 'granted' | 'partial' | 'withheld' | 'unavailable' | 'not_processed' | 'other';

export interface OutcomeGroupInfo {
  group: OutcomeGroup;
  /** Row heading of table 三, e.g. （三）不予公开 */
  row: string;
  label: string;
}

export const OUTCOME_GROUPS: readonly OutcomeGroupInfo[] = [
  { group: 'granted', row: '（一）', label: '予以公开' },
  { group: 'partial', row: '（二）', label: '部分公开（区分处理的，只计这一情形，不计其他情形）' },
  { group: 'withheld', row: '（三）', label: '不予公开' },
  { group: 'unavailable', row: '（四）', label: '无法提供' },
  { group: 'not_processed', row: '（五）', label: '不予处理' },
  { group: 'other', row: '（六）', label: '其他处理' },
];

export interface Outcome {
  code: string;
  group: OutcomeGroup;
  /** Number within its group in table 三 (1-based); 0 for the groups without sub-rows. */
  index: number;
  /** The row's wording in table 三. */
  label: string;
  /** Short wording for lists and the applicant's status page. */
  short: string;
  /** The article(s) the reply cites. */
  basis: string;
}

const R = '《中华人民共和国政府信息公开条例》';

export const OUTCOMES: readonly Outcome[] = [
  {
    code: 'granted',
    group: 'granted',
    index: 0,
    label: '予以公开',
    short: '予以公开',
    basis: `${R}第三十六条第（二）项`,
  },
  { code: 'partial', group: 'partial', index: 0, label: '部分公开', short: '部分公开', basis: `${R}第三十七条` },

  {
    code: 'withheld.state_secret',
    group: 'withheld',
    index: 1,
    label: '属于国家秘密',
    short: '不予公开：国家秘密',
    basis: `${R}第十四条`,
  },
  {
    code: 'withheld.law_prohibited',
    group: 'withheld',
    index: 2,
    label: '其他法律行政法规禁止公开',
    short: '不予公开：法律行政法规禁止公开',
    basis: `${R}第十四条`,
  },
  {
    code: 'withheld.security_stability',
    group: 'withheld',
    index: 3,
    label: '危及“三安全一稳定”',
    short: '不予公开：危及“三安全一稳定”',
    basis: `${R}第十四条`,
  },
  {
    code: 'withheld.third_party',
    group: 'withheld',
    index: 4,
    label: '保护第三方合法权益',
    short: '不予公开：保护第三方合法权益',
    basis: `${R}第十五条、第三十二条`,
  },
  {
    code: 'withheld.internal_affairs',
    group: 'withheld',
    index: 5,
    label: '属于三类内部事务信息',
    short: '不予公开：内部事务信息',
    basis: `${R}第十六条第一款`,
  },
  {
    code: 'withheld.process_info',
    group: 'withheld',
    index: 6,
    label: '属于四类过程性信息',
    short: '不予公开：过程性信息',
    basis: `${R}第十六条第二款`,
  },
  {
    code: 'withheld.enforcement_files',
    group: 'withheld',
    index: 7,
    label: '属于行政执法案卷',
    short: '不予公开：行政执法案卷',
    basis: `${R}第十六条第二款`,
  },
  {
    code: 'withheld.administrative_query',
    group: 'withheld',
    index: 8,
    label: '属于行政查询事项',
    short: '不予公开：行政查询事项',
    basis: `${R}第三十六条第（七）项`,
  },

  {
    code: 'unavailable.not_held',
    group: 'unavailable',
    index: 1,
    label: '本机关不掌握相关政府信息',
    short: '无法提供：本机关不掌握',
    basis: `${R}第三十六条第（四）项`,
  },
  {
    code: 'unavailable.needs_creation',
    group: 'unavailable',
    index: 2,
    label: '没有现成信息需要另行制作',
    short: '无法提供：需另行制作',
    basis: `${R}第三十八条`,
  },
  {
    code: 'unavailable.unclear',
    group: 'unavailable',
    index: 3,
    label: '补正后申请内容仍不明确',
    short: '无法提供：补正后仍不明确',
    basis: `${R}第二十九条、第三十条`,
  },

  {
    code: 'not_processed.petition',
    group: 'not_processed',
    index: 1,
    label: '信访举报投诉类申请',
    short: '不予处理：信访举报投诉类',
    basis: `${R}第三十九条第一款`,
  },
  {
    code: 'not_processed.repeated',
    group: 'not_processed',
    index: 2,
    label: '重复申请',
    short: '不予处理：重复申请',
    basis: `${R}第三十六条第（六）项`,
  },
  {
    code: 'not_processed.publications',
    group: 'not_processed',
    index: 3,
    label: '要求提供公开出版物',
    short: '不予处理：要求提供公开出版物',
    basis: `${R}第三十九条第二款`,
  },
  {
    code: 'not_processed.excessive',
    group: 'not_processed',
    index: 4,
    label: '无正当理由大量反复申请',
    short: '不予处理：无正当理由大量反复申请',
    basis: `${R}第三十五条`,
  },
  {
    code: 'not_processed.confirmation',
    group: 'not_processed',
    index: 5,
    label: '要求行政机关确认或重新出具已获取信息',
    short: '不予处理：要求确认或重新出具',
    basis: `${R}第三十八条、第三十九条`,
  },

  {
    code: 'other.no_clarification',
    group: 'other',
    index: 1,
    label: '申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请',
    short: '其他处理：逾期不补正',
    basis: `${R}第三十条`,
  },
  {
    code: 'other.fee_unpaid',
    group: 'other',
    index: 2,
    label: '申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请',
    short: '其他处理：逾期未缴费',
    basis: `${R}第四十二条；《政府信息公开信息处理费管理办法》`,
  },
  { code: 'other.other', group: 'other', index: 3, label: '其他', short: '其他处理', basis: `${R}` },
];

export type OutcomeCode = (typeof OUTCOMES)[number]['code'];

const byCode = new Map(OUTCOMES.map((o) => [o.code, o]));

export function outcomeOf(code: string | null | undefined): Outcome | undefined {
  return code ? byCode.get(code) : undefined;
}

export function isOutcomeCode(code: string): boolean {
  return byCode.has(code);
}

export function outcomesOfGroup(group: OutcomeGroup): Outcome[] {
  return OUTCOMES.filter((o) => o.group === group);
}

/** e.g. 不予公开 › 属于国家秘密 — for selects and letters. */
export function outcomeFullLabel(o: Outcome): string {
  const g = OUTCOME_GROUPS.find((x) => x.group === o.group);
  return o.index === 0 ? o.label : `${g?.label ?? ''}：${o.index}. ${o.label}`;
}

/** The outcome the clock reaches by itself: no clarification by its deadline (其他处理-1). */
export const OUTCOME_NO_CLARIFICATION = 'other.no_clarification';
/** The outcome the clock reaches by itself: a fee notice unpaid by its deadline (其他处理-2). */
export const OUTCOME_FEE_UNPAID = 'other.fee_unpaid';

/** The applicant types of table 三's columns. */
export const APPLICANT_TYPES = { natural_person: '自然人', legal_person: '法人或其他组织' } as const;
export const ORGANIZATION_KINDS = {
  enterprise: '商业企业',
  research: '科研机构',
  nonprofit: '社会公益组织',
  legal_service: '法律服务机构',
  other: '其他',
} as const;
export type ApplicantType = keyof typeof APPLICANT_TYPES;
export type OrganizationKind = keyof typeof ORGANIZATION_KINDS;

/** Results of reviews and lawsuits, the columns of table 四. */
export const REVIEW_KINDS = {
  review: '行政复议',
  lawsuit_direct: '行政诉讼（未经复议直接起诉）',
  lawsuit_after_review: '行政诉讼（复议后起诉）',
} as const;
export const REVIEW_RESULTS = {
  upheld: '结果维持',
  corrected: '结果纠正',
  other: '其他结果',
  pending: '尚未审结',
} as const;
export type ReviewKind = keyof typeof REVIEW_KINDS;
export type ReviewResult = keyof typeof REVIEW_RESULTS;
