// The validity status of a policy document (效力状态), as a pure function of its dates, its relations to later
// documents and today's date, so every page, feed, job and statistic agrees and it is tested on fixed dates.

export const POLICY_STATUSES = ['pending', 'in_force', 'amended', 'abolished', 'expired'] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];

export const POLICY_STATUS_LABELS: Record<PolicyStatus, string> = {
  pending: '尚未施行',
  in_force: '有效',
  amended: '已修订',
  abolished: '已废止',
  expired: '已失效',
};

/** Statuses under which a document is no longer fully in force: its pages carry a banner. */
export const BANNER_STATUSES: readonly PolicyStatus[] = ['amended', 'abolished', 'expired'];

export const RELATION_KINDS = ['amends', 'repeals', 'replaces', 'interprets'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** How a relation reads from the later document (B 修改 A) and from the earlier one (A 被 B 修改). */
export const RELATION_LABELS: Record<RelationKind, { out: string; in: string }> = {
  amends: { out: '修改', in: '被修改' },
  repeals: { out: '废止', in: '被废止' },
  replaces: { out: '替代', in: '被替代' },
  interprets: { out: '解释', in: '被解释' },
};

/** A later, published document acting on this one. */
export interface IncomingRelation {
  kind: RelationKind;
  byPolicyId: number;
  /** The later document's 施行日期: the relation takes effect that day. */
  byDateEffective: string;
}

export interface StatusInput {
  dateEffective: string; // YYYY-MM-DD
  validUntil: string | null; // last day in force
  declared: { status: 'abolished' | 'expired'; on: string } | null;
  incoming: readonly IncomingRelation[];
}

export interface StatusResult {
  status: PolicyStatus;
  /** The day the status holds from (YYYY-MM-DD); null while in force without amendment. */
  since: string | null;
  /** The document that caused it (repealed, replaced or amended by), when there is one. */
  byPolicyId: number | null;
}

/** The day after a YYYY-MM-DD date. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The status on `today` (YYYY-MM-DD, Beijing): 尚未施行 before the date in force; otherwise the earliest
 * ending that has happened — repealed or replaced by a later document in force (已废止), past the valid-until
 * date (已失效, from the next day), or a campaign's declaration — and failing that 已修订 when a later
 * document in force amends it, else 有效. Relations whose document is not yet in force change nothing yet.
 */
export function policyStatus(input: StatusInput, today: string): StatusResult {
  if (today < input.dateEffective) return { status: 'pending', since: null, byPolicyId: null };
  const endings: StatusResult[] = [];
  for (const r of input.incoming) {
    if ((r.kind === 'repeals' || r.kind === 'replaces') && r.byDateEffective <= today)
      endings.push({ status: 'abolished', since: r.byDateEffective, byPolicyId: r.byPolicyId });
  }
  if (input.validUntil) {
    const from = nextDay(input.validUntil);
    if (from <= today) endings.push({ status: 'expired', since: from, byPolicyId: null });
  }
  if (input.declared && input.declared.on <= today)
    endings.push({ status: input.declared.status, since: input.declared.on, byPolicyId: null });
  if (endings.length) {
    // Earliest wins; on the same day an abolition by a document beats the others (it names its cause).
    endings.sort((a, b) =>
      a.since === b.since
        ? Number(b.byPolicyId !== null) - Number(a.byPolicyId !== null)
        : a.since! < b.since!
          ? -1
          : 1,
    );
    return endings[0];
  }
  const amendments = input.incoming
    .filter((r) => r.kind === 'amends' && r.byDateEffective <= today)
    .sort((a, b) => (a.byDateEffective < b.byDateEffective ? 1 : -1));
  if (amendments.length)
    return { status: 'amended', since: amendments[0].byDateEffective, byPolicyId: amendments[0].byPolicyId };
  return { status: 'in_force', since: input.dateEffective, byPolicyId: null };
}
