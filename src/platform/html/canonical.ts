// Recognizes a body that sanitizeBody would return unchanged, so it need not be parsed twice and rebuilt.
// Most bodies arrive this way: plain text turned into paragraphs by the import, items exported from a
// system that stores clean HTML (another gongkai among them), a body saved again without changes. For them
// the full path (Office cleanup, then sanitize-html) costs about 90 µs an item and a good deal of garbage,
// which is a fifth of what an import of a million items spends.
//
// The language accepted is deliberately narrow: no attributes at all, a handful of plain document elements
// each in a place where both parsers keep it where it is, text with no character or entity that either pass
// would rewrite, and none of the shapes the Office cleanup tidies (empty paragraphs, empty or doubled inline
// formatting, a paragraph alone in a table cell). Anything else goes through the full path. A string
// accepted here is a fixed point of the full sanitizer, which the tests check on thousands of generated
// bodies; so what is stored is always what the full sanitizer would have stored.

type Kind = 'inline' | 'phrasing' | 'flow' | 'list' | 'table' | 'section' | 'row';

// What each element may contain: phrasing = text and inline elements; flow = that and blocks too.
const ELEMENTS: Record<string, Kind> = {
  strong: 'inline',
  em: 'inline',
  u: 'inline',
  s: 'inline',
  sub: 'inline',
  sup: 'inline',
  p: 'phrasing',
  h2: 'phrasing',
  h3: 'phrasing',
  h4: 'phrasing',
  h5: 'phrasing',
  h6: 'phrasing',
  li: 'flow',
  blockquote: 'flow',
  td: 'flow',
  th: 'flow',
  ul: 'list',
  ol: 'list',
  table: 'table',
  thead: 'section',
  tbody: 'section',
  tfoot: 'section',
  tr: 'row',
};

// The kinds of parent each structural element may have (list items in lists, rows in tables…).
const PARENT: Record<string, readonly Kind[]> = {
  li: ['list'],
  tr: ['table', 'section'],
  td: ['row'],
  th: ['row'],
  thead: ['table'],
  tbody: ['table'],
  tfoot: ['table'],
};

// Characters a pass would change or drop: controls (line breaks included: the cleanup joins lines between
// Chinese characters), C1 controls and no-break spaces (turned into spaces), BOM, line separators, `>`
// (escaped as &gt;), and any entity other than the three the sanitizer writes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const REWRITTEN = /[\u0000-\u001f\u007f-\u00a0\ufeff\u2028\u2029]|&(?!(?:amp|lt|gt);)/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Text the cleanup counts as nothing when it decides whether a paragraph or a bold run is empty.
const NOT_BLANK = /[^\s\u00a0\u3000]/;

const MAX_NESTING = 64;

interface Open {
  name: string;
  kind: Kind | 'root';
  /** Holds text other than white space, or a rule (the cleanup keeps it). */
  solid: boolean;
  /** The previous child: an element's name, '#text', or '' for none yet. */
  last: string;
  children: number;
}

const holdsText = (k: Kind | 'root') => k === 'root' || k === 'inline' || k === 'phrasing' || k === 'flow';
const holdsBlocks = (k: Kind | 'root') => k === 'root' || k === 'flow';

/** True when sanitizeBody(html) === html is certain without running it (see above); false otherwise. */
export function isCanonicalBody(html: string): boolean {
  const n = html.length;
  if (n === 0) return true;
  // sanitizeBody trims its result.
  if (!NOT_BLANK.test(html[0]) || !NOT_BLANK.test(html[n - 1])) return false;
  if (REWRITTEN.test(html) || LONE_SURROGATE.test(html)) return false;
  const stack: Open[] = [{ name: '', kind: 'root', solid: false, last: '', children: 0 }];
  let i = 0;
  while (i < n) {
    const top = stack[stack.length - 1];
    const lt = html.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      const gt = html.indexOf('>', i);
      if ((gt >= 0 && gt < end) || !holdsText(top.kind)) return false;
      if (!top.solid && NOT_BLANK.test(html.slice(i, end))) top.solid = true;
      top.last = '#text';
      top.children++;
      if (lt < 0) break;
    }
    const gt = html.indexOf('>', lt);
    if (gt < 0) return false;
    const tag = html.slice(lt + 1, gt);
    i = gt + 1;
    if (tag === 'br /' || tag === 'hr /') {
      if (tag === 'br /' ? !holdsText(top.kind) : !holdsBlocks(top.kind)) return false;
      if (tag === 'hr /') top.solid = true; // a rule keeps a list item from counting as empty
      top.last = tag;
      top.children++;
      continue;
    }
    if (tag.charCodeAt(0) === 47 /* / */) {
      const name = tag.slice(1);
      if (stack.length === 1 || name !== top.name) return false;
      stack.pop();
      const parent = stack[stack.length - 1];
      const k = top.kind;
      // The cleanup drops empty paragraphs, headings and list items and unwraps empty formatting.
      if ((k === 'phrasing' || k === 'inline' || name === 'li' || name === 'blockquote') && !top.solid) return false;
      // …and needs a list, table, table part and row to have something in them to stay as written.
      if ((k === 'list' || k === 'table' || k === 'section' || k === 'row') && top.children === 0) return false;
      if (top.solid) parent.solid = true;
      parent.last = name;
      parent.children++;
      continue;
    }
    const kind = ELEMENTS[tag];
    if (!kind) return false;
    const parents = PARENT[tag];
    const placed = parents
      ? top.kind !== 'root' && parents.includes(top.kind)
      : kind === 'inline'
        ? holdsText(top.kind)
        : holdsBlocks(top.kind);
    if (!placed) return false;
    if (kind === 'inline') {
      // <strong>a</strong><strong>b</strong> is merged and <strong> inside <strong> unwrapped by the cleanup.
      if (top.last === tag) return false;
      for (let k = stack.length - 1; k > 0; k--) if (stack[k].name === tag) return false;
    }
    // A paragraph in a table cell may be the cell's only content, which the cleanup unwraps.
    if (tag === 'p' && (top.name === 'td' || top.name === 'th')) return false;
    // The cleanup's parser flattens elements nested 100 deep; far from that is far enough.
    if (stack.length > MAX_NESTING) return false;
    stack.push({ name: tag, kind, solid: false, last: '', children: 0 });
  }
  return stack.length === 1;
}
