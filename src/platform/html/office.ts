import {
  decodeEntities,
  type ElementNode,
  el,
  escapeText,
  type HtmlNode,
  parseHtml,
  parseStyle,
  serializeHtml,
  type TextNode,
  text,
  textContent,
} from './dom.js';

// Word and WPS put their formatting in styles and Office XML, which the allow-list sanitizer would simply
// delete: bold becomes plain text and lists become paragraphs starting with "·". This cleanup runs first
// and turns that formatting into the plain HTML elements the sanitizer keeps. Its output is not safe by
// itself; sanitizeBody always sanitizes after it.

// Office XML vocabularies whose elements carry no visible content (document properties, VML shapes,
// OMML maths); other prefixed elements (o:p, st1:place smart tags) wrap real text and are unwrapped.
const DROP_PREFIXES = new Set(['w', 'v', 'm', 'wp', 'w10', 'wx', 'aml', 'dt']);
const DROP = new Set(['head', 'style', 'script', 'title', 'meta', 'link', 'xml', 'template', 'noscript']);
const UNWRAP = new Set(['font', 'html', 'body', 'span']);
const INLINE_FORMAT = new Set(['strong', 'em', 'u', 's', 'sub', 'sup', 'b', 'i']);
const CJK = '[\\u2e80-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef]';
const CJK_SOURCE_BREAK = new RegExp(`(${CJK})[ \\t]*\\r?\\n[ \\t\\r\\n]*(?=${CJK})`, 'g');
const NBSP = '(?:&nbsp;|&#160;|&#[xX][aA]0;|\\u00a0)';
const NBSP_RUN = new RegExp(`(?:${NBSP}|[ \\t\\r\\n])*${NBSP}(?:${NBSP}|[ \\t\\r\\n])*`, 'g');

/** Converts Word/WPS clipboard HTML into plain semantic HTML (still to be sanitized). */
export function cleanOfficeHtml(html: string): string {
  const nodes = cleanNodes(bodyOf(parseHtml(html)));
  return serializeHtml(tidy(convertLists(nodes)));
}

// A pasted document arrives as <html><head>…</head><body>…</body></html>; only the body is content.
function bodyOf(nodes: HtmlNode[]): HtmlNode[] {
  const find = (list: HtmlNode[], depth: number): ElementNode | undefined => {
    for (const n of list) {
      if (n.type !== 'element') continue;
      if (n.name === 'body') return n;
      if (depth < 2 && n.name === 'html') {
        const b = find(n.children, depth + 1);
        if (b) return b;
      }
    }
    return undefined;
  };
  return find(nodes, 0)?.children ?? nodes;
}

function cleanText(data: string): string {
  // Word wraps long lines in its HTML source; between two Chinese characters that newline would show as
  // a space. Runs of &nbsp; are Word's way of indenting and aligning, which the page's CSS does instead.
  return data.replace(CJK_SOURCE_BREAK, '$1').replace(NBSP_RUN, (m) => (decodeEntities(m).length > 1 ? ' ' : m));
}

const isBold = (v: string | undefined) => v !== undefined && /^(bold|bolder|[6-9]00)\b/i.test(v);

/** First pass: drops Office-only markup and turns styled spans into strong/em/u/s/sub/sup. */
function cleanNodes(nodes: HtmlNode[]): HtmlNode[] {
  const out: HtmlNode[] = [];
  for (const node of nodes) {
    if (node.type === 'comment') continue; // includes <!--[if gte mso 9]>…<![endif]--> and <![if …]> markers
    if (node.type === 'text') {
      out.push(text(cleanText(node.data)));
      continue;
    }
    const name = node.name;
    const colon = name.indexOf(':');
    if (DROP.has(name) || (colon > 0 && DROP_PREFIXES.has(name.slice(0, colon)))) continue;
    const children = cleanNodes(node.children);
    if (colon > 0) {
      out.push(...children); // o:p, st1:*: keep the text, lose the element
      continue;
    }
    if (name === 'span') {
      const style = parseStyle(node.attrs.style);
      // The list marker ("·", "1.") is kept as a marked span until list conversion has read it.
      if (style.get('mso-list')?.toLowerCase() === 'ignore') {
        out.push(el('span', { 'data-mso-list': 'ignore' }, children));
        continue;
      }
      if (children.length === 0) continue;
      out.push(...formatWrap(style, children));
      continue;
    }
    if (UNWRAP.has(name)) {
      out.push(...children);
      continue;
    }
    out.push(el(name, { ...node.attrs }, children));
  }
  return out;
}

function formatWrap(style: Map<string, string>, children: HtmlNode[]): HtmlNode[] {
  let kids = children;
  const align = style.get('vertical-align')?.toLowerCase();
  if (align === 'super') kids = [el('sup', {}, kids)];
  else if (align === 'sub') kids = [el('sub', {}, kids)];
  const deco = `${style.get('text-decoration') ?? ''} ${style.get('text-decoration-line') ?? ''}`.toLowerCase();
  if (deco.includes('line-through')) kids = [el('s', {}, kids)];
  if (deco.includes('underline')) kids = [el('u', {}, kids)];
  if (/^(italic|oblique)/i.test(style.get('font-style') ?? '')) kids = [el('em', {}, kids)];
  if (isBold(style.get('font-weight'))) kids = [el('strong', {}, kids)];
  return kids;
}

// --- Fake lists --------------------------------------------------------------------------------------
// Word writes a list as paragraphs styled `mso-list:l0 level1 lfo1`, each starting with its marker in a
// span styled `mso-list:Ignore` (WPS sometimes writes the marker as plain leading text instead). Bullets and
// Arabic/Latin/Roman numbering become ul/ol; Chinese numbering (一、（一）①) stays as written text, because
// an <ol> would render it as "1." and change what the document says.

interface ListItem {
  list: string;
  level: number;
  tag: 'ul' | 'ol';
  type: string; // ol type: 1 a A i I
  start: number;
  content: HtmlNode[];
}

// Symbol/Wingdings bullets arrive as Private Use Area characters (U+F0B7, U+F06C, U+F0A7, U+F0D8 …).
const BULLET = /^[·•▪◦○●■□◆◇►▶➢➤✓✔\-–—*§o\uf000-\uf0ff]$/u;
const ORDERED = /^[(（]?([0-9]{1,4}|[a-zA-Z]|[ivxlcdmIVXLCDM]{1,6})[.)．）]?$/;
const LEADING_MARKER = /^\s*([·•▪◦○●■□◆◇►▶➢➤✓✔§\uf000-\uf0ff]|[(（]?(?:[0-9]{1,4}|[a-zA-Z])[.)．）])[\s\u00a0]*/u;

function classifyMarker(marker: string): Pick<ListItem, 'tag' | 'type' | 'start'> | null {
  if (BULLET.test(marker)) return { tag: 'ul', type: '', start: 1 };
  const m = ORDERED.exec(marker);
  if (!m) return null;
  const v = m[1];
  if (/^[0-9]+$/.test(v)) return { tag: 'ol', type: '1', start: Number(v) };
  if (/^[ivxlcdm]+$/.test(v) && (v.length > 1 || v === 'i' || v === 'v' || v === 'x'))
    return { tag: 'ol', type: 'i', start: romanValue(v) };
  if (/^[IVXLCDM]+$/.test(v) && (v.length > 1 || v === 'I' || v === 'V' || v === 'X'))
    return { tag: 'ol', type: 'I', start: romanValue(v) };
  if (/^[a-z]$/.test(v)) return { tag: 'ol', type: 'a', start: v.charCodeAt(0) - 96 };
  if (/^[A-Z]$/.test(v)) return { tag: 'ol', type: 'A', start: v.charCodeAt(0) - 64 };
  return null;
}

function romanValue(s: string): number {
  const val: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100, d: 500, m: 1000 };
  let total = 0;
  const lower = s.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const a = val[lower[i]];
    const b = val[lower[i + 1]] ?? 0;
    total += a < b ? -a : a;
  }
  return total > 0 ? total : 1;
}

function findIgnoreSpan(nodes: HtmlNode[]): { parent: HtmlNode[]; index: number } | null {
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.type !== 'element') continue;
    if (n.name === 'span' && n.attrs['data-mso-list'] === 'ignore') return { parent: nodes, index: i };
    const inner = findIgnoreSpan(n.children);
    if (inner) return inner;
  }
  return null;
}

/** Removes the first `count` decoded characters of text from the front of a subtree. */
function stripLeadingText(nodes: HtmlNode[], count: number): number {
  let left = count;
  for (const n of nodes) {
    if (left <= 0) break;
    if (n.type === 'text') {
      const d = decodeEntities(n.data);
      if (d.length <= left) {
        left -= d.length;
        (n as TextNode).data = '';
      } else {
        (n as TextNode).data = escapeText(d.slice(left));
        left = 0;
      }
    } else if (n.type === 'element') left = stripLeadingText(n.children, left);
  }
  return left;
}

function asListItem(node: HtmlNode): ListItem | null | undefined {
  if (node.type !== 'element' || node.name !== 'p') return undefined;
  const m = /\bl(\d+)\s+level(\d+)/i.exec(parseStyle(node.attrs.style).get('mso-list') ?? '');
  if (!m) return undefined;
  const content = node.children;
  let marker: string;
  const span = findIgnoreSpan(content);
  if (span) {
    const s = span.parent[span.index] as ElementNode;
    marker = textContent(s.children).replace(/[\s\u00a0]+/g, '');
    const kind = classifyMarker(marker);
    if (!kind) return null;
    span.parent.splice(span.index, 1);
    return { list: m[1], level: Number(m[2]), ...kind, content: trimStart(content) };
  }
  const lead = LEADING_MARKER.exec(textContent(content));
  if (!lead) return null;
  marker = lead[1];
  const kind = classifyMarker(marker);
  if (!kind) return null;
  stripLeadingText(content, lead[0].length);
  return { list: m[1], level: Number(m[2]), ...kind, content: trimStart(content) };
}

function trimStart(nodes: HtmlNode[]): HtmlNode[] {
  for (const n of nodes) {
    if (n.type === 'text') {
      n.data = n.data.replace(/^(?:\s|&nbsp;|\u00a0)+/, '');
      if (n.data) break;
    } else if (n.type === 'element') {
      if (textContent([n]).trim()) {
        trimStart(n.children);
        break;
      }
    }
  }
  return nodes;
}

/** Second pass: groups consecutive list paragraphs into (nested) ul/ol, in every container. */
function convertLists(nodes: HtmlNode[]): HtmlNode[] {
  for (const n of nodes) if (n.type === 'element') n.children = convertLists(n.children);
  const out: HtmlNode[] = [];
  let stack: { level: number; list: ElementNode }[] = [];
  let lastList = '';
  let pendingSpace: HtmlNode[] = [];
  for (const node of nodes) {
    const item = asListItem(node);
    if (!item) {
      if (stack.length && node.type === 'text' && !node.data.trim()) {
        pendingSpace.push(node); // the newline Word writes between paragraphs does not end a list
        continue;
      }
      stack = [];
      out.push(...pendingSpace, node);
      pendingSpace = [];
      continue;
    }
    pendingSpace = [];
    if (item.list !== lastList && stack.length && item.level <= stack[0].level) stack = [];
    lastList = item.list;
    while (stack.length && stack[stack.length - 1].level > item.level) stack.pop();
    if (stack.length && stack[stack.length - 1].level === item.level && stack[stack.length - 1].list.name !== item.tag)
      stack.pop();
    const top = stack[stack.length - 1];
    if (!top || top.level < item.level) {
      const attrs: Record<string, string> = {};
      if (item.tag === 'ol' && item.type !== '1') attrs.type = item.type;
      if (item.tag === 'ol' && item.start !== 1) attrs.start = String(item.start);
      const list = el(item.tag, attrs);
      if (!top) out.push(list);
      else {
        const items = top.list.children;
        let li = items[items.length - 1] as ElementNode | undefined;
        if (!li) {
          li = el('li');
          items.push(li);
        }
        li.children.push(list);
      }
      stack.push({ level: item.level, list });
    }
    stack[stack.length - 1].list.children.push(el('li', {}, item.content));
  }
  out.push(...pendingSpace);
  return out;
}

// --- Final tidy --------------------------------------------------------------------------------------

const hasMedia = (nodes: HtmlNode[]): boolean =>
  nodes.some(
    (n) => n.type === 'element' && (['img', 'table', 'hr', 'iframe', 'video'].includes(n.name) || hasMedia(n.children)),
  );
const isBlank = (nodes: HtmlNode[]) => !textContent(nodes).replace(/[\s\u00a0\u3000]+/g, '') && !hasMedia(nodes);

// Word's source line breaks between blocks carry nothing; one newline keeps the output readable.
const squeeze = (data: string) => (/^\s+$/.test(data) && data.includes('\n') ? '\n' : data);

/** Third pass: strips mso-* styles and Mso* classes, unwraps leftovers, drops empty paragraphs. */
function tidy(nodes: HtmlNode[], active: ReadonlySet<string> = new Set()): HtmlNode[] {
  const out: HtmlNode[] = [];
  const push = (n: HtmlNode) => {
    if (n.type === 'comment' || (n.type === 'text' && !n.data)) return;
    const prev = out[out.length - 1];
    if (n.type !== 'text' || prev?.type !== 'text') {
      out.push(n.type === 'text' ? text(squeeze(n.data)) : n);
      return;
    }
    prev.data = squeeze(prev.data + n.data);
  };
  for (const node of nodes) {
    if (node.type !== 'element') {
      push(node);
      continue;
    }
    const name = node.name === 'b' ? 'strong' : node.name === 'i' ? 'em' : node.name;
    // <b><span style="font-weight:bold"> and bold runs inside bold headings would nest <strong>s; a link
    // is underlined already.
    const redundant = INLINE_FORMAT.has(name) && (active.has(name) || (name === 'u' && active.has('a')));
    const inner = INLINE_FORMAT.has(name) || name === 'a' ? new Set([...active, name]) : active;
    const children = tidy(node.children, inner);
    if (name === 'span' || redundant) {
      for (const c of children) push(c); // list markers outside a convertible list keep their text
      continue;
    }
    if (['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li'].includes(name) && isBlank(children)) continue;
    if (INLINE_FORMAT.has(name) && isBlank(children)) {
      for (const c of children) push(c);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(node.attrs)) {
      if (k === 'class') {
        const kept = v
          .split(/\s+/)
          .filter((c) => c && !/^mso/i.test(c))
          .join(' ');
        if (kept) attrs.class = kept;
      } else if (k === 'style') {
        const kept = [...parseStyle(v)]
          .filter(([p]) => !p.startsWith('mso-'))
          .map(([p, val]) => `${p}:${val}`)
          .join(';');
        if (kept) attrs.style = kept;
      } else if (!/^(lang|x:|v:|o:)/.test(k)) attrs[k] = v;
    }
    let kids = children;
    // Word wraps every table cell's text in a paragraph; a lone paragraph in a cell is just the cell.
    if ((name === 'td' || name === 'th') && kids.length) {
      const elements = kids.filter((k) => k.type === 'element');
      const onlyText = kids.every((k) => k.type === 'element' || !k.data.trim());
      if (elements.length === 1 && onlyText && (elements[0] as ElementNode).name === 'p')
        kids = (elements[0] as ElementNode).children;
    }
    const prev = out[out.length - 1];
    // Word splits one bold phrase into several runs; adjacent identical inline elements are one.
    if (
      INLINE_FORMAT.has(name) &&
      prev?.type === 'element' &&
      prev.name === name &&
      !Object.keys(attrs).length &&
      !Object.keys(prev.attrs).length
    ) {
      prev.children.push(...kids);
      continue;
    }
    out.push(el(name, attrs, kids));
  }
  return out;
}
