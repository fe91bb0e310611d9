import { readFileSync } from 'node:fs';
import { escapeText } from '../../platform/html/dom.js';
import { sanitizeBody } from '../../platform/html/sanitize.js';
import { decodeRows, readSheet, type Sheet, type SheetRow } from './import.read.js';
import { type Field, type HeaderMap, type ImportRow, importRow, mapHeader, rowInput } from './import.schema.js';

// The part of an import that needs no database: reading the file, checking each row against the schema and
// turning its body into sanitized HTML. It runs on the preparation thread (import.worker.ts), a batch or two
// ahead of the main thread, which only resolves columns, checks what needs the organization or the clock,
// and writes. Without the thread (it could not start) the same functions run on the main thread.

export interface SheetInfo {
  format: Sheet['format'];
  detail: string;
  header: HeaderMap;
  /** Data rows in the file. */
  total: number;
  /** The source id cell of each row (trimmed; '' when missing), so the main thread can look them up. */
  sourceIds: string[];
}

export type PreparedRow =
  | {
      line: number;
      ok: true;
      row: ImportRow;
      /** The body as stored: sanitized HTML, or '' for a row the organization already has (skipped). */
      bodyHtml: string;
    }
  | {
      line: number;
      ok: false;
      issues: { field: Field | null; message: string }[];
      /** The raw column cell, so the main thread can report a bad column with the other problems. */
      column: string;
    };

// HTML when it holds a tag that bodies are made of; a stray "<x>" in plain text stays text.
const looksLikeHtml = (s: string) =>
  /<\/?(?:p|div|br|span|h[1-6]|table|thead|tbody|tr|td|th|ul|ol|li|strong|b|em|i|u|a|img|font|section|article|blockquote|pre|hr)\b[^<>]*>/i.test(
    s,
  );

/**
 * Body cell → HTML: HTML as it is (sanitized on import), plain text one paragraph per line, written as the
 * sanitizer writes it, so that such a body is already in its stored form (isCanonicalBody) and not parsed again.
 */
export function bodyToHtml(body: string): string {
  if (looksLikeHtml(body)) return body;
  return body
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/^[\s\u3000]+|[\s\u3000]+$/g, ''))
    .filter(Boolean)
    .map((l) => `<p>${escapeText(l)}</p>`)
    .join('');
}

// The first batch is small so that writing starts soon; each next one twice as large up to the size asked,
// so that the writer is never left waiting for a large batch while it has little to do.
const FIRST_BATCH = 200;

/**
 * The rows in prepared batches, in order: 200 rows, then twice as many each time up to `batchSize`.
 * `existing` is read as each batch is prepared (the source ids known to be in the database by then).
 */
export function* preparedBatches(
  rows: SheetRow[],
  header: HeaderMap,
  existing: () => ReadonlySet<string>,
  batchSize: number,
): Generator<PreparedRow[], void> {
  let at = 0;
  let size = Math.min(batchSize, FIRST_BATCH);
  while (at < rows.length) {
    const end = at + size;
    yield prepareRows(rows.slice(at, end), header, existing());
    at = end;
    size = Math.min(batchSize, size * 2);
  }
}

/** Reads the file and maps its header; throws ImportFileError when it is not a usable table. */
export async function openSheet(file: string, maxBytes?: number): Promise<{ sheet: Sheet; info: SheetInfo }> {
  const sheet = await readSheet(file, maxBytes);
  const header = mapHeader(sheet.header);
  const at = header.positions.source_id;
  // Only this cell of each row is decoded now; the rest when the row's batch is prepared.
  const sourceIds = sheet.rows.map((r) => {
    const v = at === undefined ? '' : r.cell ? r.cell(at) : r.cells[at];
    return typeof v === 'string' ? v.trim() : '';
  });
  return {
    sheet,
    info: { format: sheet.format, detail: sheet.detail, header, total: sheet.rows.length, sourceIds },
  };
}

/**
 * Checks rows against the import schema and prepares their bodies. Rows whose source id is in `existing`
 * are checked but their bodies are not sanitized: they will be skipped, and re-running a large file should
 * not pay for sanitizing it again.
 */
export function prepareRows(rows: SheetRow[], header: HeaderMap, existing: ReadonlySet<string>): PreparedRow[] {
  decodeRows(rows);
  const out: PreparedRow[] = [];
  for (const r of rows) {
    const input = rowInput(r.cells, header.positions);
    const parsed = importRow.safeParse(input);
    if (!parsed.success) {
      out.push({
        line: r.line,
        ok: false,
        issues: parsed.error.issues.map((i) => ({ field: (i.path[0] as Field) ?? null, message: i.message })),
        column: typeof input.column === 'string' ? input.column : '',
      });
      continue;
    }
    const row = parsed.data;
    const bodyHtml = existing.has(row.source_id) ? '' : sanitizeBody(bodyToHtml(row.body));
    // The raw body is not needed past this point; not sending it back halves what crosses the threads.
    row.body = '';
    out.push({ line: r.line, ok: true, row, bodyHtml });
  }
  return out;
}

/** CPU seconds of the calling thread (Linux: /proc/thread-self/stat, utime + stime); null elsewhere. */
export function threadCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks; USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}
