import { onEvent } from '../../platform/events.js';
import { indexDocument, removeDocument } from '../../platform/search/search.repository.js';
import { searchDocsOf } from './search-queue.js';

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
    // The same reading of an item as the queue's (published, not withdrawn, its current public version).
    const [doc] = await searchDocsOf(trx, [event.itemId]);
    if (!doc) await removeDocument(trx, event.itemId);
    else await indexDocument(trx, doc);
  });
}
