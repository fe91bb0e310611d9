import type { Generated } from 'kysely';

// Policy documents (政策文件): the policy-specific part of an information item (1:1 with `items`), the
// organizations that issued it (joint issuance: several rows), relations between documents, and the
// history of validity-status changes (each one recorded, and announced, once).

export interface PolicyTable {
  id: Generated<number>;
  item_id: number; // the information item it extends (unique)
  organization_id: number; // the publishing organization (same as the item's)
  drafting_organization_id: number; // 起草单位: who drafts, interprets (谁起草谁解读)
  doc_number: string; // 文号, normalized (厦湖府办〔2017〕69号) or ''
  doc_issuer: string; // 厦湖府办
  doc_year: number | null; // 2017
  doc_seq: number | null; // 69
  policy_type: string; // rule (规章) | normative (行政规范性文件) | other (其他政策文件)
  theme: string;
  date_signed: string; // 成文日期, YYYY-MM-DD
  date_effective: string; // 施行日期, YYYY-MM-DD
  valid_until: string | null; // 有效期至, YYYY-MM-DD (last day in force)
  /** A cleanup campaign's decision: abolished (废止) or declared expired (宣布失效) on this date, without a repealing document. */
  declared_status: string | null; // abolished | expired
  declared_on: string | null;
  /** The status last recorded (by the status job or a relation), compared and set atomically so each change is announced once. */
  status: string; // pending | in_force | amended | abolished | expired
  status_since: string | null;
  status_by_policy_id: number | null;
  /** 三同步: why a 行政规范性文件 needs no interpretation, and the approver who accepted that reason. */
  interpretation_waiver: string;
  waiver_accepted_by: number | null;
  /** A revision's changes to the fields and issuers, applied when it is published ('' when none; staged.ts). */
  staged_json: Generated<string>;
  created_at: string;
  updated_at: string;
}

export interface PolicyIssuerTable {
  id: Generated<number>;
  policy_id: number;
  organization_id: number | null; // null for an issuer outside the platform
  name: string;
  sort_order: number; // 0 = lead issuer (主办)
}

export interface PolicyRelationTable {
  id: Generated<number>;
  from_policy_id: number; // the later document (B)
  to_policy_id: number; // the document it acts on (A)
  kind: string; // amends | repeals | replaces | interprets
  note: string;
  created_at: string;
  created_by: number | null;
}

export interface PolicyStatusChangeTable {
  id: Generated<number>;
  policy_id: number;
  from_status: string;
  to_status: string;
  since: string | null; // YYYY-MM-DD the new status holds from
  by_policy_id: number | null;
  recorded_at: string;
}

// Interpretations (政策解读): an information item of its own, in one of the forms, linked to one or more policies.
export interface InterpretationTable {
  id: Generated<number>;
  item_id: number; // unique
  organization_id: number;
  form: string; // text | graphic | video | interview | media | expert | qa
  responsible_organization_id: number; // 谁起草谁解读: defaults to the policy's drafting organization
  by_principal: number; // 主要负责人解读 (0/1)
  principal_name: string;
  video_sha256: string | null; // mp4 or webm
  poster_sha256: string | null; // image shown before the video plays
  captions_sha256: string | null; // WebVTT
  transcript_html: string; // 访谈 transcript (sanitized)
  /** A revision's changes to the fields, media and policy links, applied when it is published ('' when none; staged.ts). */
  staged_json: Generated<string>;
  created_at: string;
  updated_at: string;
}

export interface InterpretationPolicyTable {
  id: Generated<number>;
  interpretation_id: number;
  policy_id: number;
}

// 规范性文件清理: an administrator selects documents, each gets a decision with a reason and an approval.
export interface PolicyCampaignTable {
  id: Generated<number>;
  organization_id: number;
  name: string;
  status: string; // open | closed
  created_by: number | null;
  created_at: string;
  closed_at: string | null;
  closed_by: number | null;
  /** The published information item listing the results (公布清理结果), set when the campaign closes. */
  result_item_id: number | null;
}

export interface PolicyCampaignEntryTable {
  id: Generated<number>;
  campaign_id: number;
  policy_id: number;
  decision: string | null; // keep (继续有效) | amend (修改) | abolish (废止) | expire (宣布失效)
  reason: string;
  decided_by: number | null;
  approved_by: number | null;
  approved_at: string | null;
}
