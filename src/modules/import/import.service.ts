import fs from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { bulkConnection } from '../../db/bulk.js';
import { type CheckpointStats, walCheckpointer } from '../../db/checkpoint.js';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import type { Deps } from '../../platform/context.js';
import { AppError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { ATTACHMENT_TYPES, detectType, storeFile } from '../../platform/files/files.service.js';
import { beijingDate } from '../../platform/time.js';
import { type Column, directoryOf } from '../directory/directory.service.js';
import { orgTree } from '../organizations/organizations.service.js';
import { DEFAULT_INDEX_PATTERN, INDEX_PATTERN_SETTING, renderPattern } from '../publishing/index-number.js';
import { existingSourceRefs, getSetting } from '../publishing/publishing.repository.js';
import { type ImportedItem, importPublishedMany } from '../publishing/publishing.service.js';
import { drainSearchQueue, queueLength } from '../search/search-queue.js';
import { type PreparedRow, threadCpuSeconds } from './import.prepare.js';
import { ImportFileError } from './import.read.js';
import { advanceSequence, takenIndexNumbers } from './import.repository.js';
import { FIELDS, type Field, fieldLabel, type ImportRow } from './import.schema.js';
import { inlineRowSource, type RowSource, threadRowSource } from './import.source.js';

// `gongkai import documents`: loads an agency's existing, already published items from a spreadsheet.
// Each row is checked on its own; bad rows are reported (line, field, reason) and the good ones imported,
// BATCH rows per transaction through importPublishedMany (multi-row inserts), which is idempotent by the
// row's source id: running the same file again creates nothing new. Search entries are not made in those
// transactions: the new items go into the search queue, indexed by its job or, with indexNow, by this
// command before it returns. One audit event records the run.

export { bodyToHtml } from './import.prepare.js';
export { ImportFileError } from './import.read.js';

export const DEFAULT_BATCH = 500;

export interface RowError {
  /** Row number as Excel shows it (header = 1). */
  line: number;
  /** The field at fault, or null for the row as a whole. */
  field: Field | null;
  message: string;
}

export interface ImportOptions {
  file: string;
  /** Organization code or URL slug. */
  organization: string;
  /** Directory holding the files the 附件 column names. */
  attachmentsDir?: string;
  /** Check everything, write nothing. */
  dryRun?: boolean;
  /** Rows per transaction (default 500). */
  batchSize?: number;
  /** Called after each checked batch of rows: rows done, rows in the file. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Read, check and sanitize on this thread instead of the preparation thread (for measuring; same result). */
  inline?: boolean;
  /**
   * The rows, from a source started earlier for the same file (the command starts the preparation thread
   * while it opens the database). Closed by the import.
   */
  source?: RowSource;
  /** Index the new items before returning instead of leaving them to the search queue's job. */
  indexNow?: boolean;
  /** Called while indexing (indexNow): items indexed, items to index. */
  onIndexProgress?: (done: number, total: number) => void;
}

export interface ImportReport {
  file: string;
  format: 'csv' | 'xlsx';
  /** Encoding of a CSV, sheet name of an XLSX. */
  detail: string;
  organization: { id: number; name: string };
  rows: number;
  created: number;
  skipped: number;
  errors: RowError[];
  /** Header cells that name no known column (ignored). */
  unknownHeaders: string[];
  dryRun: boolean;
  /** Wall time from opening the file to the last commit of the items and its checkpoint (search indexing not included). */
  seconds: number;
  /** CPU time of this process over the same span (user + system; the whole process, worker threads included). */
  cpuSeconds: number;
  /** The part of it spent on the main (writing) thread, where known (Linux). */
  mainThreadCpuSeconds: number | null;
  /** The part spent on the preparation thread (reading, checking, sanitizing), where known. */
  prepareThreadCpuSeconds: number | null;
  /** Time the writer waited for rows from the preparation step (the file's reading included). */
  prepareWaitSeconds: number;
  /** SQLite: the WAL checkpoints of the run, on their own thread (null on PostgreSQL or without the thread). */
  checkpoints: CheckpointStats | null;
  /** Queue entries indexed by this run (--index-now), and how long that took. */
  indexed: number;
  indexSeconds: number;
  /** Items waiting in the search queue when the run ended (this run's and any others'). */
  queued: number;
}

/** 第 N 行 字段「X」：reason */
export function formatRowError(e: RowError): string {
  return e.field ? `第 ${e.line} 行 字段「${fieldLabel(e.field)}」：${e.message}` : `第 ${e.line} 行：${e.message}`;
}

/** The one-line result: 新建 X 条，已存在跳过 Y 条，错误 Z 条 */
export function summaryLine(r: Pick<ImportReport, 'created' | 'skipped' | 'errors' | 'dryRun'>): string {
  const errorRows = new Set(r.errors.map((e) => e.line)).size;
  return r.dryRun
    ? `试运行（未写入）：将新建 ${r.created} 条，已存在跳过 ${r.skipped} 条，错误 ${errorRows} 条`
    : `新建 ${r.created} 条，已存在跳过 ${r.skipped} 条，错误 ${errorRows} 条`;
}

interface Prepared {
  line: number;
  row: ImportRow;
  item: ImportedItem;
  columnCode: string;
  /** Absolute paths of the attachments, in order. */
  files: { path: string; name: string }[];
}

/** Beijing wall-clock date (and time) → ISO instant. */
function beijingInstant(date: string, time: string | null): string {
  return new Date(`${date}T${time ?? '00:00:00'}+08:00`).toISOString();
}

function columnResolver(columns: Column[]) {
  const bySlug = new Map(columns.map((c) => [c.slug.toLowerCase(), c]));
  const byCode = new Map(columns.map((c) => [c.code.toLowerCase(), c]));
  const byName = new Map<string, Column[]>();
  for (const c of columns) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  return (ref: string): Column | string => {
    const key = ref.trim();
    const c = bySlug.get(key.toLowerCase()) ?? byCode.get(key.toLowerCase());
    const named = byName.get(key) ?? [];
    const found = c ?? (named.length === 1 ? named[0] : undefined);
    if (named.length > 1 && !c)
      return `有 ${named.length} 个栏目名为「${key}」，请改填栏目代码（${named.map((n) => n.code).join('、')}）。`;
    if (!found) return `栏目「${key}」不存在。请填写本机构栏目的网址标识、代码或名称（可在管理后台“栏目管理”中查看）。`;
    if (found.retired) return `栏目「${found.name}」已停用，不能再导入信息。`;
    if (found.kind === 'static') return `栏目「${found.name}」是单页栏目，不发布信息条目，请选择其他栏目。`;
    return found;
  };
}

function errorsOf(line: number, e: unknown): RowError[] {
  if (e instanceof ValidationError) {
    const fields = Object.entries(e.fields);
    if (fields.length)
      return fields.map(([k, m]) => ({
        line,
        field: k === 'column_id' ? 'column' : k in FIELDS ? (k as Field) : null,
        message: m,
      }));
  }
  if (e instanceof AppError) return [{ line, field: null, message: e.message }];
  return [{ line, field: null, message: `保存失败：${(e as Error).message}` }];
}

interface RowContext {
  today: string;
  now: Date;
  resolveColumn: (ref: string) => Column | string;
  /** Source id / index number → the line that first used it in this file. */
  seenSource: Map<string, number>;
  seenIndex: Map<string, number>;
  attachmentsDir: string | undefined;
  errors: RowError[];
}

/** The checks of a schema-valid row that need the organization, the clock or the disk; null (and errors) if it fails. */
async function checkRow(deps: Deps, r: Extract<PreparedRow, { ok: true }>, c: RowContext): Promise<Prepared | null> {
  const row = r.row;
  const rowErrors: RowError[] = [];
  const err = (field: Field | null, message: string) => rowErrors.push({ line: r.line, field, message });
  const column = c.resolveColumn(row.column);
  if (typeof column === 'string') err('column', column);
  if (row.date_created.date > c.today) err('date_created', '生成日期不能晚于今天。');
  const publishedAt = row.published_at
    ? beijingInstant(row.published_at.date, row.published_at.time)
    : beijingInstant(row.date_created.date, null);
  if (row.published_at && publishedAt > c.now.toISOString())
    err('published_at', '发布日期不能晚于现在（导入的是已经发布的信息）。');
  const firstLine = c.seenSource.get(row.source_id);
  if (firstLine !== undefined) err('source_id', `与第 ${firstLine} 行的来源编号「${row.source_id}」重复，本行未导入。`);
  else c.seenSource.set(row.source_id, r.line);
  if (row.index_number) {
    const at = c.seenIndex.get(row.index_number);
    if (at !== undefined) err('index_number', `与第 ${at} 行的索引号「${row.index_number}」重复。`);
    else c.seenIndex.set(row.index_number, r.line);
  }
  const files: Prepared['files'] = [];
  if (row.attachments.length && !c.attachmentsDir)
    err('attachments', '本行列有附件，但没有指定附件目录（请加上 --attachments 目录）。');
  else if (c.attachmentsDir) {
    for (const name of row.attachments) {
      const p = path.resolve(c.attachmentsDir, name);
      if (!p.startsWith(c.attachmentsDir + path.sep)) {
        err('attachments', `附件「${name}」不在附件目录中。`);
        continue;
      }
      const bytes = await fs.readFile(p).catch(() => null);
      if (!bytes) {
        err('attachments', `在附件目录中找不到文件「${name}」。`);
        continue;
      }
      const type = detectType(bytes, name);
      if (bytes.length === 0) err('attachments', `附件「${name}」是空文件。`);
      else if (bytes.length > deps.config.attachmentMaxBytes)
        err('attachments', `附件「${name}」超过了 ${Math.round(deps.config.attachmentMaxBytes / 2 ** 20)} MB 的上限。`);
      else if (!type || !(ATTACHMENT_TYPES as readonly string[]).includes(type.ext))
        err(
          'attachments',
          `附件「${name}」的实际格式${type ? `是 ${type.ext.toUpperCase()}，` : '无法识别，'}不允许上传（按文件内容判断）。允许：${ATTACHMENT_TYPES.join('、')}。`,
        );
      else files.push({ path: p, name: path.basename(name) });
    }
  }
  if (rowErrors.length) {
    c.errors.push(...rowErrors);
    return null;
  }
  return {
    line: r.line,
    row,
    files,
    columnCode: (column as Column).code,
    item: {
      sourceRef: row.source_id,
      columnId: (column as Column).id,
      title: row.title,
      docNumber: row.doc_number,
      dateCreated: row.date_created.date,
      publishedAt,
      theme: row.theme,
      genre: row.genre,
      keywords: row.keywords,
      summary: row.summary,
      // Sanitized by the preparation step (sanitizeBody of the body cell as HTML).
      bodyHtml: r.bodyHtml,
      bodySanitized: true,
      indexNumber: row.index_number || undefined,
    },
  };
}

/**
 * Writes a batch of checked rows in the caller's transaction through the bulk path: attachments stored,
 * items written with multi-row statements, search entries queued (indexed later by the queue's job or
 * --index-now).
 */
async function batchWriter(deps: Deps, db: Db, actor: Actor, org: { id: number; code: string }, now: Date) {
  const fdeps: Deps = { ...deps, db };
  // An agency's own index number written in this platform's pattern (HLWT-ZCWJ-2017-00042) must not be
  // handed out again when the next item of that column and year is drafted: move the sequence past it.
  const pattern = (await getSetting(db.kysely, INDEX_PATTERN_SETTING)) ?? DEFAULT_INDEX_PATTERN;
  const keepSequenceAhead = async (trx: Kysely<Database>, p: Prepared) => {
    const rendered = renderPattern(pattern, {
      org: org.code,
      column: p.columnCode,
      year: Number(p.item.dateCreated.slice(0, 4)),
    });
    const m = rendered.match(/\{seq(?::(\d+))?\}/);
    const [before, after] = m
      ? [rendered.slice(0, m.index), rendered.slice(m.index! + m[0].length)]
      : [`${rendered}-`, ''];
    const n = p.item.indexNumber!;
    if (!n.startsWith(before) || !n.endsWith(after)) return;
    const digits = n.slice(before.length, n.length - after.length);
    if (!/^\d{1,9}$/.test(digits)) return;
    await advanceSequence(trx, m ? rendered.replace(m[0], '#') : `${rendered}-#`, Number(digits) + 1);
  };
  return async (trx: Kysely<Database>, batch: Prepared[]) => {
    const items: ImportedItem[] = [];
    for (const p of batch) {
      const attachments = [];
      for (const f of p.files) {
        const stored = await storeFile(
          trx,
          deps.config.dataDir,
          await fs.readFile(f.path),
          f.name,
          { allowed: ATTACHMENT_TYPES, maxBytes: deps.config.attachmentMaxBytes, field: 'attachments' },
          now,
        );
        attachments.push({ ...stored, filename: f.name });
      }
      items.push({ ...p.item, attachments });
    }
    // Before the batch allocates numbers, so a number handed out in this batch never meets one an agency
    // brought (the rows here are new: existing source ids were filtered out).
    for (const p of batch) if (p.item.indexNumber) await keepSequenceAhead(trx, p);
    return importPublishedMany(fdeps, actor, org.id, items, trx);
  };
}

/**
 * Imports the rows of a CSV or XLSX file into an organization as published items. Guarantees: a bad row
 * never stops the good ones and is reported with its line and field; a row whose source id the
 * organization already has is skipped, so re-running a file creates no duplicates; rows are committed in
 * batches; one audit event records the run (none for a dry run). Throws ImportFileError when the file
 * cannot be read as a table, NotFoundError/ValidationError when the organization or the attachments
 * directory is wrong.
 */
export async function importDocuments(deps: Deps, actor: Actor, o: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const thread0 = threadCpuSeconds();
  const now = deps.clock();
  const today = beijingDate(now);
  const batchSize = Math.max(1, o.batchSize ?? DEFAULT_BATCH);

  const tree = await orgTree(deps);
  const org = tree.all.find((x) => x.code === o.organization || x.slug === o.organization);
  if (!org) throw new NotFoundError(`机构「${o.organization}」不存在（请使用机构代码或网址标识）。`);
  let attachmentsDir: string | undefined;
  if (o.attachmentsDir) {
    attachmentsDir = path.resolve(o.attachmentsDir);
    const st = await fs.stat(attachmentsDir).catch(() => null);
    if (!st?.isDirectory()) throw new ValidationError({ attachments: `附件目录不存在：${attachmentsDir}` });
  }

  // The preparation thread reads and checks the rows (and sanitizes bodies) while this thread writes; the
  // directory is read while the thread starts.
  const limit = { maxBytes: deps.config.importMaxBytes };
  const source =
    o.source ?? (o.inline ? inlineRowSource(o.file, batchSize, limit) : threadRowSource(o.file, batchSize, limit));
  const directory = directoryOf(deps, org.id);
  directory.catch(() => {});
  const errors: RowError[] = [];
  let format: ImportReport['format'] = 'csv';
  let detail = '';
  let unknownHeaders: string[] = [];
  let total = 0;
  let created = 0;
  let skipped = 0;
  let queued = 0;
  let prepareThreadCpuSeconds: number | null = null;
  let prepareWaitSeconds = 0;
  const fast = o.dryRun ? null : bulkConnection(deps.db);
  // SQLite: the pages the batches log are copied into the database file by a checkpoint thread, about every
  // 4,000 rows (a page that several batches wrote in between is copied once).
  const checkpointer = o.dryRun ? null : walCheckpointer(deps.db);
  let checkpoints: CheckpointStats | null = null;
  let failure: { error: unknown } | null = null;
  try {
    const w0 = performance.now();
    const info = await source.open();
    prepareWaitSeconds += (performance.now() - w0) / 1000;
    if (info.header.problems.length) throw new ImportFileError(info.header.problems.join('\n'));
    format = info.format;
    detail = info.detail;
    unknownHeaders = info.header.unknown;
    total = info.total;

    const resolveColumn = columnResolver((await directory).all);
    // What the database already holds: source ids of this organization are skipped (their bodies are not
    // even sanitized); index numbers kept from the file that another item already uses are an error for
    // that row, checked batch by batch just before it is written.
    const k = deps.db.kysely;
    const existing = await existingSourceRefs(k, org.id, info.sourceIds.filter(Boolean));
    source.start([...existing.keys()]);
    const seenSource = new Map<string, number>();
    const seenIndex = new Map<string, number>();
    let done = 0;
    await o.onProgress?.(done, total);

    const importBatch = fast ? await batchWriter(deps, fast.db, actor, org, now) : null;

    for (;;) {
      const w0 = performance.now();
      const rows = await source.next();
      prepareWaitSeconds += (performance.now() - w0) / 1000;
      if (!rows) break;
      const prepared: Prepared[] = [];
      for (const r of rows) {
        if (!r.ok) {
          for (const issue of r.issues) errors.push({ line: r.line, field: issue.field, message: issue.message });
          // The column too, so one pass over the report shows everything wrong with the row.
          const col = r.column.trim() ? resolveColumn(r.column) : null;
          if (typeof col === 'string' && !r.issues.some((i) => i.field === 'column'))
            errors.push({ line: r.line, field: 'column', message: col });
          continue;
        }
        const p = await checkRow(deps, r, {
          today,
          now,
          resolveColumn,
          seenSource,
          seenIndex,
          attachmentsDir,
          errors,
        });
        if (p) prepared.push(p);
      }
      const taken = await takenIndexNumbers(
        k,
        prepared.filter((p) => p.item.indexNumber && !existing.has(p.row.source_id)).map((p) => p.item.indexNumber!),
      );
      const todo: Prepared[] = [];
      for (const p of prepared) {
        if (existing.has(p.row.source_id)) skipped++;
        else if (p.item.indexNumber && taken.has(p.item.indexNumber))
          errors.push({
            line: p.line,
            field: 'index_number',
            message: `索引号「${p.item.indexNumber}」已被其他信息使用。`,
          });
        else todo.push(p);
      }
      if (!importBatch) created += todo.length;
      else if (todo.length) {
        try {
          const r = await fast!.db.kysely.transaction().execute((trx) => importBatch(trx, todo));
          r.after();
          await checkpointer?.committed(todo.length, total - done - rows.length);
          for (const x of r.results) {
            if (x.created) {
              created++;
              queued++;
            } else skipped++;
          }
        } catch {
          // One row broke the batch (a constraint, a file that changed since it was checked): import the
          // batch row by row so the others still go in, and report the one that fails.
          for (const p of todo) {
            try {
              const r = await fast!.db.kysely.transaction().execute((trx) => importBatch(trx, [p]));
              r.after();
              if (r.results[0].created) {
                created++;
                queued++;
              } else skipped++;
            } catch (e) {
              errors.push(...errorsOf(p.line, e));
            }
          }
          await checkpointer?.committed(todo.length, total - done - rows.length);
        }
      }
      done += rows.length;
      await o.onProgress?.(done, total);
    }
    prepareThreadCpuSeconds = source.cpuSeconds();
  } catch (error) {
    failure = { error };
  }
  // The last pages are copied before the run counts as done (and the connection checkpoints by itself again),
  // while the preparation thread ends (tearing down its copy of the file takes 50–100 ms at 40 MB).
  const [closed, finished] = await Promise.allSettled([source.close(), checkpointer?.finish() ?? null]);
  await fast?.close();
  if (finished.status === 'fulfilled') checkpoints = finished.value;
  // After a failed run its own error propagates; after a good one, a failure to end its threads does.
  if (failure) throw failure.error;
  for (const r of [finished, closed]) if (r.status === 'rejected') throw r.reason;
  const importSeconds = (performance.now() - started) / 1000;
  const importCpu = process.cpuUsage(cpu0);
  const thread1 = threadCpuSeconds();

  // Search entries of the new items: now, with its own progress, or left to the queue's job.
  let indexSeconds = 0;
  let indexed = 0;
  if (!o.dryRun && o.indexNow && queued) {
    const t0 = performance.now();
    const fast = bulkConnection(deps.db);
    try {
      const toIndex = await queueLength(deps.db.kysely);
      o.onIndexProgress?.(0, toIndex);
      indexed = await drainSearchQueue(fast.db, {
        onProgress: (n) => o.onIndexProgress?.(Math.min(n, toIndex), toIndex),
      });
    } finally {
      await fast.close();
    }
    indexSeconds = (performance.now() - t0) / 1000;
  }
  const waiting = o.dryRun ? 0 : await queueLength(deps.db.kysely);

  errors.sort((a, b) => a.line - b.line);
  const report: ImportReport = {
    file: o.file,
    format,
    detail,
    organization: { id: org.id, name: org.name },
    rows: total,
    created,
    skipped,
    errors,
    unknownHeaders,
    dryRun: Boolean(o.dryRun),
    seconds: importSeconds,
    cpuSeconds: (importCpu.user + importCpu.system) / 1e6,
    mainThreadCpuSeconds: thread0 === null || thread1 === null ? null : thread1 - thread0,
    prepareThreadCpuSeconds,
    prepareWaitSeconds,
    checkpoints,
    indexed,
    indexSeconds,
    queued: waiting,
  };
  if (!o.dryRun) {
    await deps.db.kysely.transaction().execute((trx) =>
      recordAudit(
        trx,
        deps.db.engine,
        actor,
        {
          action: 'item.import',
          entityType: 'organization',
          entityId: org.id,
          organizationId: org.id,
          summary: `导入信息（${path.basename(o.file)}）：${summaryLine(report)}`,
          after: {
            file: path.basename(o.file),
            format,
            detail,
            rows: total,
            created,
            skipped,
            error_rows: new Set(errors.map((e) => e.line)).size,
            // The first problems, so the audit trail says what went wrong without holding a whole report.
            first_errors: errors.slice(0, 20).map(formatRowError),
          },
        },
        deps.clock(),
      ),
    );
  }
  return report;
}
