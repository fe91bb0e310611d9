import type { Generated } from 'kysely';

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
}
