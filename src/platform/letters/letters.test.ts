import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inflateRawSync, inflateSync } from 'node:zlib';
import { DEFAULT_LETTER_TEMPLATES, LETTER_OUTCOME_GROUPS } from './defaults.js';
import { letterToDocx, letterToPdf } from './render.js';
import {
  assertTemplate,
  chineseDate,
  composeLetter,
  fillTemplate,
  LETTER_PLACEHOLDERS,
  LetterTemplateError,
  type LetterValues,
  REMEDIES_SENTENCE,
} from './template.js';

/** Reads one entry of a zip archive through its central directory (stored or deflated). */
function zipEntry(zip: Buffer, name: string): Buffer | null {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'a zip archive');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (entryName === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return method === 0 ? Buffer.from(data) : inflateRawSync(data);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return null;
}

/** The decompressed content of every FlateDecode stream of a PDF. */
function pdfStreams(pdf: Buffer): string[] {
  const out: string[] = [];
  const text = pdf.toString('latin1');
  const re = /stream\r?\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    const dict = text.slice(Math.max(0, m.index - 300), m.index);
    if (!dict.slice(dict.lastIndexOf('<<')).includes('FlateDecode')) continue;
    try {
      out.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      // a stream with trailing EOL bytes before endstream: trim and retry
      try {
        out.push(inflateSync(pdf.subarray(start, end - 1)).toString('latin1'));
      } catch {}
    }
    re.lastIndex = end;
  }
  return out;
}

/** The characters a ToUnicode CMap maps glyphs to (bfchar and bfrange destinations, BMP only). */
function toUnicodeChars(cmaps: string[]): Set<string> {
  const chars = new Set<string>();
  for (const cmap of cmaps) {
    for (const m of cmap.matchAll(/<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]{4})>/g)) {
      const lo = Number.parseInt(m[1], 16);
      const hi = Number.parseInt(m[2], 16);
      const dst = Number.parseInt(m[3], 16);
      for (let g = lo; g <= hi; g++) chars.add(String.fromCharCode(dst + g - lo));
    }
    for (const m of cmap.matchAll(/\[([^\]]*)\]/g)) {
      for (const h of m[1].matchAll(/<([0-9a-fA-F]{4})>/g)) chars.add(String.fromCharCode(Number.parseInt(h[1], 16)));
    }
    for (const m of cmap.matchAll(/<([0-9a-fA-F]{2,4})>\s*<([0-9a-fA-F]{4})>\s*$/gm)) {
      chars.add(String.fromCharCode(Number.parseInt(m[2], 16)));
    }
  }
  return chars;
}

const VALUES: LetterValues = {
  申请人: '张三',
  申请日期: chineseDate('2026-01-05'),
  受理编号: '2026-000123',
  申请内容: '2025年度湖滨路改造工程的招标文件',
  答复内容: '其中涉及投标企业商业秘密的部分不予公开。',
  法律依据: '《中华人民共和国政府信息公开条例》第三十七条',
  救济途径: REMEDIES_SENTENCE,
  机关名称: '厦门市湖里区人民政府办公室',
  答复日期: chineseDate('2026-01-20'),
};

const letter = () =>
  composeLetter({
    title: '政府信息公开申请答复告知书',
    template: DEFAULT_LETTER_TEMPLATES.partial,
    values: VALUES,
    reference: '受理编号：2026-000123',
    releasedFiles: ['招标文件（公开部分）.pdf', '评标报告（节选）.pdf'],
  });

describe('letter templates', () => {
  test('placeholders are replaced and lines become paragraphs; the colon line is the addressee', () => {
    const l = letter();
    assert.equal(l.addressee, '张三');
    assert.match(l.paragraphs[0], /^本机关于2026年1月5日收到您提交的政府信息公开申请（受理编号：2026-000123）/);
    assert.ok(l.paragraphs.every((p) => !p.includes('{{')));
    assert.equal(l.agency, '厦门市湖里区人民政府办公室');
    assert.equal(l.date, '2026年1月20日');
  });

  test('unknown placeholders are an error that lists every one of them', () => {
    const err = (() => {
      try {
        assertTemplate('{{申请人}}：\n您好{{称呼}}，编号{{ 案号 }}，{{称呼}}');
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof LetterTemplateError);
    assert.deepEqual(err.unknown, ['称呼', '案号']);
    assert.match(err.message, /\{\{称呼\}\}、\{\{案号\}\}/);
  });

  test('a stray brace pair is refused, a known placeholder without a value too', () => {
    assert.throws(() => assertTemplate('{{申请人}：'), LetterTemplateError);
    assert.throws(
      () => fillTemplate('{{申请人}}：{{答复内容}}', { 申请人: '张三', 答复内容: ' ' }),
      (e: unknown) => e instanceof LetterTemplateError && e.missing.join() === '答复内容',
    );
  });

  test('every default template uses only known placeholders, ends with the remedies and fills completely', () => {
    assert.equal(LETTER_OUTCOME_GROUPS.length, 6);
    for (const { group } of LETTER_OUTCOME_GROUPS) {
      const t = DEFAULT_LETTER_TEMPLATES[group];
      assertTemplate(t);
      assert.match(t, /\{\{救济途径\}\}\s*$/, group);
      const paragraphs = fillTemplate(t, VALUES);
      assert.ok(paragraphs.at(-1)?.includes('60日内') && paragraphs.at(-1)?.includes('6个月内'), group);
      for (const p of Object.keys(LETTER_PLACEHOLDERS)) assert.ok(!paragraphs.join('').includes(`{{${p}}}`));
    }
  });

  test('dates are written the official way', () => {
    assert.equal(chineseDate('2026-01-05'), '2026年1月5日');
    assert.equal(chineseDate('2025-12-31T16:00:00Z'), '2025年12月31日');
  });
});

describe('letter documents', () => {
  test('the DOCX is a Word archive whose document.xml holds the title, the body, the files, signature and date', async () => {
    const docx = await letterToDocx(letter());
    assert.equal(docx.subarray(0, 2).toString(), 'PK');
    const xml = zipEntry(docx, 'word/document.xml')?.toString('utf8') ?? '';
    for (const text of [
      '政府信息公开申请答复告知书',
      '张三：',
      '2025年度湖滨路改造工程的招标文件',
      '附件：1. 招标文件（公开部分）.pdf',
      '2. 评标报告（节选）.pdf',
      '60日内依法申请行政复议',
      '厦门市湖里区人民政府办公室',
      '2026年1月20日',
    ]) {
      assert.ok(xml.includes(text), text);
    }
    assert.match(xml, /<w:jc w:val="center"\/>/, 'a centred title');
    assert.match(xml, /<w:ind [^>]*w:firstLineChars="200"/, 'a two-character first-line indent');
    assert.match(xml, /<w:jc w:val="right"\/>/, 'the signature on the right');
    assert.ok(xml.indexOf('厦门市湖里区人民政府办公室') < xml.indexOf('2026年1月20日'));
  });

  test('the PDF embeds a Noto Sans SC subset with a ToUnicode map covering the text, at a sane size', async () => {
    const pdf = await letterToPdf(letter());
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.ok(pdf.length > 10_000 && pdf.length < 400_000, `size ${pdf.length}`);
    const raw = pdf.toString('latin1');
    assert.match(raw, /\/BaseFont \/[A-Z]{6}\+NotoSansHans-Regular/, 'a subset of the regular face');
    assert.match(raw, /\/BaseFont \/[A-Z]{6}\+NotoSansHans-Bold/, 'a subset of the bold face (title)');
    assert.match(raw, /\/FontFile3/, 'the font program is embedded');
    assert.doesNotMatch(raw, /\/BaseFont \/Helvetica/, 'no standard font is used');
    const streams = pdfStreams(pdf);
    const chars = toUnicodeChars(streams.filter((s) => s.includes('begincmap')));
    const l = letter();
    for (const ch of `${l.title}${l.paragraphs.join('')}${l.agency}${l.date}`) {
      if (ch.trim()) assert.ok(chars.has(ch), `the ToUnicode map covers ${ch}`);
    }
  });

  test('a longer letter grows only by the glyphs it adds: the font is subset, not embedded whole', async () => {
    const short = await letterToPdf(letter());
    const long = await letterToPdf({ ...letter(), paragraphs: [...letter().paragraphs, ...letter().paragraphs] });
    assert.ok(long.length - short.length < 20_000, `${short.length} → ${long.length}`);
  });
});
