import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import {
  type AuditFilter,
  type AuditRow,
  head,
  insertEvent,
  iterateChain,
  listEvents,
  lockHead,
} from './audit.repository.js';

/** Who did it and from where; `userId` is null for the system and for anonymous sign-in attempts. */
export interface Actor {
  userId: number | null;
  name: string;
  ip: string;
}

export const systemActor: Actor = { userId: null, name: 'system', ip: '' };

export interface AuditInput {
  action: string; // e.g. user.create, auth.sign_in_failed
  entityType: string;
  entityId?: string | number | null;
  organizationId?: number | null;
  summary?: string; // Chinese, shown in the console
  before?: unknown;
  after?: unknown;
}

// Values that must never be stored in the audit trail, even hashed.
const SECRET_KEYS = /password|secret|token|totp|id_number|idnumber/i;

export function redact(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v);
    }
    return out;
  }
  return value;
}

const GENESIS = '0'.repeat(64);

type Hashed = Omit<AuditRow, 'id' | 'hash'>;

export function hashEvent(e: Hashed): string {
  const canonical = JSON.stringify([
    e.seq,
    e.occurred_at,
    e.actor_user_id,
    e.actor_name,
    e.ip,
    e.action,
    e.entity_type,
    e.entity_id,
    e.organization_id,
    e.summary,
    e.before_json,
    e.after_json,
    e.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Appends one event to the hash chain inside the caller's transaction, so the event exists exactly
 * when the write it describes does.
 */
export async function recordAudit(
  trx: Kysely<Database>,
  engine: 'sqlite' | 'postgres',
  actor: Actor,
  input: AuditInput,
  now: Date,
): Promise<void> {
  const h = await lockHead(trx, engine);
  const row: Hashed = {
    seq: h.seq + 1,
    occurred_at: now.toISOString(),
    actor_user_id: actor.userId,
    actor_name: actor.name,
    ip: actor.ip,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId === undefined || input.entityId === null ? '' : String(input.entityId),
    organization_id: input.organizationId ?? null,
    summary: input.summary ?? '',
    before_json: input.before === undefined ? null : JSON.stringify(redact(input.before)),
    after_json: input.after === undefined ? null : JSON.stringify(redact(input.after)),
    prev_hash: h.hash,
  };
  await insertEvent(trx, { ...row, hash: hashEvent(row) });
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first sequence number at which the chain is broken, and why. */
  firstBad?: { seq: number; reason: string };
}

/** Walks the whole chain and reports the first edited, inserted or missing entry. */
export async function verifyAuditChain(db: Kysely<Database>): Promise<VerifyResult> {
  let prev = GENESIS;
  let expectedSeq = 1;
  let checked = 0;
  for await (const e of iterateChain(db)) {
    if (e.seq !== expectedSeq) {
      return { ok: false, checked, firstBad: { seq: expectedSeq, reason: `entry ${expectedSeq} is missing` } };
    }
    if (e.prev_hash !== prev) {
      return {
        ok: false,
        checked,
        firstBad: { seq: e.seq, reason: `entry ${e.seq} does not link to entry ${e.seq - 1}` },
      };
    }
    const { id: _id, hash, ...rest } = e;
    if (hashEvent(rest) !== hash) {
      return {
        ok: false,
        checked,
        firstBad: { seq: e.seq, reason: `entry ${e.seq} was altered after it was written` },
      };
    }
    prev = hash;
    expectedSeq++;
    checked++;
  }
  const h = await head(db);
  if (h.seq !== checked || (checked > 0 && h.hash !== prev)) {
    return {
      ok: false,
      checked,
      firstBad: { seq: checked + 1, reason: `entries after ${checked} are missing (the head records ${h.seq})` },
    };
  }
  return { ok: true, checked };
}

export function browseAudit(db: Kysely<Database>, filter: AuditFilter, limit: number, beforeSeq?: number) {
  return listEvents(db, filter, limit, beforeSeq);
}
