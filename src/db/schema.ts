import type { Generated } from 'kysely';
import type {
  InterpretationPolicyTable,
  InterpretationTable,
  PolicyCampaignEntryTable,
  PolicyCampaignTable,
  PolicyIssuerTable,
  PolicyRelationTable,
  PolicyStatusChangeTable,
  PolicyTable,
} from '../modules/policies/policies.table.js';
import type {
  RequestEventTable,
  RequestFileTable,
  RequestReviewTable,
  RequestTable,
} from '../modules/requests/requests.table.js';
import type {
  DeadlineFeedTokenTable,
  DueDigestTable,
  LetterTemplateTable,
} from '../modules/requests/requests-letters.table.js';
import type { SearchQueueTable } from '../modules/search/search-queue.table.js';

// One Database interface made of every feature's tables. Timestamps are ISO-8601 UTC strings and
// dates are YYYY-MM-DD strings on both engines, so values compare and sort the same everywhere.
// Booleans are 0/1 integers for the same reason.

export interface OrganizationTable {
  id: Generated<number>;
  parent_id: number | null;
  code: string; // 机构代码, used in index numbers
  slug: string;
  name: string;
  short_name: string;
  kind: string; // government | department | office
  functions: string; // 机构职能 (Art. 20(2))
  address: string;
  postcode: string;
  phone: string;
  fax: string;
  email: string;
  office_hours: string;
  website: string;
  leadership: string; // JSON: [{ name, title, duties }]
  sort_order: number;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface UserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  email: string;
  password_hash: string;
  failed_logins: number;
  locked_until: string | null;
  totp_secret: string | null; // encrypted
  totp_enabled: number;
  totp_last_step: number | null;
  must_change_password: number;
  active: number;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface RoleGrantTable {
  id: Generated<number>;
  user_id: number;
  organization_id: number;
  role: string;
  created_at: string;
}

export interface SessionTable {
  id: string; // SHA-256 of the cookie token; the token itself is never stored
  user_id: number;
  mfa_passed: number;
  created_at: string;
  last_seen_at: string;
  ip: string;
  user_agent: string;
}

export interface AuditEventTable {
  id: Generated<number>;
  seq: number;
  occurred_at: string;
  actor_user_id: number | null;
  actor_name: string;
  ip: string;
  action: string;
  entity_type: string;
  entity_id: string;
  organization_id: number | null;
  summary: string;
  before_json: string | null;
  after_json: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface JobTable {
  id: Generated<number>;
  name: string; // unique for recurring jobs; one-off jobs get a generated name
  handler: string;
  payload: string; // JSON
  run_at: string;
  interval_seconds: number | null; // null: one-off
  status: string; // scheduled | running | done | failed
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface JobRunTable {
  id: Generated<number>;
  job_id: number;
  job_name: string;
  worker: string;
  started_at: string;
  finished_at: string | null;
  status: string; // running | ok | failed
  error: string | null;
}

export interface MailOutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  headers: string | null; // JSON object of extra header lines (List-Unsubscribe …)
  status: string; // pending | sending | sent | failed
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface CalendarDayTable {
  date: string; // YYYY-MM-DD
  kind: string; // holiday | workday
  name: string;
  created_by: number | null;
  created_at: string;
}

export interface CalendarYearTable {
  year: number;
  note: string;
  confirmed_by: number | null;
  confirmed_at: string;
}

export interface SettingTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface ColumnTable {
  id: Generated<number>;
  organization_id: number;
  parent_id: number | null;
  code: string; // used in index numbers
  slug: string;
  name: string;
  kind: string; // news | notices | policies | static | list
  description: string;
  static_html: string;
  standard_key: string | null;
  sort_order: number;
  retired: number;
  retired_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ItemTable {
  id: Generated<number>;
  organization_id: number;
  column_id: number;
  index_number: string; // 索引号
  title: string;
  doc_number: string; // 文号
  date_created: string; // 生成日期 YYYY-MM-DD
  theme: string; // 主题分类
  genre: string; // 体裁分类
  keywords: string;
  summary: string; // 内容概述
  /**
   * The working copy's body (sanitized), or '' when body_in_version is 1: then it is the body of version
   * published_version. Read items through findItem (publishing.repository.ts), which resolves it as body_html.
   */
  working_body_html: string;
  body_in_version: Generated<number>;
  disclosure: string; // proactive (主动公开) | on_request (依申请公开) | exempt (不予公开)
  exemption: string; // the exemption's key when exempt
  five_category: string; // 五公开: decision | execution | management | service | result
  disclosure_method: string; // 公开方式
  status: string; // draft | submitted | reviewed | approved | scheduled | published
  change_kind: string; // initial | major | minor: for the next publication
  change_note: string;
  scheduled_at: string | null;
  drafted_by: number | null;
  submitted_by: number | null;
  reviewed_by: number | null;
  approved_by: number | null;
  published_version: number; // 0 until first published
  first_published_at: string | null;
  last_published_at: string | null;
  withdrawn: number;
  withdrawn_at: string | null;
  withdrawal_reason: string | null; // error | superseded | outdated
  withdrawal_note: string | null;
  replacement_item_id: number | null;
  source_ref: string | null;
  created_at: string;
  updated_at: string;
  /** '' for an ordinary item; set by a module that extends items when it attaches its row ('policy', 'interpretation'). */
  kind: Generated<string>;
}

export interface ItemVersionTable {
  id: Generated<number>;
  item_id: number;
  version: number;
  title: string;
  doc_number: string;
  summary: string;
  keywords: string;
  theme: string;
  genre: string;
  body_html: string;
  attachments_json: string;
  change_kind: string;
  change_note: string;
  published_at: string;
  published_by: number | null;
}

export interface ItemEventTable {
  id: Generated<number>;
  item_id: number;
  at: string;
  actor_user_id: number | null;
  actor_name: string;
  action: string;
  from_status: string | null;
  to_status: string | null;
  comment: string;
}

export interface FileTable {
  sha256: string;
  size: number;
  mime: string;
  ext: string;
  created_at: string;
}

export interface ItemAttachmentTable {
  id: Generated<number>;
  item_id: number;
  file_sha256: string;
  filename: string;
  alt: string;
  inline: number;
  sort_order: number;
  created_at: string;
}

export interface IndexSequenceTable {
  key: string;
  next_value: number;
}

export interface SearchDocTable {
  item_id: number;
  organization_id: number;
  column_id: number;
  year: number;
  kind: string;
  published_at: string;
  title: string;
  title_tokens: string;
  body_tokens: string;
}

export interface SubscriptionTable {
  id: Generated<number>;
  email: string;
  scope: string; // organization | column
  scope_id: number;
  token_hash: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookTable {
  id: Generated<number>;
  organization_id: number | null;
  url: string;
  secret: string; // encrypted
  events: string; // JSON array
  description: string;
  active: number;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryTable {
  id: Generated<number>;
  webhook_id: number;
  event_id: string;
  event_type: string;
  payload: string;
  status: string; // pending | delivered | failed
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  updated_at: string;
}

export interface ApiTokenTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  token_prefix: string;
  user_id: number;
  organization_id: number;
  scopes: string; // JSON array
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

/** The files of an item's current public version (see migration 0007). */
export interface PublishedFileTable {
  item_id: number;
  file_sha256: string;
}

export interface Database {
  organizations: OrganizationTable;
  users: UserTable;
  role_grants: RoleGrantTable;
  sessions: SessionTable;
  audit_events: AuditEventTable;
  audit_head: AuditHeadTable;
  jobs: JobTable;
  job_runs: JobRunTable;
  mail_outbox: MailOutboxTable;
  calendar_days: CalendarDayTable;
  calendar_years: CalendarYearTable;
  settings: SettingTable;
  columns: ColumnTable;
  items: ItemTable;
  item_versions: ItemVersionTable;
  item_events: ItemEventTable;
  files: FileTable;
  item_attachments: ItemAttachmentTable;
  published_files: PublishedFileTable;
  index_sequences: IndexSequenceTable;
  search_docs: SearchDocTable;
  subscriptions: SubscriptionTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  api_tokens: ApiTokenTable;
  requests: RequestTable;
  request_events: RequestEventTable;
  request_files: RequestFileTable;
  request_reviews: RequestReviewTable;
  letter_templates: LetterTemplateTable;
  deadline_feed_tokens: DeadlineFeedTokenTable;
  due_digests: DueDigestTable;
  policies: PolicyTable;
  policy_issuers: PolicyIssuerTable;
  policy_relations: PolicyRelationTable;
  policy_status_changes: PolicyStatusChangeTable;
  interpretations: InterpretationTable;
  interpretation_policies: InterpretationPolicyTable;
  policy_campaigns: PolicyCampaignTable;
  policy_campaign_entries: PolicyCampaignEntryTable;
  search_queue: SearchQueueTable;
}
