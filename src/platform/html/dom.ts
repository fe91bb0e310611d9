// A small, forgiving HTML tree for the steps that need structure but not safety: the Word/WPS paste
// cleanup (which runs BEFORE sanitize-html, so anything this parser gets wrong is still caught by the
// sanitizer), plain-text extraction and the alt-text check. Text and attribute values are kept raw
// (entities undecoded) so serializing gives back what was parsed; decodeEntities reads them when needed.
// Not a security boundary: never render its output without sanitizeBody.

export interface ElementNode {
  type: 'element';
  name: string; // lower-cased, may carry a namespace prefix (o:p, w:sdt)
  attrs: Record<string, string>;
  children: HtmlNode[];
}

export interface TextNode {
  type: 'text';
  data: string; // raw
}

export interface CommentNode {
  type: 'comment';
  data: string;
}

export type HtmlNode = ElementNode | TextNode | CommentNode;

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

// Their content is text up to the matching end tag, as browsers read it.
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript', 'iframe', 'noembed', 'plaintext']);

// Opening one of these closes an open element of the listed names first (the parser rules browsers use
// for Word's unclosed <p> and table cells, reduced to what pasted documents contain).
const IMPLIED_END: Record<string, string[]> = {
  p: ['p'],
  li: ['li'],
  tr: ['tr', 'td', 'th'],
  td: ['td', 'th'],
  th: ['td', 'th'],
  h1: ['p'],
  h2: ['p'],
  h3: ['p'],
  h4: ['p'],
  h5: ['p'],
  h6: ['p'],
  ul: ['p'],
  ol: ['p'],
  table: ['p'],
  blockquote: ['p'],
  div: ['p'],
};

const MAX_DEPTH = 100;
const SCOPE = new Set(['td', 'th', 'table', 'li', 'ul', 'ol', 'blockquote']);
const STRUCTURAL = new Set([
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'td',
  'th',
  'caption',
  'ul',
  'ol',
  'li',
  'blockquote',
]);

export const el = (name: string, attrs: Record<string, string> = {}, children: HtmlNode[] = []): ElementNode => ({
  type: 'element',
  name,
  attrs,
  children,
});

export const text = (data: string): TextNode => ({ type: 'text', data });

// Sticky expressions read the input in place: no substring per tag.
const START_TAG = /<([a-zA-Z][^\s/>]*)/y;
const END_TAG = /<\/([a-zA-Z][^\s/>]*)[^>]*>?/y;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
const ATTR = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/y;

/** Parses an HTML fragment or document into a list of top-level nodes. Never throws. */
export function parseHtml(html: string): HtmlNode[] {
  const root = el('#root');
  const stack: ElementNode[] = [root];
  const top = () => stack[stack.length - 1];
  const append = (n: HtmlNode) => {
    const kids = top().children;
    const last = kids[kids.length - 1];
    if (n.type === 'text' && last?.type === 'text') last.data += n.data;
    else kids.push(n);
  };
  const closeTo = (name: string): boolean => {
    for (let i = stack.length - 1; i > 0; i--) {
      if (stack[i].name === name) {
        stack.length = i;
        return true;
      }
      // An inline or paragraph end tag does not reach through a cell, list or quote into an outer one.
      if (SCOPE.has(stack[i].name) && !STRUCTURAL.has(name)) return false;
    }
    return false;
  };

  let i = 0;
  const n = html.length;
  let lower: string | undefined;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      append(text(html.slice(i)));
      break;
    }
    if (lt > i) append(text(html.slice(i, lt)));
    i = lt;
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      const stop = end < 0 ? n : end;
      append({ type: 'comment', data: html.slice(i + 4, stop) });
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (html[i + 1] === '!' || html[i + 1] === '?') {
      // <!DOCTYPE>, <![if !supportLists]>, <![endif]>, <?xml ...?>: markup declarations with no content.
      const end = html.indexOf('>', i);
      append({ type: 'comment', data: html.slice(i + 2, end < 0 ? n : end) });
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (html[i + 1] === '/') {
      END_TAG.lastIndex = i;
      const m = END_TAG.exec(html);
      if (!m) {
        append(text('&lt;'));
        i += 1;
        continue;
      }
      closeTo(m[1].toLowerCase());
      i += m[0].length;
      continue;
    }
    START_TAG.lastIndex = i;
    const nm = START_TAG.exec(html);
    if (!nm) {
      append(text('&lt;'));
      i += 1;
      continue;
    }
    const name = nm[1].toLowerCase();
    let j = i + nm[0].length;
    const attrs: Record<string, string> = {};
    let selfClosing = false;
    while (j < n) {
      while (j < n && (html[j] === '/' || isSpace(html.charCodeAt(j)))) {
        if (html[j] === '/' && html[j + 1] === '>') selfClosing = true;
        j++;
      }
      if (j >= n || html[j] === '>') break;
      ATTR.lastIndex = j;
      const a = ATTR.exec(html);
      if (!a) {
        j++;
        continue;
      }
      const key = a[1].toLowerCase();
      if (!(key in attrs)) attrs[key] = a[2] ?? a[3] ?? a[4] ?? '';
      j = ATTR.lastIndex;
    }
    i = j < n ? j + 1 : n;
    for (const closes of IMPLIED_END[name] ?? []) {
      if (top().name === closes) stack.pop();
    }
    const node = el(name, attrs);
    append(node);
    if (RAW_TEXT.has(name)) {
      lower ??= html.toLowerCase();
      const close = lower.indexOf(`</${name}`, i);
      const stop = close < 0 ? n : close;
      if (stop > i) node.children.push(text(html.slice(i, stop)));
      const gt = close < 0 ? -1 : html.indexOf('>', close);
      i = gt < 0 ? n : gt + 1;
      continue;
    }
    if (VOID.has(name) || (selfClosing && name.includes(':'))) continue;
    // Deeper nesting is flattened so the recursive passes over the tree cannot exhaust the stack.
    if (stack.length < MAX_DEPTH) stack.push(node);
  }
  return root.children;
}

const escapeAttr = (v: string) => v.replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Serializes nodes back to HTML (raw text as parsed; comments dropped unless asked for). */
export function serializeHtml(nodes: HtmlNode[], opts: { comments?: boolean } = {}): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') out += node.data;
    else if (node.type === 'comment') {
      if (opts.comments) out += `<!--${node.data}-->`;
    } else {
      const attrs = Object.entries(node.attrs)
        .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
        .join('');
      out += `<${node.name}${attrs}>`;
      if (VOID.has(node.name)) continue;
      out += RAW_TEXT.has(node.name)
        ? node.children.map((c) => (c.type === 'text' ? c.data : '')).join('')
        : serializeHtml(node.children, opts);
      out += `</${node.name}>`;
    }
  }
  return out;
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ensp: '\u2002',
  emsp: '\u2003',
  thinsp: '\u2009',
  ndash: '\u2013',
  mdash: '\u2014',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  hellip: '\u2026',
  middot: '\u00b7',
  bull: '\u2022',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  times: '\u00d7',
  divide: '\u00f7',
  deg: '\u00b0',
  plusmn: '\u00b1',
  yen: '\u00a5',
  sect: '\u00a7',
  para: '\u00b6',
  laquo: '\u00ab',
  raquo: '\u00bb',
  permil: '\u2030',
  shy: '\u00ad',
};

/** Text content as the sanitizer writes it: &, < and > escaped, quotes as they are. */
export const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Decodes numeric and common named character references; unknown names are left as written. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});?/g, (m, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return '\ufffd';
      return String.fromCodePoint(code);
    }
    return NAMED[ref] ?? NAMED[ref.toLowerCase()] ?? m;
  });
}

/** The decoded text under a node (script and style content excluded). */
export function textContent(nodes: HtmlNode[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') out += decodeEntities(node.data);
    else if (node.type === 'element' && node.name !== 'script' && node.name !== 'style')
      out += textContent(node.children);
  }
  return out;
}

/** Visits every element depth-first, parents before children. */
export function walkElements(nodes: HtmlNode[], visit: (e: ElementNode) => void): void {
  for (const node of nodes) {
    if (node.type !== 'element') continue;
    visit(node);
    walkElements(node.children, visit);
  }
}

/** Parses an inline style attribute into lower-cased property → value (last one wins). */
export function parseStyle(style: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!style) return out;
  for (const decl of decodeEntities(style).split(';')) {
    const c = decl.indexOf(':');
    if (c < 0) continue;
    const prop = decl.slice(0, c).trim().toLowerCase();
    const value = decl.slice(c + 1).trim();
    if (prop) out.set(prop, value);
  }
  return out;
}
