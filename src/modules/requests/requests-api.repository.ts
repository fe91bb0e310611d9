import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

type K = Kysely<Database>;

/** Requests of the given organizations for the staff API, newest receipt first. */
export function staffApiList(db: K, organizationIds: number[], status: string | undefined, limit: number) {
  let q = db
    .selectFrom('requests')
    .select([
      'id',
      'tracking_number',
      'organization_id',
      'applicant_type',
      'name_enc',
      'id_masked',
      'channel',
      'received_on',
      'status',
      'due_on',
      'outcome_code',
      'outcome_date',
      'delivered_at',
      'excessive_flag',
    ])
    .where('organization_id', 'in', organizationIds.length ? organizationIds : [-1]);
  if (status) q = q.where('status', '=', status);
  return q.orderBy('received_on', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
