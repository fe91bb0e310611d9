import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { isCanonicalBody } from '../../platform/html/canonical.js';
import { sanitizeBodyFully } from '../../platform/html/sanitize.js';
import { createTestApp, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { findItem } from '../publishing/publishing.repository.js';
import { importPublishedMany } from '../publishing/publishing.service.js';
import { drainSearchQueue } from '../search/search-queue.js';
import { seedDemo } from '../seed/demo.js';
import {
  csvSheet,
  csvTextSheet,
  decodeRows,
  decodeText,
  parseCsv,
  readSheet,
  zipUncompressedSize,
} from './import.read.js';
import { mapHeader, parseDateCell } from './import.schema.js';
import { bodyToHtml, formatRowError, ImportFileError, importDocuments, summaryLine } from './import.service.js';
import { inlineRowSource, threadRowSource } from './import.source.js';

const actor = { userId: null, name: 'cli:test', ip: 'localhost' };

// GB18030 bytes of a text (TextEncoder writes only UTF-8): a table of the two-byte codes built with the
// decoder itself, enough for the Chinese characters of these tests.
let gbTable: Map<string, number[]> | undefined;
function gb18030(text: string): Buffer {
  if (!gbTable) {
    gbTable = new Map();
    const dec = new TextDecoder('gb18030');
    for (let lead = 0x81; lead <= 0xfe; lead++)
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const ch = dec.decode(new Uint8Array([lead, trail]));
        if (ch.length === 1 && !gbTable.has(ch)) gbTable.set(ch, [lead, trail]);
      }
  }
  const out: number[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) out.push(ch.charCodeAt(0));
    else out.push(...(gbTable.get(ch) ?? assert.fail(`no GB18030 code for ${ch}`)));
  }
  return Buffer.from(out);
}

describe('reading import files', () => {
  test('CSV follows RFC 4180: quoted commas, doubled quotes, line breaks inside quotes, CRLF', () => {
    const rows = parseCsv('a,b,c\r\n1,"x, y","he said ""hi"""\r\n2,"line1\nline2",\r\n');
    assert.deepEqual(
      rows.map((r) => r.cells),
      [
        ['a', 'b', 'c'],
        ['1', 'x, y', 'he said "hi"'],
        ['2', 'line1\nline2', ''],
      ],
    );
  });

  test('CSV is lenient where Excel is: a quote inside an unquoted field is text, text after a closing quote joins the field', () => {
    assert.deepEqual(
      parseCsv('a"b,"c"d,e\n"x\r\ny",\n"never closed,\nz').map((r) => [r.line, r.cells]),
      [
        [1, ['a"b', 'cd', 'e']],
        [2, ['x\r\ny', '']],
        [4, ['never closed,\nz']],
      ],
    );
  });

  test('a CSV read from its bytes has exactly the rows of the same CSV decoded and split as text', () => {
    // Random files made of the pieces that make CSV hard: quotes (doubled, unclosed, mid-field), both
    // delimiters, CR, LF and CRLF inside and outside quotes, blank and space-only rows (ideographic space
    // too), trailing delimiters, Chinese text; in UTF-8 with and without BOM and in GB18030.
    const pieces = ['"', '""', ',', '\t', '\r', '\n', '\r\n', ' ', '\u3000', '标题', '预算', 'a', 'OLD-1', '', '"x,y"'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const shape = (sheet: ReturnType<typeof csvSheet>) => ({
      detail: sheet.detail,
      header: sheet.header,
      rows: sheet.rows.map((r) => ({ line: r.line, cells: [...r.cells] })),
    });
    const files: string[] = [
      '来源编号,标题\r\nA-1,"含,逗号"\r\n\r\n   \r\nA-2,"跨\n行"\r\n',
      '来源编号\t标题\nB-1\t制表符分隔\n',
      '\r\n\r\n来源编号,标题\nC-1,"never closed\n',
      '来源编号,标题,\nD-1,a,\nD-2,"a""b"c,"',
    ];
    for (let i = 0; i < 400; i++) {
      let text = '';
      const len = 1 + rand(40);
      for (let k = 0; k < len; k++) text += pieces[rand(pieces.length)];
      files.push(text);
    }
    let compared = 0;
    for (const text of files) {
      const encodings: Buffer[] = [Buffer.from(text, 'utf8'), Buffer.from(`\ufeff${text}`, 'utf8')];
      if (![...text].some((c) => c === '\u3000')) encodings.push(gb18030(text));
      for (const bytes of encodings) {
        let expected: ReturnType<typeof shape> | string;
        let actual: ReturnType<typeof shape> | string;
        try {
          expected = shape(csvTextSheet(bytes));
        } catch (e) {
          expected = (e as Error).message;
        }
        try {
          const sheet = csvSheet(bytes);
          // Single cells read without decoding the row agree with the decoded row.
          for (const r of sheet.rows)
            for (let k = 0; k < 4; k++) {
              const lazy = (r as { cell?: (k: number) => unknown }).cell?.(k);
              if (lazy !== undefined) assert.equal(lazy, r.cells[k] ?? '', `cell ${k} of ${JSON.stringify(text)}`);
            }
          actual = shape(csvSheet(bytes));
          // Rows decoded a batch at a time read the same.
          const batched = csvSheet(bytes);
          for (let i = 0; i < batched.rows.length; i += 3) {
            const batch = batched.rows.slice(i, i + 3);
            decodeRows(batch);
            if (batch.length > 1 && bytes[0] !== 0xff)
              assert.ok(
                batch.every((r) => (r as { decoded?: unknown }).decoded),
                'decoded in one pass over the batch',
              );
          }
          assert.deepEqual(shape(batched), actual, `batches of ${JSON.stringify(text)}`);
        } catch (e) {
          actual = (e as Error).message;
        }
        assert.deepEqual(actual, expected, JSON.stringify(text));
        compared++;
      }
    }
    assert.ok(compared >= files.length * 2, `${compared} files compared`);
  });

  test('a batch is decoded in spans of a few dozen rows, and a row larger than a span by itself, with the same cells', () => {
    // Rows of 1 KB to 60 KB (a long body), blank records between some of them.
    const bodies = Array.from({ length: 120 }, (_, i) => '预算公开，'.repeat(i % 17 === 5 ? 4000 : 60 + (i % 7) * 10));
    const csv = [
      '来源编号,标题,正文',
      ...bodies.map((b, i) => `S-${i},"标题,${i}","${b}"${i % 9 === 0 ? '\r\n,,' : ''}`),
    ].join('\r\n');
    const expected = parseCsv(csv)
      .slice(1)
      .map((r) => r.cells)
      .filter((cells) => cells.some((c) => c.trim()));
    const sheet = csvSheet(Buffer.from(csv, 'utf8'));
    decodeRows(sheet.rows);
    const decoded = sheet.rows.filter((r) => (r as { decoded?: unknown }).decoded).length;
    assert.ok(decoded >= 100 && decoded < 120, `${decoded} of 120 decoded ahead; the long ones on use`);
    assert.deepEqual(
      sheet.rows.map((r) => [...r.cells]),
      expected,
    );
  });

  test('text is decoded as UTF-8 (with or without BOM), else as GB18030', () => {
    assert.deepEqual(decodeText(Buffer.from('\ufeff标题', 'utf8')), { text: '标题', encoding: 'UTF-8（带 BOM）' });
    assert.equal(decodeText(Buffer.from('标题', 'utf8')).encoding, 'UTF-8');
    const gb = decodeText(gb18030('标题,预算公开'));
    assert.deepEqual(gb, { text: '标题,预算公开', encoding: 'GB18030/GBK' });
  });

  test('headers are matched in Chinese or English, with notes and asterisks ignored', () => {
    const m = mapHeader(['来源编号*', 'column', '标题（必填）', 'Date_Created', '备注']);
    assert.deepEqual(m.positions, { source_id: 0, column: 1, title: 2, date_created: 3 });
    assert.deepEqual(m.unknown, ['备注']);
    assert.deepEqual(m.problems, []);
    assert.match(mapHeader(['标题', '栏目']).problems[0], /缺少必需的列：「来源编号」、「生成日期」/);
  });

  test('dates as people type them; impossible dates are rejected', () => {
    assert.deepEqual(parseDateCell('2017/1/5'), { date: '2017-01-05', time: null });
    assert.deepEqual(parseDateCell('2017年11月30日'), { date: '2017-11-30', time: null });
    assert.deepEqual(parseDateCell('2017-11-30 9:05'), { date: '2017-11-30', time: '09:05:00' });
    assert.deepEqual(parseDateCell(new Date('2018-02-03T00:00:00Z')), { date: '2018-02-03', time: null });
    assert.equal(parseDateCell('2017-02-30'), null);
    assert.equal(parseDateCell('下周'), null);
  });

  test('a plain-text body becomes paragraphs, escaped; HTML is kept for the sanitizer', () => {
    assert.equal(bodyToHtml('　　第一段 <x>\n\n第二段'), '<p>第一段 &lt;x&gt;</p><p>第二段</p>');
    assert.equal(bodyToHtml('<p>已是 <b>HTML</b></p>'), '<p>已是 <b>HTML</b></p>');
  });

  test('batches start small and double up to the size asked, so the writer starts at once and is never starved', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-batches-'));
    try {
      const file = path.join(dir, 'rows.csv');
      const rows = Array.from({ length: 1_700 }, (_, i) => `B-${i},policies,第${i}条,2021-02-01,正文`);
      fs.writeFileSync(file, ['来源编号,栏目,标题,生成日期,正文', ...rows].join('\n'));
      const source = inlineRowSource(file, 500);
      await source.open();
      source.start([]);
      const sizes: number[] = [];
      const lines: number[] = [];
      for (let b = await source.next(); b; b = await source.next()) {
        sizes.push(b.length);
        lines.push(...b.map((r) => r.line));
      }
      await source.close();
      assert.deepEqual(sizes, [200, 400, 500, 500, 100]);
      assert.deepEqual(
        lines,
        Array.from({ length: 1_700 }, (_, i) => i + 2),
        'every row once, in order',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a plain-text body is written in its stored form, so sanitizing it needs no second parse', () => {
    const html = bodyToHtml('关于“五公开”的 "说明" & <附件>\r\n\u3000\u3000第二段 a > b');
    assert.equal(html, '<p>关于“五公开”的 "说明" &amp; &lt;附件&gt;</p><p>第二段 a &gt; b</p>');
    assert.ok(isCanonicalBody(html));
    assert.equal(sanitizeBodyFully(html), html);
  });

  test('the preparation thread loads no package besides zod and sanitize-html (exceljs only for an .xlsx)', () => {
    // Every module it names is loaded through tsx's hooks before the first row: one value import of a
    // database helper (kysely) once made the thread start 230–400 ms later, and the writer wait for it.
    const packages = new Set<string>();
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^;]*?\s+from\s+)?'([^']+)'/gm)) {
        if (m[1]) continue; // types only: erased
        const spec = m[2];
        if (!spec.startsWith('.')) packages.add(spec);
        else walk(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      }
      for (const m of text.matchAll(/await import\('([^']+)'\)/g)) packages.add(`${m[1]} (on demand)`);
    };
    walk(path.join(import.meta.dirname, 'import.worker.ts'));
    assert.ok(seen.size > 5, 'the walk follows the relative imports');
    assert.deepEqual([...packages].filter((p) => !p.startsWith('node:')).sort(), [
      'exceljs (on demand)',
      'sanitize-html',
      'zod',
    ]);
  });
});

const HEADER = '来源编号,栏目,标题,文号,生成日期,发布日期,主题分类,体裁分类,关键词,内容概述,正文,索引号,附件';

for (const engine of testEngines()) {
  describe(`import documents (${engine})`, () => {
    let t: TestApp;
    let dir: string;
    const csv = (name: string, text: string, bom = true) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, `${bom ? '\ufeff' : ''}${text}`);
      return p;
    };
    const auditRuns = () =>
      t.db.kysely.selectFrom('audit_events').selectAll().where('action', '=', 'item.import').orderBy('id').execute();

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-import-test-'));
      t = await createTestApp(engine, { env: { DATA_DIR: path.join(dir, 'data') } });
      await seedDemo(t.deps);
    });
    after(async () => {
      await t.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('good rows are imported as published items and bad rows are reported by line and field', async () => {
      const file = csv(
        'items.csv',
        [
          HEADER,
          'OLD-1,policies,关于印发2017年部门预算公开工作方案的通知,厦湖文体〔2017〕12号,2017-03-01,2017-03-02 10:30,财政、金融、审计,通知,预算 公开,方案全文,"第一条　为做好部门预算公开工作，制定本方案。\n第二条　公开内容包括收支总表。",,',
          'OLD-2,政策文件,,,2017-03-01,,综合政务,通知,,,,,', // missing title
          'OLD-3,policies,生成日期写错的信息,,2017-02-30,,综合政务,通知,,,,,', // bad date
          'OLD-4,没有这个栏目,栏目写错的信息,,2017-03-01,,综合政务,通知,,,,,', // unknown column
          'OLD-5,ZCWJ,主题写错的信息,,2017-03-01,,不存在的主题,通知,,,,,', // unknown theme
          'OLD-1,policies,重复的来源编号,,2017-03-01,,综合政务,通知,,,,,', // duplicate of row 2
          'OLD-6,news,工作动态一则,,2018-05-06,,,,,,<p>HTML 正文<script>alert(1)</script></p>,HLWT-OWN-2018-001,',
        ].join('\r\n'),
      );
      const r = await importDocuments(t.deps, actor, { file, organization: 'wenti' });
      assert.equal(r.created, 2);
      assert.equal(r.skipped, 0);
      assert.deepEqual(r.errors.map(formatRowError), [
        '第 3 行 字段「标题」：请输入标题。',
        '第 4 行 字段「生成日期」：日期「2017-02-30」无效，请按 YYYY-MM-DD 格式填写，例如 2017-11-30。',
        '第 5 行 字段「栏目」：栏目「没有这个栏目」不存在。请填写本机构栏目的网址标识、代码或名称（可在管理后台“栏目管理”中查看）。',
        r.errors[3] && formatRowError(r.errors[3]),
        '第 7 行 字段「来源编号」：与第 2 行的来源编号「OLD-1」重复，本行未导入。',
      ]);
      assert.match(
        formatRowError(r.errors[3]),
        /^第 6 行 字段「主题分类」：主题分类「不存在的主题」无效，可选：综合政务；/,
      );
      assert.equal(summaryLine(r), '新建 2 条，已存在跳过 0 条，错误 5 条');

      const stored = await t.db.kysely
        .selectFrom('items')
        .select(['id', 'working_body_html', 'body_in_version'])
        .where('source_ref', 'in', ['OLD-1', 'OLD-6'])
        .orderBy('source_ref')
        .execute();
      assert.equal(stored.length, 2);
      // Each body is stored once, in the published version; the working copy points at it.
      assert.ok(stored.every((r) => r.working_body_html === '' && r.body_in_version === 1));
      const [one, six] = await Promise.all(stored.map(async (r) => (await findItem(t.db.kysely, r.id))!));
      assert.equal(one.status, 'published');
      assert.equal(one.published_version, 1);
      assert.match(one.index_number, /^HLWT-ZCWJ-2017-\d{5}$/);
      assert.equal(one.doc_number, '厦湖文体〔2017〕12号');
      assert.equal(one.first_published_at, '2017-03-02T02:30:00.000Z');
      assert.equal(
        one.body_html,
        '<p>第一条　为做好部门预算公开工作，制定本方案。</p><p>第二条　公开内容包括收支总表。</p>',
      );
      assert.equal(six.index_number, 'HLWT-OWN-2018-001', "the agency's own index number is kept");
      assert.equal(six.theme, '其他');
      assert.ok(!six.body_html.includes('script'), 'HTML bodies are sanitized');
      assert.equal(
        six.first_published_at,
        '2018-05-05T16:00:00.000Z',
        'no 发布日期: the date created, Beijing midnight',
      );

      // Published means public and searchable, through the same pages as any other item.
      const client = new TestClient(t.app);
      const page = await client.get(`/org/wenti/items/${one.id}`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /关于印发2017年部门预算公开工作方案的通知/);
      // Search follows once the queue is drained (the job, or --index-now).
      assert.equal(r.queued, 2, 'the new items wait in the search queue');
      const search = () => client.get(`/search?q=${encodeURIComponent('部门预算公开工作方案')}`).then((x) => x.text());
      assert.doesNotMatch(await search(), new RegExp(`/org/wenti/items/${one.id}"`));
      assert.equal(await drainSearchQueue(t.db), 2);
      assert.match(await search(), new RegExp(`/org/wenti/items/${one.id}"`));
    });

    test('running the same file again creates nothing and says how many already existed', async () => {
      const file = path.join(dir, 'items.csv');
      const before = await t.db.kysely
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const r = await importDocuments(t.deps, actor, { file, organization: 'HLWT' });
      assert.equal(summaryLine(r), '新建 0 条，已存在跳过 2 条，错误 5 条');
      const afterCount = await t.db.kysely
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n));
    });

    test('each run writes one audit event with who, the file and the counts; a dry run writes nothing', async () => {
      const runs = await auditRuns();
      assert.equal(runs.length, 2);
      const last = runs[1];
      assert.equal(last.actor_name, 'cli:test');
      assert.equal(last.summary, '导入信息（items.csv）：新建 0 条，已存在跳过 2 条，错误 5 条');
      const after = JSON.parse(last.after_json ?? '{}');
      assert.equal(after.file, 'items.csv');
      assert.deepEqual([after.rows, after.created, after.skipped, after.error_rows], [7, 0, 2, 5]);
      assert.equal(after.first_errors[0], '第 3 行 字段「标题」：请输入标题。');

      const file = csv('dry.csv', `${HEADER}\nDRY-1,policies,试运行的信息,,2019-01-01,,,,,,,,`);
      const r = await importDocuments(t.deps, actor, { file, organization: 'wenti', dryRun: true });
      assert.equal(summaryLine(r), '试运行（未写入）：将新建 1 条，已存在跳过 0 条，错误 0 条');
      assert.equal((await auditRuns()).length, 2);
      const none = await t.db.kysely.selectFrom('items').select('id').where('source_ref', '=', 'DRY-1').execute();
      assert.equal(none.length, 0);
    });

    test('a GB18030 (GBK) CSV from Excel is read', async () => {
      const file = path.join(dir, 'gbk.csv');
      fs.writeFileSync(file, gb18030('来源编号,栏目,标题,生成日期\r\nGBK-1,policies,预算公开通知,2016-06-01\r\n'));
      const r = await importDocuments(t.deps, actor, { file, organization: 'wenti' });
      assert.equal(r.detail, 'GB18030/GBK');
      assert.equal(r.created, 1, JSON.stringify(r.errors));
      const row = await t.db.kysely
        .selectFrom('items')
        .select(['title', 'date_created'])
        .where('source_ref', '=', 'GBK-1')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { title: '预算公开通知', date_created: '2016-06-01' });
    });

    test('the first sheet of an XLSX file is read, English headers and date cells included', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('信息');
      wb.addWorksheet('说明').addRow(['这张表不导入']);
      ws.addRow(['source_id', 'column', 'title', 'date_created', 'published_at', 'genre', 'body']);
      ws.addRow([
        'X-1',
        'plans',
        '2020年工作计划',
        new Date('2020-01-10T00:00:00Z'),
        '2020-01-15',
        '计划',
        '一、总体要求\n二、主要任务',
      ]);
      ws.addRow([]);
      ws.addRow(['X-2', 'plans', '体裁写错', '2020-01-10', '', '便条', '']);
      const file = path.join(dir, 'items.xlsx');
      await wb.xlsx.writeFile(file);
      const r = await importDocuments(t.deps, actor, { file, organization: 'wenti' });
      assert.equal(r.format, 'xlsx');
      assert.equal(r.detail, '工作表「信息」');
      assert.equal(r.created, 1);
      assert.deepEqual(
        r.errors.map((e) => [e.line, e.field]),
        [[4, 'genre']],
      );
      const row = await t.db.kysely
        .selectFrom('items')
        .innerJoin('item_versions as v', (j) =>
          j.onRef('v.item_id', '=', 'items.id').onRef('v.version', '=', 'items.published_version'),
        )
        .select(['items.title', 'items.date_created', 'items.genre', 'v.body_html'])
        .where('source_ref', '=', 'X-1')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, {
        title: '2020年工作计划',
        date_created: '2020-01-10',
        genre: '计划',
        body_html: '<p>一、总体要求</p><p>二、主要任务</p>',
      });
    });

    test('attachments are checked from their bytes, stored once and frozen into the published version', async () => {
      const files = path.join(dir, 'files');
      fs.mkdirSync(files);
      const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
      fs.writeFileSync(path.join(files, '方案.pdf'), pdf);
      fs.writeFileSync(path.join(files, '附表.pdf'), pdf); // same bytes, second name
      fs.writeFileSync(path.join(files, '假的.pdf'), '<html>not a pdf</html>');
      const file = csv(
        'att.csv',
        [
          HEADER,
          'ATT-1,policies,带附件的信息,,2021-04-01,,,,,,正文,,方案.pdf；附表.pdf',
          'ATT-2,policies,附件格式不对,,2021-04-01,,,,,,正文,,假的.pdf',
          'ATT-3,policies,附件不存在,,2021-04-01,,,,,,正文,,没有.pdf',
          'ATT-4,policies,跳出目录,,2021-04-01,,,,,,正文,,../items.csv',
        ].join('\n'),
      );
      const noDir = await importDocuments(t.deps, actor, { file, organization: 'wenti', dryRun: true });
      assert.match(formatRowError(noDir.errors[0]), /第 2 行 字段「附件」：本行列有附件，但没有指定附件目录/);

      const r = await importDocuments(t.deps, actor, { file, organization: 'wenti', attachmentsDir: files });
      assert.equal(r.created, 1);
      assert.deepEqual(
        r.errors.map((e) => [e.line, e.field]),
        [
          [3, 'attachments'],
          [4, 'attachments'],
          [5, 'attachments'],
        ],
      );
      assert.match(r.errors[0].message, /「假的\.pdf」的实际格式无法识别/);
      const item = await t.db.kysely
        .selectFrom('items')
        .select('id')
        .where('source_ref', '=', 'ATT-1')
        .executeTakeFirstOrThrow();
      const rows = await t.db.kysely
        .selectFrom('item_attachments')
        .select(['filename', 'file_sha256', 'sort_order'])
        .where('item_id', '=', item.id)
        .orderBy('sort_order')
        .execute();
      assert.deepEqual(
        rows.map((a) => a.filename),
        ['方案.pdf', '附表.pdf'],
      );
      assert.equal(rows[0].file_sha256, rows[1].file_sha256, 'the same bytes are stored once');
      const v = await t.db.kysely
        .selectFrom('item_versions')
        .select('attachments_json')
        .where('item_id', '=', item.id)
        .executeTakeFirstOrThrow();
      const frozen = JSON.parse(v.attachments_json);
      assert.deepEqual(
        frozen.map((a: { filename: string; ext: string; size: number }) => [a.filename, a.ext, a.size]),
        [
          ['方案.pdf', 'pdf', pdf.length],
          ['附表.pdf', 'pdf', pdf.length],
        ],
      );
      const page = await new TestClient(t.app).get(`/org/wenti/items/${item.id}`);
      const html = await page.text();
      assert.match(html, /方案\.pdf/);
      assert.ok(fs.existsSync(path.join(dir, 'data', 'files', rows[0].file_sha256.slice(0, 2))));

      const again = await importDocuments(t.deps, actor, { file, organization: 'wenti', attachmentsDir: files });
      assert.equal(again.created, 0);
      assert.equal(again.skipped, 1);
      const still = await t.db.kysely
        .selectFrom('item_attachments')
        .select('id')
        .where('item_id', '=', item.id)
        .execute();
      assert.equal(still.length, 2, 'a re-run attaches nothing twice');
    });

    test('rows prepared on the preparation thread and on the main thread give the same result, batch after batch', async () => {
      // Problems that span batches of two: a repeated source id and a repeated index number in a later
      // batch, a bad row in each, bodies that need sanitizing.
      const rows = (p: string) =>
        [
          HEADER,
          `${p}-1,policies,线程一致性一,,2021-01-01,,,,,,<p onclick="x()">第一段<script>bad()</script></p>,${p}-OWN-1,`,
          `${p}-2,policies,,,2021-01-02,,,,,,正文,,`,
          `${p}-3,news,线程一致性三,,2021-01-03,,,,,,"第一行\n第二行",,`,
          `${p}-1,news,重复来源编号,,2021-01-04,,,,,,正文,,`,
          `${p}-5,news,重复索引号,,2021-01-05,,,,,,正文,${p}-OWN-1,`,
          `${p}-6,没有的栏目,栏目写错,,2021-01-06,,,,,,正文,,`,
          `${p}-7,news,线程一致性七,,2021-01-07,,,,,,<p><a href="javascript:x">链接</a></p>,,`,
        ].join('\n');
      const run = async (p: string, inline: boolean) => {
        const r = await importDocuments(t.deps, actor, {
          file: csv(`${p}.csv`, rows(p)),
          organization: 'wenti',
          batchSize: 2,
          inline,
        });
        const items = await t.db.kysely
          .selectFrom('items')
          .innerJoin('item_versions as v', (j) =>
            j.onRef('v.item_id', '=', 'items.id').onRef('v.version', '=', 'items.published_version'),
          )
          .select(['items.source_ref', 'items.title', 'v.body_html', 'items.index_number'])
          .where('source_ref', 'like', `${p}-%`)
          .orderBy('source_ref')
          .execute();
        return {
          created: r.created,
          errors: r.errors.map((e) => formatRowError(e).replaceAll(p, 'P')),
          items: items.map((i) => ({
            ...i,
            source_ref: i.source_ref?.replace(p, 'P'),
            index_number: i.index_number.replace(p, 'P').replace(/-\d{5}$/, '-#####'),
          })),
          prepareCpu: r.prepareThreadCpuSeconds,
        };
      };
      const threaded = await run('THR', false);
      const inline = await run('INL', true);
      assert.deepEqual({ ...inline, prepareCpu: null }, { ...threaded, prepareCpu: null });
      assert.equal(threaded.created, 3);
      assert.equal(threaded.errors.length, 4);
      assert.ok(!threaded.items.some((i) => /script|onclick|javascript/.test(i.body_html)), 'sanitized');
      assert.equal(inline.prepareCpu, null, 'inline: no preparation thread');
      if (process.platform === 'linux')
        assert.equal(typeof threaded.prepareCpu, 'number', 'the thread reports its CPU');
    });

    test('a preparation thread that cannot start hands the run to the main thread', async () => {
      const file = csv(
        'fallback.csv',
        [HEADER, 'FB-1,policies,线程起不来也能导入,,2021-02-01,,,,,,<p>正文<script>x()</script></p>,,'].join('\n'),
      );
      const broken = new URL('data:text/javascript,throw new Error("cannot load")');
      const r = await importDocuments(t.deps, actor, {
        file,
        organization: 'wenti',
        source: threadRowSource(file, 500, { entry: broken }),
      });
      assert.equal(r.created, 1);
      assert.deepEqual(r.errors, []);
      assert.equal(r.prepareThreadCpuSeconds, null, 'prepared on the main thread');
      const item = await t.db.kysely
        .selectFrom('items')
        .innerJoin('item_versions as v', (j) =>
          j.onRef('v.item_id', '=', 'items.id').onRef('v.version', '=', 'items.published_version'),
        )
        .select('v.body_html')
        .where('source_ref', '=', 'FB-1')
        .executeTakeFirstOrThrow();
      assert.equal(item.body_html, '<p>正文</p>');
    });

    test('a file larger than IMPORT_MAX_MB is refused before it is read, on either source, and nothing is written', async () => {
      const rows = [HEADER];
      for (let i = 1; i <= 20; i++)
        rows.push(`BIG-${i},policies,一个太大的文件的第 ${i} 行,,2021-03-01,,,,,,<p>正文</p>,,`);
      const file = csv('big.csv', rows.join('\n'));
      const size = fs.statSync(file).size;
      const saved = t.deps.config.importMaxBytes;
      const count = async () =>
        Number(
          (
            await t.db.kysely
              .selectFrom('items')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('source_ref', 'like', 'BIG-%')
              .executeTakeFirstOrThrow()
          ).n,
        );
      try {
        t.deps.config.importMaxBytes = size - 1;
        for (const inline of [false, true]) {
          await assert.rejects(
            importDocuments(t.deps, actor, { file, organization: 'wenti', inline }),
            (e: Error) =>
              e instanceof ImportFileError &&
              /^文件过大（[\d.]+ (B|KB)），超过导入上限 [\d.]+ (B|KB)。请把文件按行拆成几个较小的文件分别导入/.test(
                e.message,
              ) &&
              /IMPORT_MAX_MB/.test(e.message),
            inline ? 'inline source' : 'preparation thread',
          );
        }
        assert.equal(await count(), 0);
        t.deps.config.importMaxBytes = size; // a file of exactly the limit is read
        const r = await importDocuments(t.deps, actor, { file, organization: 'wenti' });
        assert.equal(r.created, 20);
        assert.equal(await count(), 20);
      } finally {
        t.deps.config.importMaxBytes = saved;
      }
    });

    test('the limit holds for what is not a regular file, and for an XLSX once unpacked', async () => {
      // A device that never ends is read up to the limit, not until memory runs out.
      if (fs.existsSync('/dev/zero'))
        await assert.rejects(readSheet('/dev/zero', 4096), /文件过大（超过 4 KB），超过导入上限 4 KB。/);
      // A workbook of 200 rows of repeated text: a few KB packed, about 1 MB unpacked.
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('信息');
      ws.addRow(['来源编号', '栏目', '标题', '生成日期', '正文']);
      for (let i = 0; i < 200; i++)
        ws.addRow([`Z-${i}`, 'plans', '重复的正文', '2020-01-10', `第${i}行的正文。`.repeat(300)]);
      const file = path.join(dir, 'packed.xlsx');
      await wb.xlsx.writeFile(file);
      const packed = fs.statSync(file).size;
      const unpacked = zipUncompressedSize(fs.readFileSync(file)) ?? 0;
      assert.ok(packed < 100_000 && unpacked > 1_000_000, `${packed} packed, ${unpacked} unpacked`);
      await assert.rejects(
        readSheet(file, 200_000),
        /Excel 文件解压后过大（[\d.]+ MB），超过导入上限 195 KB。请把文件按行拆成/,
      );
      assert.equal((await readSheet(file, unpacked)).rows.length, 200, 'read when the unpacked size is within it');
      assert.equal(zipUncompressedSize(Buffer.from('not a zip')), null);
    });

    test('an index number another item already uses is a bad row, not a failed batch', async () => {
      const file = csv(
        'idx.csv',
        [
          HEADER,
          'IDX-1,policies,索引号冲突,,2022-01-01,,,,,,,HLWT-OWN-2018-001,',
          'IDX-2,policies,正常的一行,,2022-01-01,,,,,,,,',
        ].join('\n'),
      );
      const r = await importDocuments(t.deps, actor, { file, organization: 'wenti', batchSize: 1 });
      assert.equal(r.created, 1);
      assert.deepEqual(r.errors.map(formatRowError), [
        '第 2 行 字段「索引号」：索引号「HLWT-OWN-2018-001」已被其他信息使用。',
      ]);
    });

    test('a row that fails when its batch is written is reported; the other rows of the batch go in', async () => {
      const file = csv(
        'race.csv',
        [
          HEADER,
          'RACE-1,policies,第一行,,2022-02-01,,,,,,,,',
          'RACE-2,policies,第二行,,2022-02-01,,,,,,,HLWT-RACE-2022-1,',
          'RACE-3,policies,第三行,,2022-02-01,,,,,,,,',
        ].join('\n'),
      );
      let raced = false;
      const r = await importDocuments(t.deps, actor, {
        file,
        organization: 'wenti',
        // After the checks and before the writes, another item takes row 3's index number: the batch's
        // insert fails on the unique index, and the rows are retried one by one.
        onProgress: async () => {
          if (raced) return;
          raced = true;
          const columnId = (
            await t.db.kysely
              .selectFrom('columns')
              .innerJoin('organizations', 'organizations.id', 'columns.organization_id')
              .select('columns.id')
              .where('organizations.slug', '=', 'wenti')
              .where('columns.slug', '=', 'policies')
              .executeTakeFirstOrThrow()
          ).id;
          const orgId = (
            await t.db.kysely
              .selectFrom('organizations')
              .select('id')
              .where('slug', '=', 'wenti')
              .executeTakeFirstOrThrow()
          ).id;
          await t.db.kysely.transaction().execute((trx) =>
            importPublishedMany(
              t.deps,
              actor,
              orgId,
              [
                {
                  sourceRef: 'RACE-OTHER',
                  columnId,
                  title: '抢先的信息',
                  dateCreated: '2022-01-01',
                  publishedAt: '2022-01-01T00:00:00.000Z',
                  theme: '其他',
                  genre: '其他',
                  bodyHtml: '<p>x</p>',
                  indexNumber: 'HLWT-RACE-2022-1',
                },
              ],
              trx,
            ),
          );
        },
      });
      assert.ok(raced);
      assert.equal(r.created, 2, JSON.stringify(r.errors));
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0].line, 3);
      const refs = await t.db.kysely
        .selectFrom('items')
        .select('source_ref')
        .where('source_ref', 'like', 'RACE-%')
        .orderBy('source_ref')
        .execute();
      assert.deepEqual(
        refs.map((x) => x.source_ref),
        ['RACE-1', 'RACE-3', 'RACE-OTHER'],
      );
    });

    test("an agency's own number in the platform's pattern moves the sequence past it", async () => {
      const file = csv(
        'seq.csv',
        [
          HEADER,
          'SEQ-1,policies,自带索引号,,2015-01-01,,,,,,,HLWT-ZCWJ-2015-00099,',
          'SEQ-2,policies,分配索引号,,2015-02-01,,,,,,,,',
        ].join('\n'),
      );
      const r = await importDocuments(t.deps, actor, { file, organization: 'wenti' });
      assert.equal(r.created, 2, JSON.stringify(r.errors));
      const rows = await t.db.kysely
        .selectFrom('items')
        .select(['source_ref', 'index_number'])
        .where('source_ref', 'in', ['SEQ-1', 'SEQ-2'])
        .orderBy('source_ref')
        .execute();
      assert.deepEqual(
        rows.map((x) => x.index_number),
        ['HLWT-ZCWJ-2015-00099', 'HLWT-ZCWJ-2015-00100'],
      );
    });

    test('a file that cannot be read is an error of the whole run, and nothing is audited', async () => {
      const runs = (await auditRuns()).length;
      await assert.rejects(
        importDocuments(t.deps, actor, { file: path.join(dir, 'missing.csv'), organization: 'wenti' }),
        (e) => e instanceof ImportFileError && /找不到文件/.test(e.message),
      );
      const noKey = csv('nokey.csv', '标题,栏目\n一,policies\n');
      await assert.rejects(
        importDocuments(t.deps, actor, { file: noKey, organization: 'wenti' }),
        (e) => e instanceof ImportFileError && /缺少必需的列：「来源编号」、「生成日期」/.test(e.message),
      );
      await assert.rejects(
        importDocuments(t.deps, actor, { file: noKey, organization: 'nosuch' }),
        /机构「nosuch」不存在/,
      );
      assert.equal((await auditRuns()).length, runs);
    });
  });
}

describe('gongkai import documents (the command)', () => {
  let dir: string;
  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      env: { ...process.env, DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-import-cli-'));
    assert.equal(run(['seed', '--demo']).code, 0);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('bad rows are listed and the exit code is 0; --strict makes it 1; an unreadable file is 1', () => {
    const file = path.join(dir, 'a.csv');
    fs.writeFileSync(
      file,
      `\ufeff${HEADER},备注\nC-1,policies,命令行导入的信息,,2019-05-05,,,,,,正文,,,x\nC-2,policies,日期错误,,2019-05-50,,,,,,,,,\n`,
    );
    const first = run(['import', 'documents', file, '--org', 'wenti']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /CSV，UTF-8（带 BOM），2 行数据）→ 厦门市湖里区文体出版旅游局/);
    assert.match(first.out, /提示：以下列不认识，已忽略：「备注」/);
    assert.match(first.out, /第 3 行 字段「生成日期」：日期「2019-05-50」无效/);
    assert.match(first.out, /新建 1 条，已存在跳过 0 条，错误 1 条。用时/);
    assert.match(first.err, /^正在读取 a\.csv（\d+ B）…\n/m, 'the file is named while it is read');
    assert.match(
      first.err,
      /导入进度：2\/2 行（100%）/,
      'progress goes to stderr as plain lines when it is not a terminal',
    );

    const strict = run(['import', 'documents', file, '--org', 'wenti', '--strict']);
    assert.equal(strict.code, 1);
    assert.match(strict.out, /新建 0 条，已存在跳过 1 条，错误 1 条/);

    const missing = run(['import', 'documents', path.join(dir, 'none.xlsx'), '--org', 'wenti']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /找不到文件/);
    const noOrg = run(['import', 'documents', file, '--org', 'nosuch']);
    assert.equal(noOrg.code, 1);
    assert.match(noOrg.err, /机构「nosuch」不存在/);

    const tooBig = run(['import', 'documents', file, '--org', 'wenti'], { IMPORT_MAX_MB: '0.0001' });
    assert.equal(tooBig.code, 1);
    assert.match(tooBig.err, /无法导入 .*a\.csv：文件过大（\d+ B），超过导入上限 105 B/);
    const badLimit = run(['import', 'documents', file, '--org', 'wenti'], { IMPORT_MAX_MB: 'lots' });
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.err, /IMPORT_MAX_MB/);
  });
});
