import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** What table 三 needs of a request: its column, its receipt and its outcome (no personal data). */
export interface StatisticsRequestRow {
  id: number;
  tracking_number: string;
  applicant_type: string;
  organization_kind: string | null;
  received_on: string;
  outcome_code: string | null;
  outcome_date: string | null;
}

/**
 * Requests that can appear in the table of the year [first, last]: received on or before its last day and
 * not concluded before its first (those concluded earlier belong to earlier years). Rows with an outcome
 * date earlier than the receipt are included too, so the consistency check can report them.
 */
export function requestsForYear(
  db: Kysely<Database>,
  organizationIds: readonly number[] | undefined,
  first: string,
  last: string,
): Promise<StatisticsRequestRow[]> {
  let q = db
    .selectFrom('requests')
    .select([
      'id',
      'tracking_number',
      'applicant_type',
      'organization_kind',
      'received_on',
      'outcome_code',
      'outcome_date',
    ])
    .where('received_on', '<=', last)
    .where((eb) =>
      eb.or([eb('outcome_date', 'is', null), eb('outcome_date', '>=', first), eb('received_on', '>=', first)]),
    );
  if (organizationIds) q = q.where('organization_id', 'in', organizationIds.length ? [...organizationIds] : [-1]);
  return q.orderBy('id').execute();
}

/** A review or lawsuit for table 四, with the state it had. */
export interface StatisticsReviewRow {
  kind: string;
  result: string;
  filed_on: string;
  concluded_on: string | null;
}

/**
 * Reviews and lawsuits about requests of the organizations that were open during [first, last]: filed in it, or
 * filed before it and not concluded before it (computeTable4 applies the same rule, inTable4Year).
 */
export function reviewsForYear(
  db: Kysely<Database>,
  organizationIds: readonly number[] | undefined,
  first: string,
  last: string,
): Promise<StatisticsReviewRow[]> {
  let q = db
    .selectFrom('request_reviews')
    .innerJoin('requests', 'requests.id', 'request_reviews.request_id')
    .select([
      'request_reviews.kind',
      'request_reviews.result',
      'request_reviews.filed_on',
      'request_reviews.concluded_on',
    ])
    .where('request_reviews.filed_on', '<=', last)
    .where((eb) =>
      eb.or([
        eb('request_reviews.filed_on', '>=', first),
        eb('request_reviews.result', '=', 'pending'),
        eb('request_reviews.concluded_on', 'is', null),
        eb('request_reviews.concluded_on', '>=', first),
      ]),
    );
  if (organizationIds)
    q = q.where('requests.organization_id', 'in', organizationIds.length ? [...organizationIds] : [-1]);
  return q.orderBy('request_reviews.id').execute();
}
