// Items waiting for their search index entry (filled by bulk imports, drained by the 'search.index-queue'
// job). claimed_by/claim_until: the worker indexing the row now and until when its claim holds.

export interface SearchQueueTable {
  item_id: number;
  queued_at: string;
  claimed_by: string | null;
  claim_until: string | null;
}
