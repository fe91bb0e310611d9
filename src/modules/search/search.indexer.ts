import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { onEvent } from '../../platform/events.js';
import { htmlToText } from '../../platform/html/sanitize.js';
import { indexDocument, removeDocument } from '../../platform/search/search.repository.js';

/** The search document of a published item's current version, read through the caller's transaction. */
export async function searchDocOf(trx: Kysely<Database>, itemId: number) {
  const row = await trx
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
      'i.withdrawn',
      'c.kind',
      'v.title',
      'v.doc_number',
      'v.keywords',
      'v.summary',
      'v.body_html',
    ])
    .where('i.id', '=', itemId)
    .executeTakeFirst();
  if (!row || !row.first_published_at) return null;
  return {
    withdrawn: row.withdrawn === 1,
    doc: {
      itemId: row.id,
      organizationId: row.organization_id,
      columnId: row.column_id,
      kind: row.kind,
      publishedAt: row.first_published_at,
      title: row.title,
      docNumber: row.doc_number,
      keywords: row.keywords,
      summary: row.summary,
      body: htmlToText(row.body_html),
    },
  };
}

/** Keeps the search index in step with publication, inside the publishing transaction. */
export function registerSearchIndexer() {
  onEvent('search.index', async (trx, event) => {
    if (event.indexQueued) return;
    if (event.type === 'item.withdrawn') {
      await removeDocument(trx, event.itemId);
      // Not indexed later either (a bulk-imported item withdrawn before the queue reached it).
      await trx.deleteFrom('search_queue').where('item_id', '=', event.itemId).execute();
      return;
    }
    const found = await searchDocOf(trx, event.itemId);
    if (!found || found.withdrawn) await removeDocument(trx, event.itemId);
    else await indexDocument(trx, found.doc);
  });
}
