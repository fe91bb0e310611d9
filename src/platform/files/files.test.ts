import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { createTestDb, type TestDb, testEngines } from '../../testing/db.js';
import { ValidationError } from '../errors.js';
import { cfbEntryNames, zipEntryNames } from './detect.js';
import { fileRoutes, matchesEtag, parseRange } from './files.routes.js';
import {
  ATTACHMENT_TYPES,
  BODY_IMAGE_TYPES,
  contentDisposition,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  detectType,
  downloadName,
  filePath,
  isPubliclyReferenced,
  openFile,
  storeFile,
  typeLabel,
} from './files.service.js';
import { humanSize } from './size.js';

// --- Minimal real files, built here so the tests need no binary fixtures and no dependency -----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A ZIP archive (deflated entries, central directory, UTF-8 names), as Office and OFD writers produce. */
function zip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const data = Buffer.from(content, 'utf8');
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(entries).length, 8);
  eocd.writeUInt16LE(Object.keys(entries).length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** An OLE2 compound file (MS-CFB v3: header, one FAT sector, one directory sector) with empty streams. */
function cfb(streams: string[]): Buffer {
  const b = Buffer.alloc(512 * 3, 0);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(b, 0);
  b.writeUInt16LE(0x3e, 0x18);
  b.writeUInt16LE(3, 0x1a);
  b.writeUInt16LE(0xfffe, 0x1c);
  b.writeUInt16LE(9, 0x1e);
  b.writeUInt16LE(6, 0x20);
  b.writeUInt32LE(1, 0x2c); // one FAT sector
  b.writeUInt32LE(1, 0x30); // directory starts at sector 1
  b.writeUInt32LE(4096, 0x38);
  b.writeUInt32LE(0xfffffffe, 0x3c);
  b.writeUInt32LE(0xfffffffe, 0x44);
  for (let i = 0; i < 109; i++) b.writeUInt32LE(i === 0 ? 0 : 0xffffffff, 0x4c + i * 4);
  const fat = 512;
  for (let i = 0; i < 128; i++) b.writeUInt32LE(0xffffffff, fat + i * 4);
  b.writeUInt32LE(0xfffffffd, fat); // sector 0 is the FAT
  b.writeUInt32LE(0xfffffffe, fat + 4); // sector 1: the directory, one sector long
  const dir = 1024;
  const entry = (i: number, name: string, kind: number) => {
    const at = dir + i * 128;
    for (let j = 0; j < name.length; j++) b.writeUInt16LE(name.charCodeAt(j), at + j * 2);
    b.writeUInt16LE((name.length + 1) * 2, at + 0x40);
    b[at + 0x42] = kind;
    b.writeUInt32LE(0xffffffff, at + 0x44);
    b.writeUInt32LE(0xffffffff, at + 0x48);
    b.writeUInt32LE(i === 0 && streams.length ? 1 : 0xffffffff, at + 0x4c);
    b.writeUInt32LE(0xfffffffe, at + 0x74);
  };
  entry(0, 'Root Entry', 5);
  for (const [i, s] of streams.entries()) entry(i + 1, s, 2);
  return b;
}

function png(): Buffer {
  const chunk = (kind: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(kind, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0xc0, 0x20, 0x20]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const jpeg = () =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]),
  ]);

const pdf = (note = '') =>
  Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n` +
      `trailer<</Root 1 0 R>>\n%${note}\n%%EOF\n`,
    'latin1',
  );

const FIXTURES = {
  pdf: pdf(),
  png: png(),
  jpg: jpeg(),
  ofd: zip({ 'OFD.xml': '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>', 'Doc_0/Document.xml': '<x/>' }),
  docx: zip({
    '[Content_Types].xml': '<Types/>',
    '_rels/.rels': '<Relationships/>',
    'word/document.xml': '<w:document/>',
  }),
  xlsx: zip({ '[Content_Types].xml': '<Types/>', 'xl/workbook.xml': '<workbook/>' }),
  pptx: zip({ '[Content_Types].xml': '<Types/>', 'ppt/presentation.xml': '<p/>' }),
  zip: zip({ '说明.txt': '附件说明', 'data/表1.csv': 'a,b' }),
  doc: cfb(['WordDocument', '1Table', '\u0005SummaryInformation']),
  xls: cfb(['Workbook', '\u0005SummaryInformation']),
  xls95: cfb(['Book']),
  mp4: Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypisom', 'latin1'),
    Buffer.from([0, 0, 2, 0]),
    Buffer.from('isommp41', 'latin1'),
  ]),
  webm: Buffer.from([
    0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0xf2, 0x81, 0x04, 0x42, 0xf3,
    0x81, 0x08, 0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d, 0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02,
  ]),
  vtt: Buffer.from('WEBVTT\n\n00:00.000 --> 00:02.000\n各位市民朋友\n', 'utf8'),
  exe: Buffer.concat([Buffer.from('MZ', 'latin1'), Buffer.alloc(200)]),
  html: Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>', 'utf8'),
};

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gk-files-'));
const NOW = new Date('2026-11-25T02:00:00Z');

describe('detectType', () => {
  const cases: [string, Buffer, string, string][] = [
    ['PDF', FIXTURES.pdf, 'a.pdf', 'application/pdf'],
    ['PNG', FIXTURES.png, 'a.png', 'image/png'],
    ['JPEG', FIXTURES.jpg, 'a.jpg', 'image/jpeg'],
    ['OFD', FIXTURES.ofd, 'a.ofd', 'application/ofd'],
    ['DOCX', FIXTURES.docx, 'a.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['XLSX', FIXTURES.xlsx, 'a.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['ZIP', FIXTURES.zip, 'a.zip', 'application/zip'],
    ['DOC', FIXTURES.doc, 'a.doc', 'application/msword'],
    ['XLS', FIXTURES.xls, 'a.xls', 'application/vnd.ms-excel'],
    ['MP4', FIXTURES.mp4, 'a.mp4', 'video/mp4'],
    ['WebM', FIXTURES.webm, 'a.webm', 'video/webm'],
    ['WebVTT', FIXTURES.vtt, 'a.vtt', 'text/vtt'],
  ];
  for (const [label, bytes, name, mime] of cases) {
    test(`recognises ${label} from its bytes`, () => {
      assert.deepEqual(detectType(bytes, name), { ext: path.extname(name).slice(1), mime });
    });
  }

  test('the fixtures are real containers: the ZIP and CFB directories read back', () => {
    assert.deepEqual(zipEntryNames(FIXTURES.docx), ['[Content_Types].xml', '_rels/.rels', 'word/document.xml']);
    assert.deepEqual(zipEntryNames(FIXTURES.zip), ['说明.txt', 'data/表1.csv']);
    assert.deepEqual(cfbEntryNames(FIXTURES.doc), ['Root Entry', 'WordDocument', '1Table', '\u0005SummaryInformation']);
  });

  test('the name does not decide the type: content wins whatever the extension says', () => {
    assert.equal(detectType(FIXTURES.docx, '通知.pdf')?.ext, 'docx');
    assert.equal(detectType(FIXTURES.pdf, '通知.docx')?.ext, 'pdf');
    assert.equal(detectType(FIXTURES.xlsx, 'table.docx')?.ext, 'xlsx');
    assert.equal(detectType(FIXTURES.ofd, 'a.zip')?.ext, 'ofd');
    assert.equal(detectType(FIXTURES.xls, 'a.doc')?.ext, 'xls');
    assert.equal(detectType(FIXTURES.xls95, 'a.xls')?.ext, 'xls', 'Excel 95 names its stream Book');
  });

  test('the name only chooses within the container family: WordDocument is .wps when so named', () => {
    assert.equal(detectType(FIXTURES.doc, '报告.wps')?.ext, 'wps');
    assert.equal(detectType(FIXTURES.doc, '报告.WPS')?.ext, 'wps');
    assert.equal(detectType(FIXTURES.doc, '报告.doc')?.ext, 'doc');
    assert.equal(detectType(FIXTURES.doc, '报告.pdf')?.ext, 'doc');
  });

  test('executables, HTML and unknown data renamed to an allowed extension are not what they claim', () => {
    assert.equal(detectType(FIXTURES.exe, 'setup.pdf')?.ext, 'exe');
    assert.equal(detectType(FIXTURES.html, 'page.pdf'), null);
    assert.equal(detectType(Buffer.from('just text'), 'notes.docx'), null);
    assert.equal(detectType(cfb(['Other']), 'a.doc'), null);
    assert.equal(detectType(Buffer.alloc(0), 'a.pdf'), null);
    assert.equal(detectType(FIXTURES.pptx, 'a.docx')?.ext, 'pptx');
  });
});

describe('humanSize, typeLabel, names and headers', () => {
  test('sizes read the way Chinese portals show them', () => {
    assert.equal(humanSize(0), '0 B');
    assert.equal(humanSize(512), '512 B');
    assert.equal(humanSize(850 * 1024), '850 KB');
    assert.equal(humanSize(1023.8 * 1024), '1 MB');
    assert.equal(humanSize(1.2 * 1024 * 1024), '1.2 MB');
    assert.equal(humanSize(50 * 1024 * 1024), '50 MB');
    assert.equal(humanSize(3.25 * 1024 ** 3), '3.3 GB');
  });

  test('type labels in Chinese', () => {
    assert.equal(typeLabel('pdf'), 'PDF 文档');
    assert.equal(typeLabel('docx'), 'Word 文档');
    assert.equal(typeLabel('doc'), 'Word 文档');
    assert.equal(typeLabel('ofd'), 'OFD 版式文档');
    assert.equal(typeLabel('xlsx'), 'Excel 表格');
    assert.equal(typeLabel('wps'), 'WPS 文字文档');
    assert.equal(typeLabel('zip'), 'ZIP 压缩包');
    assert.equal(typeLabel('png'), 'PNG 图片');
    assert.equal(typeLabel('rar'), 'RAR 文件');
  });

  test('a download keeps its name but always ends in the stored type', () => {
    assert.equal(downloadName('关于预算的通知.pdf', 'pdf'), '关于预算的通知.pdf');
    assert.equal(downloadName('page.html', 'pdf'), 'page.html.pdf');
    assert.equal(downloadName('..\\..\\etc/passwd', 'pdf'), 'passwd.pdf');
    assert.equal(downloadName('报告.wps', 'doc'), '报告.wps');
    assert.equal(downloadName('photo.JPEG', 'jpg'), 'photo.JPEG');
    assert.equal(downloadName('', 'zip'), 'file.zip');
  });

  test('Content-Disposition carries an ASCII fallback and the UTF-8 name (RFC 5987)', () => {
    assert.equal(
      contentDisposition('attachment', '预算表(1).xlsx'),
      `attachment; filename="___(1).xlsx"; filename*=UTF-8''%E9%A2%84%E7%AE%97%E8%A1%A8%281%29.xlsx`,
    );
  });

  test('Range and If-None-Match parsing', () => {
    assert.equal(parseRange(undefined, 100), null);
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=50-5000', 100), { start: 50, end: 99 });
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=9-3', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=abc', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-1,5-6', 100), null);
    assert.equal(parseRange('items=0-1', 100), null);
    assert.ok(matchesEtag('"a", W/"b"', '"b"'));
    assert.ok(matchesEtag('*', '"b"'));
    assert.ok(!matchesEtag('"a"', '"b"'));
  });

  test('the allowed sets and the default limit', () => {
    assert.deepEqual([...ATTACHMENT_TYPES], ['pdf', 'ofd', 'doc', 'docx', 'xls', 'xlsx', 'wps', 'jpg', 'png', 'zip']);
    assert.deepEqual([...BODY_IMAGE_TYPES], ['jpg', 'png']);
    assert.equal(DEFAULT_MAX_ATTACHMENT_BYTES, 52428800);
  });
});

const ATTACH = { allowed: ATTACHMENT_TYPES, maxBytes: DEFAULT_MAX_ATTACHMENT_BYTES };

for (const engine of testEngines()) {
  describe(`storeFile (${engine})`, () => {
    let db: TestDb;
    let dir: string;
    before(async () => {
      db = await createTestDb(engine);
      dir = tmpDir();
    });
    after(async () => {
      await db.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('stores the bytes under files/ab/cd/<sha256> with one row giving size and detected type', async () => {
      const bytes = FIXTURES.docx;
      const stored = await storeFile(db, dir, bytes, '关于印发通知.docx', ATTACH, NOW);
      const h = sha(bytes);
      assert.deepEqual(stored, { sha256: h, size: bytes.length, mime: detectType(bytes, 'x')!.mime, ext: 'docx' });
      const p = path.join(dir, 'files', h.slice(0, 2), h.slice(2, 4), h);
      assert.equal(filePath(dir, h), p);
      assert.deepEqual(fs.readFileSync(p), bytes);
      const row = await db.kysely.selectFrom('files').selectAll().where('sha256', '=', h).executeTakeFirstOrThrow();
      assert.deepEqual(
        { ...row, size: Number(row.size) },
        {
          sha256: h,
          size: bytes.length,
          mime: stored.mime,
          ext: 'docx',
          created_at: NOW.toISOString(),
        },
      );
      const opened = await openFile(dir, h);
      assert.equal(opened?.size, bytes.length);
      assert.deepEqual(
        Buffer.from(await new Response(opened!.stream({ start: 2, end: 5 })).arrayBuffer()),
        bytes.subarray(2, 6),
      );
    });

    test('the same bytes stored again, and concurrently, give one file and one row', async () => {
      const bytes = pdf('dedup');
      const results = await Promise.all([
        storeFile(db, dir, bytes, 'a.pdf', ATTACH, NOW),
        ...Array.from({ length: 6 }, (_, i) => storeFile(db.kysely, dir, bytes, `副本${i}.pdf`, ATTACH, NOW)),
      ]);
      results.push(await storeFile(db, dir, bytes, 'again.pdf', ATTACH, NOW));
      const h = sha(bytes);
      assert.ok(results.every((r) => r.sha256 === h && r.ext === 'pdf'));
      const rows = await db.kysely.selectFrom('files').select('sha256').where('sha256', '=', h).execute();
      assert.equal(rows.length, 1);
      assert.deepEqual(fs.readdirSync(path.dirname(filePath(dir, h))), [h], 'no temp files are left behind');
    });

    test('a file over the limit is refused with the limit in MB', async () => {
      const big = Buffer.concat([pdf(), Buffer.alloc(1.5 * 1024 * 1024)]);
      await assert.rejects(
        storeFile(db, dir, big, '大文件.pdf', { allowed: ATTACHMENT_TYPES, maxBytes: 1024 * 1024 }, NOW),
        (e: unknown) => {
          assert.ok(e instanceof ValidationError);
          assert.match(e.message, /文件“大文件.pdf”大小为 1.5 MB，超过了 1 MB 的上限/);
          assert.equal(e.fields.file, e.message);
          return true;
        },
      );
      assert.equal(fs.existsSync(filePath(dir, sha(big))), false);
    });

    test('a renamed executable or HTML page is refused, naming the allowed types', async () => {
      await assert.rejects(storeFile(db, dir, FIXTURES.exe, 'setup.pdf', ATTACH, NOW), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.match(e.message, /实际格式是可执行程序，不允许上传/);
        assert.match(e.message, /PDF、OFD、DOC、DOCX、XLS、XLSX、WPS、JPG、PNG、ZIP/);
        return true;
      });
      await assert.rejects(
        storeFile(db, dir, FIXTURES.html, 'page.pdf', { ...ATTACH, field: 'attachment' }, NOW),
        (e: unknown) => {
          assert.ok(e instanceof ValidationError);
          assert.match(e.fields.attachment, /无法识别文件“page.pdf”的格式/);
          return true;
        },
      );
      await assert.rejects(
        storeFile(db, dir, FIXTURES.pdf, 'a.pdf', { allowed: BODY_IMAGE_TYPES, maxBytes: 1e6 }, NOW),
        /实际格式是PDF 文档，不允许上传。允许上传的类型：JPG、PNG。/,
      );
      await assert.rejects(storeFile(db, dir, Buffer.alloc(0), 'empty.pdf', ATTACH, NOW), /是空文件/);
      const n = await db.kysely.selectFrom('files').select('sha256').where('ext', 'in', ['exe', 'html']).execute();
      assert.equal(n.length, 0);
    });

    test('each allowed attachment type is stored; a .wps keeps its type', async () => {
      const wps = cfb(['WordDocument', 'WpsCustomData']);
      for (const [bytes, name, ext] of [
        [FIXTURES.ofd, '公文.ofd', 'ofd'],
        [FIXTURES.xlsx, '表.xlsx', 'xlsx'],
        [FIXTURES.xls, '表.xls', 'xls'],
        [wps, '文字.wps', 'wps'],
        [FIXTURES.png, '图.png', 'png'],
        [FIXTURES.jpg, '图.jpg', 'jpg'],
        [FIXTURES.zip, '包.zip', 'zip'],
      ] as const) {
        assert.equal((await storeFile(db, dir, bytes, name, ATTACH, NOW)).ext, ext, name);
      }
    });
  });

  describe(`GET /files/:sha256/:filename (${engine})`, () => {
    let t: TestApp;
    let dir: string;
    let anon: TestClient;
    let staff: TestClient;
    let orgId: number;
    let columnId: number;
    let seq = 0;
    const bytes = pdf('served');
    const h = sha(bytes);
    let docxSha: string;
    let draftSha: string;
    let withdrawnSha: string;
    let orphanSha: string;

    const addItem = async (state: { published: boolean; withdrawn?: boolean }, fileSha: string, filename: string) => {
      const k = t.db.kysely;
      const ts = NOW.toISOString();
      seq++;
      const item = await k
        .insertInto('items')
        .values({
          organization_id: orgId,
          column_id: columnId,
          index_number: `F1-ZC-2026-${String(seq).padStart(5, '0')}`,
          title: `测试信息${seq}`,
          doc_number: '',
          date_created: '2026-11-20',
          theme: '',
          genre: '',
          keywords: '',
          summary: '',
          working_body_html: '',
          disclosure: 'proactive',
          exemption: '',
          five_category: 'result',
          disclosure_method: '政府网站',
          status: state.published ? 'published' : 'draft',
          change_kind: 'initial',
          change_note: '',
          scheduled_at: null,
          drafted_by: null,
          submitted_by: null,
          reviewed_by: null,
          approved_by: null,
          published_version: state.published ? 1 : 0,
          first_published_at: state.published ? ts : null,
          last_published_at: state.published ? ts : null,
          withdrawn: state.withdrawn ? 1 : 0,
          withdrawn_at: state.withdrawn ? ts : null,
          withdrawal_reason: state.withdrawn ? 'error' : null,
          withdrawal_note: null,
          replacement_item_id: null,
          source_ref: null,
          created_at: ts,
          updated_at: ts,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await k
        .insertInto('item_attachments')
        .values({ item_id: item.id, file_sha256: fileSha, filename, alt: '', inline: 0, sort_order: 0, created_at: ts })
        .execute();
      // Publishing freezes the version's files (publishing.service); a draft has none.
      if (state.published)
        await k.insertInto('published_files').values({ item_id: item.id, file_sha256: fileSha }).execute();
    };

    before(async () => {
      dir = tmpDir();
      t = await createTestApp(engine, { env: { DATA_DIR: dir }, routes: (deps) => [fileRoutes(deps)] });
      const k = t.db.kysely;
      const ts = NOW.toISOString();
      const org = await k
        .insertInto('organizations')
        .values({
          code: 'F1',
          slug: 'f1',
          name: '文件测试区人民政府',
          short_name: '',
          kind: 'government',
          functions: '',
          address: '',
          postcode: '',
          phone: '',
          fax: '',
          email: '',
          office_hours: '',
          website: '',
          leadership: '[]',
          sort_order: 0,
          active: 1,
          created_at: ts,
          updated_at: ts,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      orgId = org.id;
      const col = await k
        .insertInto('columns')
        .values({
          organization_id: orgId,
          code: 'ZC',
          slug: 'zc',
          name: '政策文件',
          kind: 'policies',
          parent_id: null,
          description: '',
          static_html: '',
          standard_key: null,
          sort_order: 0,
          retired: 0,
          retired_at: null,
          created_at: ts,
          updated_at: ts,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      columnId = col.id;

      const store = (b: Buffer, name: string) => storeFile(t.db, dir, b, name, ATTACH, NOW);
      await store(bytes, '通知.pdf');
      await addItem({ published: true }, h, '关于印发2026年政务公开工作要点的通知.pdf');
      docxSha = (await store(FIXTURES.docx, '解读.docx')).sha256;
      await addItem({ published: true }, docxSha, '政策解读.docx');
      draftSha = (await store(FIXTURES.xlsx, '草稿.xlsx')).sha256;
      await addItem({ published: false }, draftSha, '草稿.xlsx');
      withdrawnSha = (await store(FIXTURES.zip, '撤回.zip')).sha256;
      await addItem({ published: true, withdrawn: true }, withdrawnSha, '撤回.zip');
      orphanSha = (await store(FIXTURES.png, '孤立.png')).sha256;

      anon = new TestClient(t.app);
      staff = await signedInClient(
        t,
        await insertStaff(t, 'files_drafter', [{ role: 'drafter', organizationId: orgId }]),
      );
    });
    after(async () => {
      await t.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const url = (s: string, name: string) => `/files/${s}/${encodeURIComponent(name)}`;

    test('a published item’s PDF is served inline with its type, nosniff, immutable caching and ETag', async () => {
      const res = await anon.get(url(h, '关于印发通知.pdf'));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.equal(res.headers.get('content-length'), String(bytes.length));
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(res.headers.get('etag'), `"${h}"`);
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal(
        res.headers.get('content-disposition'),
        `inline; filename="______.pdf"; filename*=UTF-8''${encodeURIComponent('关于印发通知')}.pdf`,
      );
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
    });

    test('a Word file is an attachment with its Chinese name, whatever extension the URL asks for', async () => {
      let res = await anon.get(url(docxSha, '政策解读.docx'));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), FIXTURES.docx && detectType(FIXTURES.docx, '')!.mime);
      assert.equal(
        res.headers.get('content-disposition'),
        `attachment; filename="____.docx"; filename*=UTF-8''%E6%94%BF%E7%AD%96%E8%A7%A3%E8%AF%BB.docx`,
      );
      res = await anon.get(url(docxSha, 'evil.html'));
      assert.match(res.headers.get('content-disposition') ?? '', /filename="evil\.html\.docx"/);
      assert.notEqual(res.headers.get('content-type'), 'text/html');
    });

    test('If-None-Match with the ETag answers 304 without a body', async () => {
      for (const inm of [`"${h}"`, `W/"${h}"`, `"other", "${h}"`]) {
        const res = await anon.request(url(h, 'a.pdf'), { headers: { 'If-None-Match': inm } });
        assert.equal(res.status, 304, inm);
        assert.equal(res.headers.get('etag'), `"${h}"`);
        assert.equal((await res.arrayBuffer()).byteLength, 0);
      }
      const res = await anon.request(url(h, 'a.pdf'), { headers: { 'If-None-Match': '"stale"' } });
      assert.equal(res.status, 200);
    });

    test('Range requests answer 206 with the slice, 416 when unsatisfiable, 200 for several ranges', async () => {
      const get = (range: string, extra: Record<string, string> = {}) =>
        anon.request(url(h, 'a.pdf'), { headers: { Range: range, ...extra } });
      let res = await get('bytes=0-9');
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 0-9/${bytes.length}`);
      assert.equal(res.headers.get('content-length'), '10');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes.subarray(0, 10));

      res = await get('bytes=10-');
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 10-${bytes.length - 1}/${bytes.length}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes.subarray(10));

      res = await get('bytes=-6');
      assert.equal(res.status, 206);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes.subarray(bytes.length - 6));

      res = await get('bytes=5-999999');
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 5-${bytes.length - 1}/${bytes.length}`);

      for (const bad of [`bytes=${bytes.length}-`, 'bytes=9-3', 'bytes=-0', 'bytes=x-y']) {
        res = await get(bad);
        assert.equal(res.status, 416, bad);
        assert.equal(res.headers.get('content-range'), `bytes */${bytes.length}`);
      }

      res = await get('bytes=0-1,4-5');
      assert.equal(res.status, 200);
      assert.equal((await res.arrayBuffer()).byteLength, bytes.length);

      res = await get('bytes=0-9', { 'If-Range': '"changed"' });
      assert.equal(res.status, 200, 'a stale If-Range gets the whole file');
      res = await get('bytes=0-9', { 'If-Range': `"${h}"` });
      assert.equal(res.status, 206);
    });

    test('HEAD gives the headers and no body', async () => {
      const res = await anon.request(url(h, 'a.pdf'), { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(bytes.length));
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    });

    test('a draft’s or withdrawn item’s attachment, an unattached file and unknown hashes are 404 to the public', async () => {
      assert.equal(await isPubliclyReferenced(t.db, h), true);
      assert.equal(await isPubliclyReferenced(t.db, draftSha), false);
      assert.equal(await isPubliclyReferenced(t.db, withdrawnSha), false);
      assert.equal(await isPubliclyReferenced(t.db, orphanSha), false);
      for (const s of [draftSha, withdrawnSha, orphanSha, 'f'.repeat(64)]) {
        const res = await anon.get(url(s, 'x.bin'));
        assert.equal(res.status, 404, s);
      }
      assert.equal((await anon.get('/files/not-a-hash/x.pdf')).status, 404);
      assert.equal((await anon.get(`/files/${h.toUpperCase()}/x.pdf`)).status, 404);
    });

    test('a signed-in staff member gets unpublished files, never cached publicly', async () => {
      for (const s of [draftSha, orphanSha]) {
        const res = await staff.get(url(s, 'x'));
        assert.equal(res.status, 200, s);
        assert.equal(res.headers.get('cache-control'), 'private, no-cache');
      }
      assert.equal((await staff.get(url(orphanSha, '图.png'))).headers.get('content-type'), 'image/png');
      assert.equal((await staff.get(url('f'.repeat(64), 'x'))).status, 404, 'nothing stored under it');
    });

    test('a file whose bytes are missing from disk is 404, not an error', async () => {
      const lost = (await storeFile(t.db, dir, pdf('lost'), 'lost.pdf', ATTACH, NOW)).sha256;
      await addItem({ published: true }, lost, 'lost.pdf');
      fs.rmSync(filePath(dir, lost));
      assert.equal((await anon.get(url(lost, 'lost.pdf'))).status, 404);
    });
  });
}
