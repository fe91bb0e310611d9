import type { Generated } from 'kysely';

// Tables of information requests (依申请公开). Personal fields are stored only as FieldCipher ciphertext
// (`v1:<keyId>:…`, see platform/security/crypto.ts); `key_id` repeats the key of the row's ciphertexts so a
// rotation can find the rows still on an old key without decrypting anything.

export interface RequestTable {
  id: Generated<number>;
  tracking_number: string; // 受理编号, e.g. 2026-000123
  query_code_hash: string; // HMAC of the query code (查询码); the code itself is shown once and never stored
  organization_id: number; // the agency that must answer (changes on transfer)
  applicant_type: string; // natural_person | legal_person
  organization_kind: string | null; // legal persons: enterprise | research | nonprofit | legal_service | other
  name_enc: string;
  id_type: string; // resident_id | passport | other | credit_code
  id_number_enc: string | null; // identity document number, or the 统一社会信用代码 of a legal person
  id_masked: string; // 3501**********1234: what lists show
  identity_hmac: string | null; // keyed HMAC of the normalised number: per-identity limits and Art. 35 flags
  legal_representative_enc: string | null;
  phone_enc: string;
  email_enc: string | null;
  address_enc: string | null;
  key_id: string;
  description: string; // the information wanted
  purpose: string;
  form: string; // paper | electronic | disc | other
  delivery: string; // post | email | pickup | online
  channel: string; // online | in_person | post | fax | email
  submitted_at: string; // when the system recorded it
  received_on: string; // Art. 31 receipt date, YYYY-MM-DD (Beijing)
  status: string; // see REQUEST_STATUSES in requests.schema.ts
  assigned_to: number | null;
  due_on: string | null; // the clock's current due date, kept for queues; recomputed from the events
  outcome_code: string | null; // outcomes.ts
  outcome_date: string | null;
  outcome_note: string;
  delivered_via: string | null;
  delivered_at: string | null;
  publish_consent: number; // the applicant agreed to appear (anonymised) in a published request log
  excessive_flag: number; // Art. 35: many similar requests from one identity
  /** The one-time id of the office's registration form that registered it (unique), null otherwise. */
  submission_id: string | null;
  created_at: string;
  updated_at: string;
}

/** The clock's log: every event that moves a request or its deadline, in order. */
export interface RequestEventTable {
  id: Generated<number>;
  request_id: number;
  kind: string; // see REQUEST_EVENT_KINDS in requests.clock.ts
  on_date: string; // the date the event counts from (YYYY-MM-DD, Beijing)
  deadline: string | null; // clarification answer / fee payment / third-party deadline
  workdays: number | null; // extension length, consultation period
  amount: number | null; // fee notice, yuan
  approved_by: number | null; // extension: the head of the disclosure office who approved it
  from_organization_id: number | null; // transfers
  to_organization_id: number | null;
  to_user_id: number | null; // assignments
  public_note: string; // shown to the applicant
  internal_note: string; // staff only
  actor_user_id: number | null;
  actor_name: string;
  created_at: string;
}

export interface RequestFileTable {
  id: Generated<number>;
  request_id: number;
  event_id: number | null;
  role: string; // application | supplement | released
  file_sha256: string;
  filename: string;
  uploaded_by: number | null; // null: the applicant
  created_at: string;
}

/** 行政复议 and 行政诉讼 about a request (table 四 of the annual report). */
export interface RequestReviewTable {
  id: Generated<number>;
  request_id: number;
  kind: string; // review | lawsuit_direct | lawsuit_after_review
  filed_on: string;
  result: string; // upheld (维持) | corrected (纠正) | other (其他) | pending (尚未审结)
  concluded_on: string | null;
  note: string;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}
