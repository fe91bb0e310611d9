import { isUtf8 } from 'node:buffer';
import fs from 'node:fs/promises';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import { DEFAULT_IMPORT_MAX_MB } from '../../config.js';
import { humanSize } from '../../platform/files/size.js';

// Reading the spreadsheet an agency exports from its old system: CSV (RFC 4180) in UTF-8 with or without a
// BOM, UTF-16 ("Unicode text" from Excel, tab-separated) or GB18030/GBK (Excel's "CSV" on Chinese Windows),
// or the first sheet of an XLSX workbook. Everything here is about bytes and cells; what the columns mean
// is import.schema.ts.

/** A cell: text, or a date when an XLSX cell holds one. */
export type Cell = string | Date;

export interface SheetRow {
  /** The row number a person sees in Excel (the header is row 1), also for CSV records spanning lines. */
  line: number;
  cells: Cell[];
  /** Cell k without reading the others, where the row can (a CSV row not yet decoded). */
  cell?(k: number): Cell;
}

export interface Sheet {
  format: 'csv' | 'xlsx';
  /** How the CSV was decoded (utf-8, utf-8 with BOM, utf-16le, gb18030); the sheet's name for XLSX. */
  detail: string;
  header: string[];
  rows: SheetRow[];
}

/** The file cannot be read as a table at all (missing, unreadable, not CSV/XLSX, no header). */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/** Bytes of a CSV file → text: BOM first, then strict UTF-8, else GB18030 (a superset of GBK and GB2312). */
export function decodeText(bytes: Uint8Array): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'UTF-8（带 BOM）' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'UTF-16LE' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'UTF-16BE' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' };
  } catch {
    return { text: new TextDecoder('gb18030').decode(bytes), encoding: 'GB18030/GBK' };
  }
}

/**
 * RFC 4180 records: fields separated by `delimiter`, records by CRLF, LF or CR; a quoted field may hold
 * delimiters, line breaks and doubled quotes. Lenient where Excel is: a quote inside an unquoted field is
 * kept as text. Each record carries the physical line it starts on.
 */
export function parseCsv(text: string, delimiter = ','): { line: number; cells: string[] }[] {
  // Fields are cut out with indexOf and slice rather than built a character at a time: a 50 MB export
  // otherwise spends most of the import's parsing time concatenating single characters.
  const QUOTE = 34;
  const CR = 13;
  const LF = 10;
  const delim = delimiter.charCodeAt(0);
  const out: { line: number; cells: string[] }[] = [];
  const n = text.length;
  let cells: string[] = [];
  let line = 1;
  let recordLine = 1;
  const breaksIn = (from: number, to: number) => {
    let k = 0;
    for (let j = from; j < to; j++) {
      const c = text.charCodeAt(j);
      if (c === LF || (c === CR && text.charCodeAt(j + 1) !== LF)) k++;
    }
    return k;
  };
  let i = 0;
  while (i < n) {
    let field = '';
    if (text.charCodeAt(i) === QUOTE) {
      // A quoted part: delimiters and line breaks are text, "" is a quote; it ends at a lone quote (or at
      // the end of the file when never closed).
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        const stop = q < 0 ? n : q;
        line += breaksIn(i, stop);
        field += text.slice(i, stop);
        if (q < 0) {
          i = n;
          break;
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    }
    // The unquoted part (or what follows a closing quote): text up to the delimiter or the line break; a
    // quote here is kept as text, as Excel does.
    let j = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === delim || c === CR || c === LF) break;
      j++;
    }
    field += text.slice(i, j);
    cells.push(field);
    i = j;
    if (i >= n) break;
    if (text.charCodeAt(i) === delim) {
      i++;
      if (i === n) cells.push(''); // "a," ends with an empty field
      continue;
    }
    if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i++;
    i++;
    out.push({ line: recordLine, cells });
    cells = [];
    line++;
    recordLine = line;
  }
  if (cells.length > 0) out.push({ line: recordLine, cells });
  return out;
}

const isBlank = (cells: Cell[]) => cells.every((c) => (typeof c === 'string' ? c.trim() === '' : false));

function fromRecords(format: Sheet['format'], detail: string, records: SheetRow[]): Sheet {
  const headerAt = records.findIndex((r) => !isBlank(r.cells));
  if (headerAt < 0) throw new ImportFileError('文件中没有内容（第一行应为表头，例如：来源编号、栏目、标题……）。');
  const header = records[headerAt].cells.map((c) => (typeof c === 'string' ? c : '').replace(/^\uFEFF/, '').trim());
  const rows = records.slice(headerAt + 1).filter((r) => !isBlank(r.cells));
  return { format, detail, header, rows };
}

/** A CSV read by decoding all of it first (UTF-16, where the bytes cannot be split as they are). */
export function csvTextSheet(bytes: Uint8Array): Sheet {
  const { text, encoding } = decodeText(bytes);
  if (text.includes('\u0000'))
    throw new ImportFileError('文件不是文本格式的 CSV（含有二进制内容）。如为 Excel 文件，请使用 .xlsx 扩展名。');
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  // Excel's "Unicode text" is tab-separated; a header with tabs and no commas is read that way.
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  // Rows are numbered as Excel shows them (a record whose text spans several lines is still one row), so
  // 第 N 行 points at the same row in Excel and in the report.
  const records = parseCsv(text, delimiter).map((r, i) => ({ line: i + 1, cells: r.cells }));
  return fromRecords('csv', encoding, records);
}

/** A CSV file's table: UTF-8 and GB18030 from the bytes (rows decoded when used), UTF-16 as text. */
export function csvSheet(bytes: Uint8Array): Sheet {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) return csvTextSheet(bytes);
  if (bytes.indexOf(0) >= 0)
    throw new ImportFileError('文件不是文本格式的 CSV（含有二进制内容）。如为 Excel 文件，请使用 .xlsx 扩展名。');
  return new CsvBytes(bytes).sheet();
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * A UTF-8 or GB18030 CSV read from its bytes: records are found without decoding the file (in both encodings
 * the bytes of quote, delimiter and line breaks never occur inside a multi-byte character), and a row is
 * decoded only when it is used. A large file thus costs one pass over its bytes before the first row can be
 * imported, instead of decoding and splitting all of it first. The rows are exactly those parseCsv reads
 * from the decoded text.
 */
class CsvBytes {
  private readonly decoder: TextDecoder;
  private readonly encoding: string;
  private readonly from: number;
  private delimiter = 0x2c;

  constructor(private readonly bytes: Uint8Array) {
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    this.from = bom ? 3 : 0;
    const utf8 = bom || isUtf8(bytes);
    this.encoding = bom ? 'UTF-8（带 BOM）' : utf8 ? 'UTF-8' : 'GB18030/GBK';
    this.decoder = new TextDecoder(utf8 ? 'utf-8' : 'gb18030');
  }

  decode(start: number, end: number): string {
    return this.decoder.decode(this.bytes.subarray(start, end));
  }

  // The next line feed, carriage return and delimiter at or after a position, found with indexOf (memchr)
  // and kept while the scan has not passed them: a scan that goes forward searches each byte once.
  private nextLf = -1;
  private nextCr = -1;
  private nextDelim = -1;
  private cursor = 0;

  private next(kind: 'nextLf' | 'nextCr' | 'nextDelim', byte: number, pos: number): number {
    if (pos < this.cursor) {
      // Moved back (reading one column after the records were found): what was found no longer holds.
      this.nextLf = -1;
      this.nextCr = -1;
      this.nextDelim = -1;
    }
    this.cursor = pos;
    let at = this[kind];
    if (at !== Infinity && at < pos) {
      const i = this.bytes.indexOf(byte, pos);
      at = i < 0 ? Infinity : i;
      this[kind] = at;
    }
    return at;
  }

  /** Where the field starting at `pos` ends (at a delimiter, a line break or the end of the file). */
  private fieldEnd(pos: number): number {
    const b = this.bytes;
    const n = b.length;
    let i = pos;
    if (b[i] === QUOTE) {
      i++;
      for (;;) {
        const q = b.indexOf(QUOTE, i);
        if (q < 0) return n;
        if (b[q + 1] === QUOTE) i = q + 2;
        else {
          i = q + 1;
          break;
        }
      }
    }
    const end = Math.min(
      this.next('nextDelim', this.delimiter, i),
      this.next('nextLf', LF, i),
      this.next('nextCr', CR, i),
    );
    return end === Infinity ? n : end;
  }

  /** The records: [start, end) of each, in order, the line breaks that end them left out. */
  private bounds(): [number, number][] {
    const b = this.bytes;
    const n = b.length;
    const out: [number, number][] = [];
    let pos = this.from;
    while (pos < n) {
      const start = pos;
      for (;;) {
        pos = this.fieldEnd(pos);
        if (pos < n && b[pos] === this.delimiter) {
          pos++;
          if (pos < n) continue;
        }
        break;
      }
      out.push([start, pos]);
      if (pos < n) pos += b[pos] === CR && b[pos + 1] === LF ? 2 : 1;
    }
    return out;
  }

  /** The records of a span of whole records, as parseCsv reads them. */
  records(start: number, end: number): string[][] {
    return parseCsv(this.decode(start, end), String.fromCharCode(this.delimiter)).map((r) => r.cells);
  }

  /** The cells of a record, as parseCsv reads them. */
  cells(start: number, end: number): string[] {
    return parseCsv(this.decode(start, end), String.fromCharCode(this.delimiter))[0]?.cells ?? [''];
  }

  /** Cell k of a record, decoding nothing else. */
  cell(start: number, end: number, k: number): string {
    let pos = start;
    for (let i = 0; i < k; i++) {
      pos = this.fieldEnd(pos);
      if (pos >= end) return '';
      pos++; // the delimiter
    }
    const stop = Math.min(this.fieldEnd(pos), end);
    // Most cells hold no quote: their bytes are their text.
    if (this.bytes.subarray(pos, stop).indexOf(QUOTE) < 0) return this.decode(pos, stop);
    return parseCsv(this.decode(pos, stop), String.fromCharCode(this.delimiter))[0]?.cells[0] ?? '';
  }

  /** A record of delimiters, quotes and spaces only may be blank; one with any other ASCII byte is not. */
  private maybeBlank(start: number, end: number): boolean {
    const b = this.bytes;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c < 0x80 && c !== this.delimiter && c !== QUOTE && c !== 0x20 && c !== 0x09 && c !== CR && c !== LF)
        return false;
    }
    return true;
  }

  sheet(): Sheet {
    // Excel's "Unicode text" is tab-separated; a header with tabs and no commas is read that way.
    const b = this.bytes;
    let eol = this.from;
    while (eol < b.length && b[eol] !== CR && b[eol] !== LF) eol++;
    const firstLine = b.subarray(this.from, eol);
    if (firstLine.includes(0x09) && !firstLine.includes(0x2c)) this.delimiter = 0x09;
    // Rows are numbered as Excel shows them (a record whose text spans several lines is still one row), so
    // 第 N 行 points at the same row in Excel and in the report.
    const records = this.bounds()
      .map(([start, end], i) => ({ start, end, line: i + 1 }))
      .filter((r) => !this.maybeBlank(r.start, r.end) || !isBlank(this.cells(r.start, r.end)));
    if (!records.length) throw new ImportFileError('文件中没有内容（第一行应为表头，例如：来源编号、栏目、标题……）。');
    const [head, ...data] = records;
    const header = this.cells(head.start, head.end).map((c) => c.replace(/^\uFEFF/, '').trim());
    const rows: SheetRow[] = data.map((r) => new CsvRow(this, r.line, r.start, r.end));
    return { format: 'csv', detail: this.encoding, header, rows };
  }
}

/** A row of a CsvBytes sheet: its cells decoded when first asked for. */
class CsvRow implements SheetRow {
  decoded: string[] | null = null;
  constructor(
    readonly csv: CsvBytes,
    readonly line: number,
    readonly start: number,
    readonly end: number,
  ) {}
  get cells(): string[] {
    this.decoded ??= this.csv.cells(this.start, this.end);
    return this.decoded;
  }
  cell(k: number): string {
    return this.decoded ? (this.decoded[k] ?? '') : this.csv.cell(this.start, this.end, k);
  }
}

/** One XLSX cell as text (or a Date), whatever exceljs made of it: rich text, links, formulas, numbers. */
export function cellText(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if ('formula' in v || 'sharedFormula' in v)
      return cellText((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('hyperlink' in v && 'text' in v) return cellText((v as ExcelJS.CellHyperlinkValue).text as ExcelJS.CellValue);
    if ('text' in v) return String((v as { text: unknown }).text ?? '');
    if ('error' in v) return '';
  }
  return String(v);
}

async function xlsxSheet(bytes: Uint8Array): Promise<Sheet> {
  // Loaded only for a workbook: exceljs takes longer to load than a CSV of thousands of rows takes to read.
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  try {
    // exceljs types its argument with an older Buffer declaration than @types/node's.
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await wb.xlsx.load(data as unknown as Parameters<typeof wb.xlsx.load>[0]);
  } catch (e) {
    throw new ImportFileError(
      `无法读取 Excel 文件：${(e as Error).message}。请确认文件为 .xlsx 格式（不支持旧版 .xls，可在 Excel 中另存为 .xlsx）。`,
    );
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new ImportFileError('Excel 文件中没有工作表。');
  const records: SheetRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: Cell[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = cellText(cell.value);
    });
    for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = '';
    records.push({ line: rowNumber, cells });
  });
  return fromRecords('xlsx', `工作表「${ws.name}」`, records);
}

const DEFAULT_IMPORT_MAX_BYTES = DEFAULT_IMPORT_MAX_MB * 1024 * 1024;

const SPLIT_ADVICE =
  '请把文件按行拆成几个较小的文件分别导入（每个文件都保留表头；已导入的行再次导入时会跳过），或由管理员调高 IMPORT_MAX_MB。';

function tooLarge(size: number | null, maxBytes: number): ImportFileError {
  return new ImportFileError(
    `文件过大（${size === null ? `超过 ${humanSize(maxBytes)}` : humanSize(size)}），超过导入上限 ${humanSize(maxBytes)}。${SPLIT_ADVICE}`,
  );
}

/**
 * The file's bytes, at most `maxBytes` of them: a regular file larger than that is refused from its size
 * before anything is read; anything else (a pipe, a device, a file still growing) is read up to the limit
 * and refused when there is more.
 */
async function readCapped(file: string, maxBytes: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (st.isFile() && st.size > maxBytes) throw tooLarge(st.size, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    const size = st.isFile() ? st.size + 1 : 1 << 20;
    for (;;) {
      const want = Math.min(Math.max(size - total, 1 << 16), maxBytes + 1 - total);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(null, maxBytes);
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/**
 * The sum of the uncompressed sizes a zip's central directory declares (zip64 included), or null when the
 * directory cannot be found (exceljs then reports the broken file).
 */
export function zipUncompressedSize(bytes: Uint8Array): number | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const minEocd = Math.max(0, b.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = b.length - 22; i >= minEocd; i--)
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) return null;
  let entries = b.readUInt16LE(eocd + 10);
  let at = b.readUInt32LE(eocd + 16);
  if ((entries === 0xffff || at === 0xffffffff) && eocd >= 20 && b.readUInt32LE(eocd - 20) === 0x07064b50) {
    const z = Number(b.readBigUInt64LE(eocd - 12));
    if (z + 56 > b.length || b.readUInt32LE(z) !== 0x06064b50) return null;
    entries = Number(b.readBigUInt64LE(z + 32));
    at = Number(b.readBigUInt64LE(z + 48));
  }
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > b.length || b.readUInt32LE(at) !== 0x02014b50) return null;
    let size = b.readUInt32LE(at + 24);
    const nameLen = b.readUInt16LE(at + 28);
    const extraLen = b.readUInt16LE(at + 30);
    const commentLen = b.readUInt16LE(at + 32);
    if (size === 0xffffffff) {
      // The real size is the first field of the zip64 extra block (id 1).
      for (let e = at + 46 + nameLen; e + 4 <= at + 46 + nameLen + extraLen; ) {
        const id = b.readUInt16LE(e);
        const len = b.readUInt16LE(e + 2);
        if (id === 1 && len >= 8 && e + 12 <= b.length) size = Number(b.readBigUInt64LE(e + 4));
        e += 4 + len;
      }
    }
    total += size;
    at += 46 + nameLen + extraLen + commentLen;
  }
  return total;
}

/**
 * Reads the table of an import file (.csv, .txt or .xlsx); throws ImportFileError when it cannot, or when
 * the file is larger than `maxBytes`: the whole file is held in memory while it is imported, so a larger one
 * is refused, with the way out in the message. For an XLSX the limit applies to what it holds once
 * unpacked too (the sheet's XML, which exceljs holds in memory several times over).
 */
export async function readSheet(file: string, maxBytes = DEFAULT_IMPORT_MAX_BYTES): Promise<Sheet> {
  const ext = path.extname(file).toLowerCase();
  let bytes: Uint8Array;
  try {
    bytes = await readCapped(file, maxBytes);
  } catch (e) {
    if (e instanceof ImportFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImportFileError(
      code === 'ENOENT'
        ? `找不到文件：${file}`
        : code === 'EISDIR'
          ? `${file} 是目录，请指定 CSV 或 XLSX 文件。`
          : `无法读取文件 ${file}：${(e as Error).message}`,
    );
  }
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (ext === '.xlsx' || (isZip && ext !== '.csv')) {
    const unpacked = isZip ? zipUncompressedSize(bytes) : null;
    if (unpacked !== null && unpacked > maxBytes)
      throw new ImportFileError(
        `Excel 文件解压后过大（${humanSize(unpacked)}），超过导入上限 ${humanSize(maxBytes)}。${SPLIT_ADVICE}`,
      );
    return xlsxSheet(bytes);
  }
  if (ext === '.xls' || (bytes[0] === 0xd0 && bytes[1] === 0xcf))
    throw new ImportFileError('不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV UTF-8 后再导入。');
  if (isZip)
    throw new ImportFileError('文件扩展名为 .csv，内容却是压缩包（可能是改了扩展名的 .xlsx）。请使用正确的扩展名。');
  return csvSheet(bytes);
}

// Rows are decoded together in spans of at most this many bytes. The text of a span lives only until its
// cells are cut out; kept under V8's large-object size (128 KB of UTF-16), it is allocated and freed in the
// young generation, whereas a span of a whole batch (a megabyte) takes fresh pages from the system every
// time, and a fresh page is a page fault (13 µs each on the benchmark machine).
const DECODE_SPAN = 48 * 1024;

/**
 * Decodes the cells of these rows ahead of use, a span of rows at a time when they come from one CSV (one
 * decoder call and one split for a few dozen rows costs a fraction of doing it row by row). Rows of other
 * sheets are left as they are.
 */
export function decodeRows(rows: readonly SheetRow[]): void {
  const todo = rows.filter((r): r is CsvRow => r instanceof CsvRow && r.decoded === null);
  if (todo.length < 2) return;
  const csv = todo[0].csv;
  if (todo.some((r) => r.csv !== csv)) return;
  let from = 0;
  while (from < todo.length) {
    let to = from + 1;
    while (to < todo.length && todo[to].end - todo[from].start <= DECODE_SPAN && todo[to].start >= todo[to - 1].end)
      to++;
    const group = todo.slice(from, to);
    from = to;
    if (group.length < 2) continue; // decoded by itself when used
    // The span holds these rows and any blank records between them, in order.
    const records = csv.records(group[0].start, group[group.length - 1].end).filter((cells) => !isBlank(cells));
    if (records.length !== group.length) continue;
    group.forEach((r, i) => {
      r.decoded = records[i];
    });
  }
}
