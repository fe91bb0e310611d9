import fs from 'node:fs/promises';
import path from 'node:path';
import type ExcelJS from 'exceljs';

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

function csvSheet(bytes: Uint8Array): Sheet {
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

async function xlsxSheet(file: string): Promise<Sheet> {
  // Loaded only for a workbook: exceljs takes longer to load than a CSV of thousands of rows takes to read.
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  try {
    await wb.xlsx.readFile(file);
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

/** Reads the table of an import file (.csv, .txt or .xlsx); throws ImportFileError when it cannot. */
export async function readSheet(file: string): Promise<Sheet> {
  const ext = path.extname(file).toLowerCase();
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
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
  if (ext === '.xlsx' || (isZip && ext !== '.csv')) return xlsxSheet(file);
  if (ext === '.xls' || (bytes[0] === 0xd0 && bytes[1] === 0xcf))
    throw new ImportFileError('不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV UTF-8 后再导入。');
  if (isZip)
    throw new ImportFileError('文件扩展名为 .csv，内容却是压缩包（可能是改了扩展名的 .xlsx）。请使用正确的扩展名。');
  return csvSheet(bytes);
}
