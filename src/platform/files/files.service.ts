import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Kysely } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { ValidationError } from '../errors.js';
import { detectType } from './detect.js';
import * as repo from './files.repository.js';
import { humanSize } from './size.js';

export { type DetectedType, detectType } from './detect.js';

// Content-addressed file store: each distinct content is written once, under its SHA-256, to
// DATA_DIR/files/ab/cd/<sha256>, with one row in `files` giving its size and detected type. Item
// attachments point at a sha256 and keep the uploader's filename; the bytes are never duplicated.

/** Attachment types of an information item (政府信息附件). */
export const ATTACHMENT_TYPES = ['pdf', 'ofd', 'doc', 'docx', 'xls', 'xlsx', 'wps', 'jpg', 'png', 'zip'] as const;
/** Images placed in an item's body. */
export const BODY_IMAGE_TYPES = ['jpg', 'png'] as const;
/** For the later video feature: the media and its captions. */
export const VIDEO_TYPES = ['mp4', 'webm'] as const;
export const CAPTION_TYPES = ['vtt'] as const;

/** The attachment size limit until the lead adds a configuration key for it. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024;

export interface StoredFile {
  sha256: string;
  size: number;
  mime: string;
  ext: string;
}

export interface StoreOptions {
  /** Extensions (as detectType names them) that this upload may be. */
  allowed: readonly string[];
  maxBytes: number;
  /** The form field the ValidationError names; 'file' by default. */
  field?: string;
}

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

const kyselyOf = (db: Db | Kysely<Database>): Kysely<Database> => (db instanceof Kysely ? db : db.kysely);

/** Where the bytes of a content live: DATA_DIR/files/ab/cd/<sha256> (two levels keep directories small). */
export function filePath(dataDir: string, sha256: string): string {
  return path.join(dataDir, 'files', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

/** The name without any directory part a browser may have sent, for messages and downloads. */
export function baseName(filename: string): string {
  const base = filename.split(/[/\\]/).pop() ?? '';
  let out = '';
  for (const ch of base) {
    const c = ch.charCodeAt(0);
    if (c > 0x1f && c !== 0x7f) out += ch; // control characters would break the Content-Disposition header
  }
  return out.trim();
}

const allowedList = (allowed: readonly string[]) => allowed.map((e) => e.toUpperCase()).join('、');

/**
 * Checks an upload (size, type from its bytes) and stores it once. Guarantees: the bytes on disk are
 * complete before any row names them (temp file + rename), and the same bytes stored any number of times,
 * concurrently too, end as one file and one row. Throws ValidationError with a Chinese message.
 */
export async function storeFile(
  db: Db | Kysely<Database>,
  dataDir: string,
  bytes: Uint8Array,
  filename: string,
  opts: StoreOptions,
  now: Date,
): Promise<StoredFile> {
  const field = opts.field ?? 'file';
  const name = baseName(filename) || '未命名文件';
  const fail = (message: string): never => {
    throw new ValidationError({ [field]: message }, message);
  };
  if (bytes.length === 0) return fail(`文件“${name}”是空文件，请重新选择。`);
  if (bytes.length > opts.maxBytes)
    return fail(`文件“${name}”大小为 ${humanSize(bytes.length)}，超过了 ${humanSize(opts.maxBytes)} 的上限。`);
  const type = detectType(bytes, name);
  if (!type)
    return fail(
      `无法识别文件“${name}”的格式（按文件内容判断，修改扩展名无效）。允许上传的类型：${allowedList(opts.allowed)}。`,
    );
  if (!opts.allowed.includes(type.ext))
    return fail(
      `文件“${name}”的实际格式是${typeLabel(type.ext)}，不允许上传。允许上传的类型：${allowedList(opts.allowed)}。`,
    );

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await writeOnce(filePath(dataDir, sha256), bytes);
  const k = kyselyOf(db);
  await repo.insertFileIfAbsent(k, {
    sha256,
    size: bytes.length,
    mime: type.mime,
    ext: type.ext,
    created_at: now.toISOString(),
  });
  // Same bytes uploaded earlier under another name of the same family (.doc / .wps) keep the first type.
  const row = await repo.findFile(k, sha256);
  return row
    ? { sha256, size: Number(row.size), mime: row.mime, ext: row.ext }
    : { sha256, size: bytes.length, ...type };
}

async function writeOnce(target: string, bytes: Uint8Array): Promise<void> {
  try {
    if ((await fs.stat(target)).size === bytes.length) return; // the name is the content's hash
  } catch {
    /* not stored yet */
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  // A reader never sees a half-written file: the bytes go to a private temp name in the same directory,
  // are flushed, then renamed into place in one step. Concurrent writers of the same content each
  // rename a complete copy over the other's, which is harmless.
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await fs.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export interface OpenedFile {
  size: number;
  /** The bytes from start to end inclusive (the whole file by default), opened only when called. */
  stream(range?: { start: number; end: number }): ReadableStream<Uint8Array>;
}

/** The stored bytes of a content, or null when the hash is malformed or nothing is stored under it. */
export async function openFile(dataDir: string, sha256: string): Promise<OpenedFile | null> {
  if (!SHA256_PATTERN.test(sha256)) return null;
  const p = filePath(dataDir, sha256);
  let size: number;
  try {
    const st = await fs.stat(p);
    if (!st.isFile()) return null;
    size = st.size;
  } catch {
    return null;
  }
  return {
    size,
    stream: (range) =>
      Readable.toWeb(
        createReadStream(p, range ? { start: range.start, end: range.end } : {}),
      ) as ReadableStream<Uint8Array>,
  };
}

/** The stored row of a content (size and detected type), if any. */
export function findStoredFile(db: Db | Kysely<Database>, sha256: string): Promise<repo.FileRow | undefined> {
  return repo.findFile(kyselyOf(db), sha256);
}

/**
 * True when the public may download this content: an attachment of a published, not withdrawn item uses
 * it. Staff may download any stored file; the route checks that separately.
 */
export function isPubliclyReferenced(db: Db | Kysely<Database>, sha256: string): Promise<boolean> {
  return repo.isPubliclyReferenced(kyselyOf(db), sha256);
}

const TYPE_LABELS: Record<string, string> = {
  pdf: 'PDF 文档',
  ofd: 'OFD 版式文档',
  doc: 'Word 文档',
  docx: 'Word 文档',
  wps: 'WPS 文字文档',
  xls: 'Excel 表格',
  xlsx: 'Excel 表格',
  ppt: 'PowerPoint 演示文稿',
  pptx: 'PowerPoint 演示文稿',
  zip: 'ZIP 压缩包',
  jpg: 'JPEG 图片',
  png: 'PNG 图片',
  gif: 'GIF 图片',
  mp4: 'MP4 视频',
  webm: 'WebM 视频',
  vtt: 'WebVTT 字幕',
  exe: '可执行程序',
};

/** The kind of file in Chinese for the item page and messages ("PDF 文档", "OFD 版式文档"). */
export function typeLabel(ext: string): string {
  const e = ext.toLowerCase().replace(/^\./, '');
  return TYPE_LABELS[e] ?? (e ? `${e.toUpperCase()} 文件` : '文件');
}

// Extensions that name the same stored type, so a download keeps the uploader's choice among them.
const SAME_TYPE: Record<string, string> = { jpeg: 'jpg', jpe: 'jpg', wps: 'doc' };
const family = (ext: string) => SAME_TYPE[ext] ?? ext;

/**
 * The name a download is saved under: the requested name without directories or control characters,
 * ending in the stored type's extension, so a PDF cannot be saved as "page.html" and opened as one.
 */
export function downloadName(requested: string, ext: string): string {
  let name = baseName(requested).replace(/["\\]/g, '');
  if (name.length > 200) name = name.slice(0, 200);
  if (!name || name === '.' || name === '..') name = 'file';
  const current = /\.([a-z0-9]{1,8})$/i.exec(name)?.[1].toLowerCase() ?? '';
  return current && family(current) === family(ext) ? name : `${name}.${ext}`;
}

/** A Content-Disposition value with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
