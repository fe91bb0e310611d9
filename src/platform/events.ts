import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Deps } from './context.js';

// Domain events raised inside the transaction of the write that causes them. Handlers run in that same
// transaction (search indexing, queuing notifications and webhook deliveries), so a rolled-back write
// leaves no index entry and sends nothing. After-commit hooks (cache clearing) run once it has committed.

export interface ItemEvent {
  type: 'item.published' | 'item.updated' | 'item.withdrawn' | 'item.status_changed';
  itemId: number;
  organizationId: number;
  columnId: number;
  version: number;
  at: string; // ISO
  /** For withdrawals: error | superseded | outdated. */
  reason?: string;
  /** For status changes of policy documents (效力状态): the new status and a one-line public explanation. */
  status?: string;
  note?: string;
  /** Loaded by an import of existing items: indexed, but nobody is notified. */
  imported?: boolean;
  /** The item was put in the search queue (bulk import): the indexer leaves it to the queue's job. */
  indexQueued?: boolean;
}

export type DomainEvent = ItemEvent;

type Handler = (trx: Kysely<Database>, event: DomainEvent, deps: Deps) => Promise<void>;
type AfterCommit = (event: DomainEvent, deps: Deps) => void;

const handlers: { name: string; run: Handler }[] = [];
const afterCommit: { name: string; run: AfterCommit }[] = [];

/** Registers a handler run inside the causing transaction (idempotent by name). */
export function onEvent(name: string, run: Handler) {
  if (!handlers.some((h) => h.name === name)) handlers.push({ name, run });
}

/** Registers a hook run after the causing transaction committed (idempotent by name). */
export function afterEventCommit(name: string, run: AfterCommit) {
  if (!afterCommit.some((h) => h.name === name)) afterCommit.push({ name, run });
}

/** Runs every in-transaction handler; returns the after-commit step for the caller to run after commit. */
export async function emit(trx: Kysely<Database>, deps: Deps, event: DomainEvent): Promise<() => void> {
  for (const h of handlers) await h.run(trx, event, deps);
  return () => {
    for (const h of afterCommit) {
      try {
        h.run(event, deps);
      } catch (err) {
        deps.logger.error({ err, hook: h.name }, 'after-commit hook failed');
      }
    }
  };
}
