// A tiny XML writer for feeds and sitemaps. Element names come from this code; every text and attribute
// value is escaped, and characters XML 1.0 forbids (control characters other than tab, line feed and
// carriage return, lone surrogates, U+FFFE and U+FFFF) are dropped: one pasted control character in a title
// would otherwise make the whole feed unreadable to a strict parser.

// XML 1.0 §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Removes the characters XML 1.0 does not allow. */
export function stripIllegalXmlChars(s: string): string {
  return s.replace(ILLEGAL, '');
}

/** Text or attribute value made safe for XML: illegal characters dropped, & < > " ' escaped. */
export function escapeXml(s: string): string {
  return stripIllegalXmlChars(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export interface XmlElement {
  name: string;
  attrs: Record<string, string | number | null | undefined>;
  children: XmlChild[];
}

export type XmlChild = XmlElement | string | null | undefined | false;

/** An element; attributes whose value is null or undefined are left out, as are null children. */
export function el(
  name: string,
  attrs: XmlElement['attrs'] | null = null,
  ...children: (XmlChild | XmlChild[])[]
): XmlElement {
  return { name, attrs: attrs ?? {}, children: children.flat() };
}

/** Serializes an element and its children (no declaration). */
export function renderXml(node: XmlElement): string {
  let out = `<${node.name}`;
  for (const [k, v] of Object.entries(node.attrs)) {
    if (v === null || v === undefined) continue;
    out += ` ${k}="${escapeXml(String(v))}"`;
  }
  const kids = node.children.filter((c): c is XmlElement | string => c !== null && c !== undefined && c !== false);
  if (kids.length === 0) return `${out}/>`;
  out += '>';
  for (const k of kids) out += typeof k === 'string' ? escapeXml(k) : renderXml(k);
  return `${out}</${node.name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A whole document: the declaration and the root element. */
export function xmlDocument(root: XmlElement): string {
  return `${XML_DECLARATION}${renderXml(root)}\n`;
}
