import { createRequire } from 'node:module';
import path from 'node:path';
import { AlignmentType, Document, Packer, Paragraph, TextRun } from 'docx';
import PDFDocument from 'pdfkit';
import type { Letter } from './template.js';

// Layout after GB/T 9704-2012 (党政机关公文格式), simplified: A4, title 二号 (22 pt) centred, body 三号 (16 pt)
// with a first-line indent of two characters, signature and date right-aligned.
const TITLE_PT = 22;
const BODY_PT = 16;

const require = createRequire(import.meta.url);
// The package's exports hide the font files; resolve the package and walk to its fonts/ folder.
const FONT_DIR = path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
export const PDF_FONT_REGULAR = path.join(FONT_DIR, 'NotoSansHans-Regular.otf');
export const PDF_FONT_BOLD = path.join(FONT_DIR, 'NotoSansHans-Bold.otf');

function releasedFilesLines(letter: Letter): string[] {
  if (letter.releasedFiles.length === 0) return [];
  if (letter.releasedFiles.length === 1) return [`附件：${letter.releasedFiles[0]}`];
  return letter.releasedFiles.map((f, i) => (i === 0 ? `附件：1. ${f}` : `　　　${i + 1}. ${f}`));
}

/** The letter as a Word document (DOCX): fonts named 方正小标宋简体/仿宋 with Song/FangSong fallbacks in Word. */
export async function letterToDocx(letter: Letter): Promise<Buffer> {
  const body = (text: string, opts: { indent?: boolean; align?: 'right'; spaceBefore?: number } = {}) =>
    new Paragraph({
      alignment: opts.align === 'right' ? AlignmentType.RIGHT : AlignmentType.BOTH,
      indent: opts.indent ? { firstLineChars: 200, firstLine: BODY_PT * 2 * 20 } : undefined,
      spacing: { line: 560, lineRule: 'exact', before: opts.spaceBefore ?? 0 },
      children: [new TextRun({ text, size: BODY_PT * 2, font: { eastAsia: '仿宋', ascii: 'FangSong' } })],
    });
  const children: Paragraph[] = [
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { after: 240 },
      children: [
        new TextRun({
          text: letter.title,
          bold: true,
          size: TITLE_PT * 2,
          font: { eastAsia: '宋体', ascii: 'SimSun' },
        }),
      ],
    }),
  ];
  if (letter.reference) {
    children.push(
      new Paragraph({
        alignment: AlignmentType.CENTER,
        spacing: { after: 240 },
        children: [new TextRun({ text: letter.reference, size: BODY_PT * 2, font: { eastAsia: '仿宋' } })],
      }),
    );
  }
  if (letter.addressee) children.push(body(`${letter.addressee}：`));
  for (const p of letter.paragraphs) children.push(body(p, { indent: true }));
  const files = releasedFilesLines(letter);
  files.forEach((line, i) => {
    children.push(body(line, { indent: true, spaceBefore: i === 0 ? 280 : 0 }));
  });
  children.push(body(letter.agency, { align: 'right', spaceBefore: 560 }));
  children.push(body(letter.date, { align: 'right' }));
  const doc = new Document({
    creator: 'gongkai',
    title: letter.title,
    sections: [
      {
        properties: {
          page: {
            size: { width: 11906, height: 16838 }, // A4 in twips
            margin: { top: 2098, bottom: 1984, left: 1588, right: 1474 }, // 37/35/28/26 mm
          },
        },
        children,
      },
    ],
  });
  return Packer.toBuffer(doc);
}

const MM = 72 / 25.4;

/**
 * The letter as a PDF: Noto Sans SC from @embedpdf/fonts-sc embedded as a subset (only the glyphs used, with a
 * ToUnicode map so the text can be copied and searched); no system font is read.
 */
export function letterToPdf(letter: Letter): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margins: { top: 37 * MM, bottom: 35 * MM, left: 28 * MM, right: 26 * MM },
      info: { Title: letter.title, Creator: 'gongkai', Producer: 'gongkai' },
      autoFirstPage: true,
      font: undefined as unknown as string, // do not load the built-in Helvetica AFM
      lang: 'zh-CN',
    } as PDFKit.PDFDocumentOptions);
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      doc.registerFont('regular', PDF_FONT_REGULAR);
      doc.registerFont('bold', PDF_FONT_BOLD);
      const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
      const line = { lineGap: BODY_PT * 0.5, width };
      doc.font('bold').fontSize(TITLE_PT).text(letter.title, { align: 'center', width });
      doc.moveDown(0.6);
      if (letter.reference) {
        doc.font('regular').fontSize(BODY_PT).text(letter.reference, { align: 'center', width });
        doc.moveDown(0.4);
      }
      doc.font('regular').fontSize(BODY_PT);
      if (letter.addressee) doc.text(`${letter.addressee}：`, { ...line, align: 'left' });
      for (const p of letter.paragraphs) doc.text(p, { ...line, align: 'justify', indent: BODY_PT * 2 });
      const files = releasedFilesLines(letter);
      if (files.length > 0) doc.moveDown(0.5);
      for (const f of files) doc.text(f, { ...line, align: 'left', indent: BODY_PT * 2 });
      // The signature and its date stay together on one page.
      const signatureHeight = doc.currentLineHeight(true) * 4;
      if (doc.y + signatureHeight > doc.page.height - doc.page.margins.bottom) doc.addPage();
      else doc.moveDown(1.5);
      doc.text(letter.agency, { ...line, align: 'right' });
      doc.text(letter.date, { ...line, align: 'right' });
      doc.end();
    } catch (e) {
      reject(e);
    }
  });
}
