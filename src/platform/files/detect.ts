// File type from the bytes (magic numbers and container contents), never from the name alone: a renamed
// .exe or .html must not be stored as a PDF and later served with a PDF's type. The name only chooses
// between formats the bytes cannot tell apart (a Word 97 document and a WPS document share one
// container and one stream name). No dependency: the formats we accept are few and their signatures
// short, and reading a ZIP or OLE2 directory is a few dozen lines.

export interface DetectedType {
  ext: string;
  mime: string;
}

export const MIME: Record<string, string> = {
  pdf: 'application/pdf',
  ofd: 'application/ofd',
  doc: 'application/msword',
  wps: 'application/vnd.ms-works',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip',
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  mp4: 'video/mp4',
  webm: 'video/webm',
  vtt: 'text/vtt',
  exe: 'application/vnd.microsoft.portable-executable',
};

const type = (ext: string): DetectedType => ({ ext, mime: MIME[ext] });

const startsWith = (b: Uint8Array, sig: number[], at = 0) =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);

const ascii = (b: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...b.subarray(start, Math.min(end, b.length)));

const extOf = (filename: string) => {
  const m = /\.([a-z0-9]{1,8})$/i.exec(filename.trim());
  return m ? m[1].toLowerCase() : '';
};

/** The type of a file from its content, or null when it is none of the formats we know. */
export function detectType(bytes: Uint8Array, filename: string): DetectedType | null {
  const b = bytes;
  if (b.length === 0) return null;
  if (startsWith(b, [0x25, 0x50, 0x44, 0x46, 0x2d])) return type('pdf'); // %PDF-
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return type('png');
  if (startsWith(b, [0xff, 0xd8, 0xff])) return type('jpg');
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return type('gif');
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return zipType(b);
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return oleType(b, extOf(filename));
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') return isoMediaType(b);
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return ebmlType(b);
  if (isWebVtt(b)) return type('vtt');
  if (startsWith(b, [0x4d, 0x5a])) return type('exe'); // MZ: named so the refusal can say what it is
  return null;
}

// --- ZIP family: OFD, DOCX, XLSX, PPTX, plain ZIP ----------------------------------------------------

function zipType(b: Uint8Array): DetectedType {
  const names = zipEntryNames(b);
  const has = (pred: (n: string) => boolean) => names.some(pred);
  // GB/T 33190: an OFD package has OFD.xml at its root.
  if (has((n) => n.toLowerCase() === 'ofd.xml')) return type('ofd');
  if (has((n) => n.startsWith('word/'))) return type('docx');
  if (has((n) => n.startsWith('xl/'))) return type('xlsx');
  if (has((n) => n.startsWith('ppt/'))) return type('pptx');
  return type('zip');
}

/** Entry names from the central directory, or from the local headers when that cannot be read. */
export function zipEntryNames(b: Uint8Array, limit = 5000): string[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const names: string[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: false });
  // End of central directory: 22 bytes plus a comment of up to 65535 bytes, at the end of the file.
  for (let eocd = b.length - 22; eocd >= 0 && eocd >= b.length - 22 - 0xffff; eocd--) {
    if (dv.getUint32(eocd, true) !== 0x06054b50) continue;
    const count = dv.getUint16(eocd + 10, true);
    let p = dv.getUint32(eocd + 16, true);
    if (p === 0xffffffff || p >= b.length) break; // ZIP64 or damaged: fall back to local headers
    for (let i = 0; i < count && i < limit && p + 46 <= b.length; i++) {
      if (dv.getUint32(p, true) !== 0x02014b50) break;
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      names.push(decoder.decode(b.subarray(p + 46, p + 46 + nameLen)));
      p += 46 + nameLen + extraLen + commentLen;
    }
    if (names.length) return names;
    break;
  }
  // Local file headers in order; an entry written with a data descriptor has no size here, so stop there.
  let p = 0;
  while (p + 30 <= b.length && names.length < limit && dv.getUint32(p, true) === 0x04034b50) {
    const flags = dv.getUint16(p + 6, true);
    const size = dv.getUint32(p + 18, true);
    const nameLen = dv.getUint16(p + 26, true);
    const extraLen = dv.getUint16(p + 28, true);
    names.push(decoder.decode(b.subarray(p + 30, p + 30 + nameLen)));
    if (flags & 0x08) break;
    p += 30 + nameLen + extraLen + size;
  }
  return names;
}

// --- OLE2 compound files: DOC, WPS, XLS, PPT ---------------------------------------------------------

function oleType(b: Uint8Array, ext: string): DetectedType | null {
  const names = new Set(cfbEntryNames(b));
  if (names.has('WordDocument')) return type(ext === 'wps' ? 'wps' : 'doc');
  if (names.has('Workbook') || names.has('Book')) return type('xls');
  if (names.has('PowerPoint Document')) return type('ppt');
  return null;
}

const FREESECT = 0xffffffff;
const ENDOFCHAIN = 0xfffffffe;

/** Names in a compound file's directory (MS-CFB): read through the FAT from the directory's first sector. */
export function cfbEntryNames(b: Uint8Array): string[] {
  if (b.length < 512) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shift = dv.getUint16(0x1e, true);
  if (shift !== 9 && shift !== 12) return [];
  const size = 1 << shift;
  const sectorCount = Math.floor((b.length - 512) / size) + 1;
  const offset = (s: number) => 512 + s * size; // the header occupies "sector -1"
  const u32 = (at: number) => (at + 4 <= b.length ? dv.getUint32(at, true) : FREESECT);

  // DIFAT: 109 FAT sector numbers in the header, then a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const s = u32(0x4c + i * 4);
    if (s < sectorCount) fatSectors.push(s);
  }
  let difat = u32(0x44);
  for (let guard = 0; difat < sectorCount && guard < sectorCount; guard++) {
    const per = size / 4 - 1;
    for (let i = 0; i < per; i++) {
      const s = u32(offset(difat) + i * 4);
      if (s < sectorCount) fatSectors.push(s);
    }
    difat = u32(offset(difat) + per * 4);
  }
  const next = (s: number) => {
    const perFat = size / 4;
    const fs = fatSectors[Math.floor(s / perFat)];
    return fs === undefined ? ENDOFCHAIN : u32(offset(fs) + (s % perFat) * 4);
  };

  const names: string[] = [];
  const seen = new Set<number>();
  for (let s = u32(0x30); s < sectorCount && !seen.has(s); s = next(s)) {
    seen.add(s);
    for (let e = 0; e < size / 128; e++) {
      const at = offset(s) + e * 128;
      if (at + 128 > b.length) break;
      const nameBytes = dv.getUint16(at + 0x40, true);
      const kind = b[at + 0x42];
      if (kind === 0 || nameBytes < 2 || nameBytes > 64) continue;
      let name = '';
      for (let i = 0; i < nameBytes / 2 - 1; i++) name += String.fromCharCode(dv.getUint16(at + i * 2, true));
      names.push(name);
    }
  }
  return names;
}

// --- Media: MP4, WebM, WebVTT ------------------------------------------------------------------------

const MP4_BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'avc1',
  'dash',
  'M4V ',
  'mmp4',
  'MSNV',
  'f4v ',
]);

function isoMediaType(b: Uint8Array): DetectedType | null {
  const boxSize = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0);
  const brands = [ascii(b, 8, 12)];
  for (let at = 16; at + 4 <= Math.min(boxSize, b.length, 64); at += 4) brands.push(ascii(b, at, at + 4));
  // HEIC/AVIF images and QuickTime files are ISO media too; only video brands count as MP4.
  if (['heic', 'heix', 'mif1', 'msf1', 'avif', 'qt  '].includes(brands[0])) return null;
  return brands.some((br) => MP4_BRANDS.has(br)) ? type('mp4') : null;
}

function ebmlType(b: Uint8Array): DetectedType | null {
  // The EBML header's DocType element (ID 0x4282) names the format: "webm" or "matroska".
  const head = b.subarray(0, Math.min(b.length, 64));
  for (let i = 4; i + 3 < head.length; i++) {
    if (head[i] !== 0x42 || head[i + 1] !== 0x82) continue;
    const lenByte = head[i + 2];
    if (!(lenByte & 0x80)) return null;
    const len = lenByte & 0x7f;
    return ascii(head, i + 3, i + 3 + len) === 'webm' ? type('webm') : null;
  }
  return null;
}

function isWebVtt(b: Uint8Array): boolean {
  const start = startsWith(b, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  if (ascii(b, start, start + 6) !== 'WEBVTT') return false;
  const after = b[start + 6];
  return after === undefined || after === 0x20 || after === 0x09 || after === 0x0a || after === 0x0d;
}
