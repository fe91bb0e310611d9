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
import { bulkConnection } from '../src/db/bulk.js';
import { csvSheet } from '../src/modules/import/import.read.js';
import { mapHeader } from '../src/modules/import/import.schema.js';
import { IMPORTED_VERSION_COLUMNS } from '../src/modules/publishing/publishing.service.js';
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
const rows = sheet.rows.map((r, i) => {
  const c = r.cells as string[];
  const published = cell(c, at.published_at);
  const columnId = columns.get(cell(c, at.column));
  if (columnId === undefined) throw new Error(`row ${r.line}: no column ${cell(c, at.column)}`);
  return {
    columnId,
    sourceRef: cell(c, at.source_id),
    indexNumber: `BASELINE-${process.pid}-${i}`,
    title: cell(c, at.title),
    docNumber: cell(c, at.doc_number),
    dateCreated: cell(c, at.date_created),
    publishedAt: new Date(`${published.slice(0, 10)}T${published.slice(11, 16) || '00:00'}:00+08:00`).toISOString(),
    theme: cell(c, at.theme),
    genre: cell(c, at.genre),
    keywords: cell(c, at.keywords),
    summary: cell(c, at.summary),
    body: cell(c, at.body),
  };
});

const ITEM = [
  'organization_id',
  'column_id',
  'index_number',
  'title',
  'doc_number',
  'date_created',
  'theme',
  'genre',
  'keywords',
  'summary',
  'body_html',
  'disclosure',
  'exemption',
  'five_category',
  'disclosure_method',
  'status',
  'change_kind',
  'change_note',
  'published_version',
  'first_published_at',
  'last_published_at',
  'withdrawn',
  'source_ref',
  'created_at',
  'updated_at',
];
const VERSION = [...IMPORTED_VERSION_COLUMNS];
const EVENT = ['item_id', 'at', 'actor_user_id', 'actor_name', 'action', 'from_status', 'to_status', 'comment'];
const statements = new Map<string, ReturnType<typeof handle.prepare>>();
const insert = (table: string, cols: string[], n: number, returning = '') => {
  const key = `${table}:${n}`;
  let st = statements.get(key);
  if (!st) {
    const tuple = `(${cols.map(() => '?').join(',')})`;
    st = handle.prepare(
      `insert into ${table} (${cols.join(',')}) values ${Array(n).fill(tuple).join(',')}${returning}`,
    );
    statements.set(key, st);
  }
  return st;
};
// SQLite allows 32,766 parameters a statement.
const chunks = <T>(xs: T[], cols: string[]) => {
  const per = Math.floor(32_766 / cols.length);
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += per) out.push(xs.slice(i, i + per));
  return out;
};

const bulk = bulkConnection(deps.db);
const previous = Number(handle.pragma('wal_autocheckpoint', { simple: true }));
handle.pragma('wal_autocheckpoint = 0');
const t0 = performance.now();
for (let i = 0; i < rows.length; i += 500) {
  const batch = rows.slice(i, i + 500);
  handle.transaction(() => {
    const ids: number[] = [];
    for (const part of chunks(batch, ITEM)) {
      const values = part.flatMap((r) => [
        org.id,
        r.columnId,
        r.indexNumber,
        r.title,
        r.docNumber,
        r.dateCreated,
        r.theme,
        r.genre,
        r.keywords,
        r.summary,
        r.body,
        'proactive',
        '',
        'result',
        '政府网站',
        'published',
        'initial',
        '',
        1,
        r.publishedAt,
        r.publishedAt,
        0,
        r.sourceRef,
        ts,
        ts,
      ]);
      for (const x of insert('items', ITEM, part.length, ' returning id').all(values) as { id: number }[])
        ids.push(x.id);
    }
    let k = 0;
    for (const part of chunks(batch, VERSION)) {
      const values = part.flatMap((r) => [
        ids[k++],
        1,
        r.title,
        r.docNumber,
        r.summary,
        r.keywords,
        r.theme,
        r.genre,
        r.body,
        '[]',
        'initial',
        '',
        r.publishedAt,
        null,
      ]);
      insert('item_versions', VERSION, part.length).run(values);
    }
    k = 0;
    for (const part of chunks(batch, EVENT)) {
      const values = part.flatMap((r) => [ids[k++], ts, null, 'baseline', 'import', null, 'published', r.sourceRef]);
      insert('item_events', EVENT, part.length).run(values);
    }
    insert('search_queue', ['item_id', 'queued_at'], ids.length).run(ids.flatMap((id) => [id, ts]));
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
