// The import's baseline for `npm run bench:items`: the rows of an import CSV written into the same SQLite
// database by bare better-sqlite3 statements, run as its own process right beside the real command, so that the
// machine's speed of the moment is measured with the import and the two can be compared as a ratio.
//
//   node --import tsx bench/import-baseline.ts FILE ORG-SLUG     (DATA_DIR: the benchmark database)
//
// What it writes is what the import writes for a row (the items row, version 1, the import event, the search
// queue entry), 500 rows per transaction with one multi-row statement per table, on the application's connection
// with the settings of its bulk writes (src/db/bulk.ts: statement journals in memory, a 64 MB page cache). What it
// leaves out is everything that is not SQL: no reading or checking
// of rows (they are read and converted before the clock starts), no sanitizing, no index-number allocation, no
// audit or events. SQLite's own checkpoints are off while it writes and one checkpoint copies the log into the
// database at the end, timed: the import's figure includes its last checkpoint too. Prints one line,
// `baseline {json}`. The bench deletes the rows again by their source ids.
import fs from 'node:fs';
import { bulkConnection, rowsPerStatement, statementText } from '../src/db/bulk.js';
import { csvSheet } from '../src/modules/import/import.read.js';
import { mapHeader } from '../src/modules/import/import.schema.js';
import {
  type ImportedItem,
  importedItemRow,
  importedVersionRow,
} from '../src/modules/publishing/publishing.service.js';
import { scriptDeps } from './seed.js';

const [file, orgSlug] = process.argv.slice(2);
if (!file || !orgSlug) {
  console.error('usage: import-baseline.ts FILE ORG-SLUG');
  process.exit(2);
}
const deps = await scriptDeps(process.env.DATA_DIR ?? '');
const handle = deps.db.sqlite;
if (!handle) throw new Error('the baseline is for SQLite');

const sheet = csvSheet(fs.readFileSync(file));
const at = mapHeader(sheet.header).positions;
const org = handle.prepare('select id from organizations where slug = ?').get(orgSlug) as { id: number };
const columns = new Map(
  (
    handle.prepare('select id, slug from columns where organization_id = ?').all(org.id) as {
      id: number;
      slug: string;
    }[]
  ).map((c) => [c.slug, c.id]),
);
const ts = new Date().toISOString();
const cell = (cells: string[], k: number | undefined) => (k === undefined ? '' : (cells[k] ?? '').trim());
const rows: { item: ImportedItem; indexNumber: string }[] = sheet.rows.map((r, i) => {
  const c = r.cells as string[];
  const published = cell(c, at.published_at);
  const columnId = columns.get(cell(c, at.column));
  if (columnId === undefined) throw new Error(`row ${r.line}: no column ${cell(c, at.column)}`);
  return {
    indexNumber: `BASELINE-${process.pid}-${i}`,
    item: {
      sourceRef: cell(c, at.source_id),
      columnId,
      title: cell(c, at.title),
      docNumber: cell(c, at.doc_number),
      dateCreated: cell(c, at.date_created),
      publishedAt: new Date(`${published.slice(0, 10)}T${published.slice(11, 16) || '00:00'}:00+08:00`).toISOString(),
      theme: cell(c, at.theme),
      genre: cell(c, at.genre),
      keywords: cell(c, at.keywords),
      summary: cell(c, at.summary),
      bodyHtml: cell(c, at.body),
    },
  };
});

// The import's own rows (importedItemRow, importedVersionRow) and statement texts (src/db/bulk.ts), run by
// bare prepared statements instead of through Kysely.
const prepared = new Map<string, ReturnType<typeof handle.prepare>>();
function insert(table: string, objects: Record<string, unknown>[], returning: string[] = []) {
  const out: Record<string, unknown>[] = [];
  if (!objects.length) return out;
  const cols = Object.keys(objects[0]);
  const per = rowsPerStatement(cols.length);
  for (let i = 0; i < objects.length; i += per) {
    const part = objects.slice(i, i + per);
    const text = statementText('sqlite', table, cols, part.length, returning);
    let st = prepared.get(text);
    if (!st) {
      st = handle!.prepare(text);
      prepared.set(text, st);
    }
    const values = part.flatMap((o) => cols.map((c) => o[c]));
    if (returning.length) out.push(...(st.all(values) as Record<string, unknown>[]));
    else st.run(values);
  }
  return out;
}

const bulk = bulkConnection(deps.db);
const previous = Number(handle.pragma('wal_autocheckpoint', { simple: true }));
handle.pragma('wal_autocheckpoint = 0');
const t0 = performance.now();
for (let i = 0; i < rows.length; i += 500) {
  const batch = rows.slice(i, i + 500);
  handle.transaction(() => {
    const items = batch.map((r) => importedItemRow(org.id, r.item.columnId, r.indexNumber, r.item, ts));
    const ids = insert('items', items, ['id']).map((x) => Number(x.id));
    insert(
      'item_versions',
      batch.map((r, k) => importedVersionRow(ids[k], r.item, r.item.bodyHtml)),
    );
    insert(
      'item_events',
      batch.map((r, k) => ({
        item_id: ids[k],
        at: ts,
        actor_user_id: null,
        actor_name: 'baseline',
        action: 'import',
        from_status: null,
        to_status: 'published',
        comment: r.item.sourceRef,
      })),
    );
    insert(
      'search_queue',
      ids.map((id) => ({ item_id: id, queued_at: ts })),
    );
  })();
}
const t1 = performance.now();
handle.pragma('wal_checkpoint(PASSIVE)');
const t2 = performance.now();
handle.pragma(`wal_autocheckpoint = ${previous}`);
await bulk.close();
await deps.db.close();
const seconds = (t2 - t0) / 1000;
console.log(
  `baseline ${JSON.stringify({ rows: rows.length, seconds, writeSeconds: (t1 - t0) / 1000, checkpointSeconds: (t2 - t1) / 1000, itemsPerSecond: rows.length / seconds })}`,
);
