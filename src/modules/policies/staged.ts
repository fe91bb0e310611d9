import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { onEvent } from '../../platform/events.js';
import * as irepo from './interpretations.repository.js';
import * as repo from './policies.repository.js';

// A revision's changes to a published policy document or interpretation wait until the revision is published
// (migration 0016). The public pages and the API read the policy and interpretation rows themselves, so a
// revision's edits are kept in the row's `staged_json` instead, shown to staff in the forms, checked by the
// workflow (three-sync, an interpretation's required media), and written into the row in the transaction
// that publishes the revision — the public sees them together with the revised text, after review.

/** The policy fields savePolicy writes. */
export interface PolicyFields {
  drafting_organization_id: number;
  doc_number: string;
  doc_issuer: string;
  doc_year: number | null;
  doc_seq: number | null;
  policy_type: string;
  theme: string;
  date_signed: string;
  date_effective: string;
  valid_until: string | null;
}

export interface Issuer {
  name: string;
  organization_id: number | null;
}

export interface StagedPolicy {
  fields: PolicyFields;
  issuers: Issuer[];
}

/** The interpretation fields saveInterpretation and attachMedia write. */
export interface InterpretationFields {
  form: string;
  responsible_organization_id: number;
  by_principal: number;
  principal_name: string;
  transcript_html: string;
  video_sha256: string | null;
  poster_sha256: string | null;
  captions_sha256: string | null;
}

export interface StagedInterpretation {
  fields: Partial<InterpretationFields>;
  /** The policies it will explain, when the revision changed them. */
  policyIds?: number[];
}

/** Whether edits of this item are staged: it has been published, so its rows are what the public sees. */
export function stagesEdits(item: { published_version: number }): boolean {
  return item.published_version > 0;
}

function parse<T>(json: string): T | null {
  return json ? (JSON.parse(json) as T) : null;
}

export const stagedPolicy = (row: { staged_json: string }) => parse<StagedPolicy>(row.staged_json);
export const stagedInterpretation = (row: { staged_json: string }) => parse<StagedInterpretation>(row.staged_json);

/** The policy as its revision will publish it: the row with the staged fields over it (for staff and checks). */
export function policyAsRevised<T extends repo.PolicyRow>(row: T): T {
  const s = stagedPolicy(row);
  return s ? { ...row, ...s.fields } : row;
}

/** The issuers' names as the revision will publish them, one per line (the policy form's field). */
export async function issuerNamesAsRevised(db: Kysely<Database>, row: repo.PolicyRow): Promise<string[]> {
  const s = stagedPolicy(row);
  if (s) return s.issuers.map((i) => i.name);
  return (await repo.listIssuers(db, [row.id])).map((i) => i.name);
}

/** The interpretation as its revision will publish it. */
export function interpretationAsRevised<T extends irepo.InterpretationRow>(row: T): T {
  const s = stagedInterpretation(row);
  return s ? { ...row, ...s.fields } : row;
}

/** The policies (id and title) the interpretation will explain once its revision is published. */
export async function policiesAsRevised(
  db: Kysely<Database>,
  row: irepo.InterpretationRow,
): Promise<{ id: number; title: string }[]> {
  const ids = stagedInterpretation(row)?.policyIds;
  if (!ids) return (await irepo.policiesOf(db, row.id)).map((p) => ({ id: p.id, title: p.title }));
  const titles = await irepo.policyTitles(db, ids);
  return ids.map((id) => ({ id, title: titles.get(id) ?? `编号 ${id}` }));
}

// The one place where a policy's or an interpretation's row takes new values: at once for an item never
// published, or when its revision is published (applyStaged).
async function writePolicy(db: Kysely<Database>, policyId: number, change: StagedPolicy, at: string) {
  await repo.updatePolicy(db, policyId, { ...change.fields, staged_json: '', updated_at: at });
  await repo.replaceIssuers(db, policyId, change.issuers);
}

async function writeInterpretation(db: Kysely<Database>, id: number, change: StagedInterpretation, at: string) {
  await irepo.update(db, id, { ...change.fields, staged_json: '', updated_at: at });
  if (change.policyIds) await irepo.setPolicies(db, id, change.policyIds, at);
}

/** Saves new fields and issuers of an existing policy: into its row, or staged if the item has been published. */
export async function changePolicy(
  db: Kysely<Database>,
  item: { published_version: number },
  policy: repo.PolicyRow,
  change: StagedPolicy,
  at: string,
): Promise<void> {
  if (stagesEdits(item)) await repo.updatePolicy(db, policy.id, { staged_json: JSON.stringify(change) });
  else await writePolicy(db, policy.id, change, at);
}

/**
 * Saves changes to an existing interpretation (some fields, its policies): into its row, or, if the item has
 * been published, merged into what its revision already staged.
 */
export async function changeInterpretation(
  db: Kysely<Database>,
  item: { published_version: number },
  row: irepo.InterpretationRow,
  change: StagedInterpretation,
  at: string,
): Promise<void> {
  if (!stagesEdits(item)) return writeInterpretation(db, row.id, change, at);
  const before = stagedInterpretation(row) ?? { fields: {} };
  const next: StagedInterpretation = {
    fields: { ...before.fields, ...change.fields },
    policyIds: change.policyIds ?? before.policyIds,
  };
  await irepo.update(db, row.id, { staged_json: JSON.stringify(next) });
}

/**
 * Writes what a revision staged for this item into its policy or interpretation row, in the publishing
 * transaction; returns whether there was anything. The row's updated_at becomes the publication's time.
 */
export async function applyStaged(trx: Kysely<Database>, itemId: number, at: string): Promise<boolean> {
  const policy = await repo.findPolicyByItem(trx, itemId);
  const p = policy ? stagedPolicy(policy) : null;
  if (policy && p) {
    await writePolicy(trx, policy.id, p, at);
    return true;
  }
  const t = policy ? undefined : await irepo.findByItem(trx, itemId);
  const s = t ? stagedInterpretation(t) : null;
  if (t && s) {
    await writeInterpretation(trx, t.id, s, at);
    return true;
  }
  return false;
}

/**
 * Registers the application of staged changes when a revision is published (idempotent). Register it before
 * the handlers that read the rows (the validity status), so that they see the published values.
 */
export function registerStagedHooks() {
  onEvent('policies.staged', async (trx, event) => {
    if (event.type !== 'item.updated' && !(event.type === 'item.published' && !event.imported)) return;
    await applyStaged(trx, event.itemId, event.at);
  });
}
