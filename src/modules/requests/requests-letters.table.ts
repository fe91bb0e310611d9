import type { Generated } from 'kysely';

/** A reply-letter template: the district default when organization_id is null, else an organization's own. */
export interface LetterTemplateTable {
  id: Generated<number>;
  organization_id: number | null;
  outcome_group: string; // granted | partial | withheld | unavailable | not_processed | other
  title: string;
  body: string; // plain text with {{placeholders}}, one paragraph per line
  updated_by: number | null;
  created_at: string;
  updated_at: string;
}

/** A secret URL token for an officer's iCalendar feed of deadlines (only its SHA-256 is stored). */
export interface DeadlineFeedTokenTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The daily digest of due requests queued for an officer on a Beijing date (at most one a day). */
export interface DueDigestTable {
  id: Generated<number>;
  user_id: number;
  on_date: string;
  request_count: number;
  created_at: string;
}
