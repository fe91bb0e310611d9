// A minimal, strict XML parser for checking what this project writes (feeds, sitemaps): it rejects what a
// conforming parser rejects in such documents — unbalanced or crossed tags, a bare & or <, unknown entities,
// duplicate attributes, characters illegal in XML 1.0, text outside the root — and returns a small tree to
// query. No DTDs, no namespaces resolution (prefixes are part of names), no processing instructions other
// than the XML declaration. Used by tests; not a general-purpose parser.

export interface ParsedElement {
  name: string;
  attrs: Record<string, string>;
  children: ParsedElement[];
  /** The element's own text (entities decoded, CDATA included), children's text excluded. */
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlSyntaxError';
  }
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
// XML 1.0 §2.2, as in xml.ts.
const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string, at: number): string {
  return s.replace(/&([^;&\s]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new XmlSyntaxError(`bare "&" (${JSON.stringify(m)})`, at);
    if (body in PREDEFINED) return PREDEFINED[body];
    const num = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(body);
    if (num) {
      const cp = num[1][0] === 'x' ? Number.parseInt(num[1].slice(1), 16) : Number.parseInt(num[1], 10);
      const ch = cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      if (!ch || ILLEGAL.test(ch)) throw new XmlSyntaxError(`character reference to an illegal character ${m}`, at);
      return ch;
    }
    throw new XmlSyntaxError(`unknown entity ${m}`, at);
  });
}

/** Parses a document, throwing XmlSyntaxError when it is not well-formed. */
export function parseXml(xml: string): ParsedElement {
  const bad = ILLEGAL.exec(xml);
  if (bad) throw new XmlSyntaxError(`illegal character U+${bad[0].codePointAt(0)!.toString(16)}`, bad.index);
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new XmlSyntaxError('unterminated XML declaration', 0);
    i = end + 2;
  }
  const stack: ParsedElement[] = [];
  let root: ParsedElement | null = null;
  const skipMisc = () => {
    for (;;) {
      while (i < xml.length && /\s/.test(xml[i])) i++;
      if (xml.startsWith('<!--', i)) {
        const end = xml.indexOf('-->', i + 4);
        if (end < 0) throw new XmlSyntaxError('unterminated comment', i);
        i = end + 3;
      } else return;
    }
  };
  skipMisc();
  while (i < xml.length) {
    if (stack.length === 0 && root) {
      skipMisc();
      if (i < xml.length) throw new XmlSyntaxError('content after the root element', i);
      break;
    }
    if (xml[i] !== '<') {
      if (stack.length === 0) throw new XmlSyntaxError('text outside the root element', i);
      const end = xml.indexOf('<', i);
      const raw = xml.slice(i, end < 0 ? xml.length : end);
      if (raw.includes(']]>')) throw new XmlSyntaxError('"]]>" in text', i);
      stack[stack.length - 1].text += decodeEntities(raw, i);
      i = end < 0 ? xml.length : end;
      continue;
    }
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) throw new XmlSyntaxError('unterminated comment', i);
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) throw new XmlSyntaxError('CDATA outside the root element', i);
      const end = xml.indexOf(']]>', i);
      if (end < 0) throw new XmlSyntaxError('unterminated CDATA section', i);
      stack[stack.length - 1].text += xml.slice(i + 9, end);
      i = end + 3;
      continue;
    }
    if (xml[i + 1] === '/') {
      const m = NAME.exec(xml.slice(i + 2));
      if (!m) throw new XmlSyntaxError('bad end tag', i);
      const open = stack.pop();
      if (!open || open.name !== m[0])
        throw new XmlSyntaxError(`end tag </${m[0]}> does not match <${open?.name ?? '(none)'}>`, i);
      i += 2 + m[0].length;
      while (/\s/.test(xml[i] ?? '')) i++;
      if (xml[i] !== '>') throw new XmlSyntaxError('bad end tag', i);
      i++;
      continue;
    }
    if (xml[i + 1] === '!' || xml[i + 1] === '?') throw new XmlSyntaxError('declarations are not supported', i);
    const m = NAME.exec(xml.slice(i + 1));
    if (!m) throw new XmlSyntaxError('"<" not starting a tag', i);
    const node: ParsedElement = { name: m[0], attrs: {}, children: [], text: '' };
    i += 1 + m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0].length;
      i += ws;
      if (xml.startsWith('/>', i) || xml[i] === '>') break;
      if (ws === 0) throw new XmlSyntaxError('attributes must be separated by white space', i);
      const a = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(xml.slice(i));
      if (!a) throw new XmlSyntaxError(`bad attribute in <${node.name}>`, i);
      if (a[1] in node.attrs) throw new XmlSyntaxError(`duplicate attribute ${a[1]}`, i);
      node.attrs[a[1]] = decodeEntities(a[3] ?? a[4], i);
      i += a[0].length;
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(node);
    else if (!root) root = node;
    else throw new XmlSyntaxError('a second root element', i);
    if (xml.startsWith('/>', i)) i += 2;
    else {
      i += 1;
      stack.push(node);
    }
  }
  if (stack.length > 0) throw new XmlSyntaxError(`<${stack[stack.length - 1].name}> is not closed`, xml.length);
  if (!root) throw new XmlSyntaxError('no root element', 0);
  return root;
}

/** The direct children named `name`. */
export function childrenNamed(e: ParsedElement, name: string): ParsedElement[] {
  return e.children.filter((c) => c.name === name);
}

/** The text of the first direct child named `name`, or undefined. */
export function childText(e: ParsedElement, name: string): string | undefined {
  return e.children.find((c) => c.name === name)?.text;
}
