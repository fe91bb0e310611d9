import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';

// The published request log (依申请公开目录): the per-organization switch lives in `settings`
// (key `requests.public_log:<organization id>`, value '1' or '0'), and the listing reads only the columns the
// page may show plus the ciphertexts needed to scrub the applicant's own data from the description.

type K = Kysely<Database>;

export const logSettingKey = (organizationId: number) => `requests.public_log:${organizationId}`;

export async function logEnabled(db: K, organizationId: number): Promise<boolean> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', logSettingKey(organizationId))
    .executeTakeFirst();
  return row?.value === '1';
}

export async function enabledOrganizationIds(db: K): Promise<Set<number>> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where('key', 'like', 'requests.public_log:%')
    .execute();
  return new Set(rows.filter((r) => r.value === '1').map((r) => Number(r.key.split(':')[1])));
}

export async function setLogEnabled(db: K, organizationId: number, enabled: boolean, now: string): Promise<void> {
  const value = enabled ? '1' : '0';
  await db
    .insertInto('settings')
    .values({ key: logSettingKey(organizationId), value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}

function published(db: K, organizationId: number, terms: readonly string[]) {
  let q = db
    .selectFrom('requests')
    .where('organization_id', '=', organizationId)
    .where('publish_consent', '=', 1)
    .where('outcome_code', 'is not', null);
  // A superset of the matches: the service checks each term again against the scrubbed text, so that a term
  // found only in the personal data cut out of a description matches nothing.
  for (const t of terms) {
    const pattern = `%${t.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`lower(${sql.ref('description')}) like ${pattern} escape '\\'`,
        sql<boolean>`lower(${sql.ref('tracking_number')}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  return q;
}

/** How many decided requests of one organization whose applicant agreed to appear. */
export async function countPublished(db: K, organizationId: number): Promise<number> {
  const r = await published(db, organizationId, [])
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/**
 * Decided requests of one organization whose applicant agreed to appear, newest decision first: a page of
 * them, or (with search terms) every row whose description or tracking number contains all the terms.
 */
export function publishedRequests(
  db: K,
  organizationId: number,
  opts: { limit?: number; offset?: number; terms?: readonly string[] } = {},
) {
  let q = published(db, organizationId, opts.terms ?? [])
    .select([
      'tracking_number',
      'received_on',
      'description',
      'outcome_code',
      'outcome_date',
      'name_enc',
      'id_number_enc',
      'legal_representative_enc',
      'phone_enc',
      'email_enc',
      'address_enc',
    ])
    .orderBy('outcome_date', 'desc')
    .orderBy('id', 'desc');
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  if (opts.offset) q = q.offset(opts.offset);
  return q.execute();
}
