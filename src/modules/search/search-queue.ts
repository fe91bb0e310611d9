import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { htmlToText } from '../../platform/html/sanitize.js';
import type { JobRunner } from '../../platform/jobs/jobs.service.js';
import { scheduleRecurring } from '../../platform/jobs/jobs.service.js';
import { indexDocuments, type SearchDocInput } from '../../platform/search/search.repository.js';

// The search queue: items loaded in bulk (the import) are queued in the transaction that inserts them and
// indexed afterwards, in batches, by the 'search.index-queue' job or by the import command itself
// (--index-now). Their pages, column pages, feeds and the API show them at once; only search lags until
// the queue is drained.
//
// Several workers may drain the queue at once (servers sharing PostgreSQL, the command next to a server):
// each batch is claimed first (claimed_by, claim_until) in its own short transaction, indexed, and its rows
// deleted only by the worker holding the claim. A worker that dies leaves its claim to expire (CLAIM_SECONDS);
// the rows are then claimed again. Indexing an item twice is harmless (an upsert of the same entry), but a
// claim makes it rare.

export const INDEX_QUEUE_JOB = 'search.index-queue';
/** Items indexed per transaction. */
export const QUEUE_BATCH = 1000;
const CLAIM_SECONDS = 300;
const CHUNK = 500;

/** Queues items for indexing (inside the caller's transaction); an item already queued is queued again. */
export async function queueForIndexing(trx: Kysely<Database>, itemIds: readonly number[], now: Date) {
  const at = now.toISOString();
  for (let i = 0; i < itemIds.length; i += CHUNK) {
    const chunk = itemIds.slice(i, i + CHUNK);
    if (!chunk.length) continue;
    await trx
      .insertInto('search_queue')
      .values(chunk.map((item_id) => ({ item_id, queued_at: at, claimed_by: null, claim_until: null })))
      .onConflict((oc) => oc.column('item_id').doUpdateSet({ queued_at: at, claimed_by: null, claim_until: null }))
      .execute();
  }
}

/** How many items wait for indexing (claimed ones included). */
export async function queueLength(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('search_queue')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Claims up to `limit` unclaimed (or expired) rows for `worker`; returns their item ids. */
async function claimBatch(db: Kysely<Database>, worker: string, now: Date, limit: number): Promise<number[]> {
  const nowIso = now.toISOString();
  const until = new Date(now.getTime() + CLAIM_SECONDS * 1000).toISOString();
  const free = (eb: ExpressionBuilder<Database, 'search_queue'>) =>
    eb.or([eb('claim_until', 'is', null), eb('claim_until', '<', nowIso)]);
  // The subquery picks candidates; the outer condition is checked again on the rows themselves, so on
  // PostgreSQL a row another worker claimed meanwhile (and committed) is not taken a second time.
  const rows = await db
    .updateTable('search_queue')
    .set({ claimed_by: worker, claim_until: until })
    .where('item_id', 'in', (qb) =>
      qb.selectFrom('search_queue').select('item_id').where(free).orderBy('item_id').limit(limit),
    )
    .where(free)
    .returning('item_id')
    .execute();
  return rows.map((r) => r.item_id).sort((a, b) => a - b);
}

/** The search documents of published, not withdrawn items among `ids` (current published version). */
export async function searchDocsOf(
  trx: Kysely<Database>,
  ids: readonly number[],
  opts: { lockItems?: boolean } = {},
): Promise<SearchDocInput[]> {
  const out: SearchDocInput[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    let q = trx
      .selectFrom('items as i')
      .innerJoin('item_versions as v', (j) =>
        j.onRef('v.item_id', '=', 'i.id').onRef('v.version', '=', 'i.published_version'),
      )
      .innerJoin('columns as c', 'c.id', 'i.column_id')
      .select([
        'i.id',
        'i.organization_id',
        'i.column_id',
        'i.first_published_at',
        'c.kind',
        'v.title',
        'v.doc_number',
        'v.keywords',
        'v.summary',
        'v.body_html',
      ])
      .where('i.id', 'in', ids.slice(i, i + CHUNK))
      .where('i.withdrawn', '=', 0)
      .where('i.first_published_at', 'is not', null);
    // PostgreSQL: a withdrawal committing meanwhile would otherwise be undone by this entry (its own handler
    // removed the entry already). Locked rows are re-checked after the wait, so a withdrawn item drops out.
    if (opts.lockItems) q = q.forShare('i');
    const rows = await q.execute();
    for (const row of rows)
      out.push({
        itemId: row.id,
        organizationId: row.organization_id,
        columnId: row.column_id,
        kind: row.kind,
        publishedAt: row.first_published_at as string,
        title: row.title,
        docNumber: row.doc_number,
        keywords: row.keywords,
        summary: row.summary,
        body: htmlToText(row.body_html),
      });
  }
  return out;
}

export interface DrainOptions {
  /** Names this worker in claims; default host:pid:random. */
  worker?: string;
  /** Items per transaction (default QUEUE_BATCH). */
  batch?: number;
  /** Stop after this many items (default: until the queue is empty). */
  max?: number;
  /** Called after each batch with the items indexed so far. */
  onProgress?: (indexed: number) => void;
  clock?: () => Date;
}

/**
 * Indexes queued items, a claimed batch per transaction, until the queue has nothing left to claim (or
 * `max` items are done). Items withdrawn or gone meanwhile are dropped from the queue without an entry (the
 * withdrawal removed theirs). Returns how many queue rows this worker handled.
 */
export async function drainSearchQueue(db: Db, o: DrainOptions = {}): Promise<number> {
  const worker = o.worker ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const batch = Math.max(1, o.batch ?? QUEUE_BATCH);
  const clock = o.clock ?? (() => new Date());
  let done = 0;
  while (o.max === undefined || done < o.max) {
    const limit = o.max === undefined ? batch : Math.min(batch, o.max - done);
    const ids = await db.kysely.transaction().execute((trx) => claimBatch(trx, worker, clock(), limit));
    if (!ids.length) break;
    await db.kysely.transaction().execute(async (trx) => {
      // Only rows still ours: one queued again since (republished) waits for the next claim.
      const mine = await trx
        .selectFrom('search_queue')
        .select('item_id')
        .where('claimed_by', '=', worker)
        .where('item_id', 'in', ids)
        .execute();
      const own = mine.map((r) => r.item_id);
      if (!own.length) return;
      await indexDocuments(trx, await searchDocsOf(trx, own, { lockItems: db.engine === 'postgres' }));
      for (let i = 0; i < own.length; i += CHUNK)
        await trx
          .deleteFrom('search_queue')
          .where('claimed_by', '=', worker)
          .where('item_id', 'in', own.slice(i, i + CHUNK))
          .execute();
    });
    done += ids.length;
    o.onProgress?.(done);
  }
  return done;
}

/** Registers the job that drains the queue, polled every `intervalSeconds` (default 10 s). */
export async function registerSearchQueueJob(runner: JobRunner, intervalSeconds = 10): Promise<void> {
  runner.register(INDEX_QUEUE_JOB, async (_payload, ctx) => {
    const n = await drainSearchQueue(ctx.db, { worker: runner.workerId, clock: () => new Date() });
    if (n) ctx.logger.info({ indexed: n }, 'search queue drained');
  });
  await scheduleRecurring(runner.db, INDEX_QUEUE_JOB, INDEX_QUEUE_JOB, intervalSeconds, runner.clock());
}
