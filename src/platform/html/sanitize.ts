import sanitizeHtml from 'sanitize-html';
import { isCanonicalBody } from './canonical.js';
import { decodeEntities, type HtmlNode, parseHtml, walkElements } from './dom.js';
import { cleanOfficeHtml } from './office.js';

export { cleanOfficeHtml } from './office.js';

// Item bodies (正文) are HTML pasted by staff from Word or WPS and shown to the public on the portal, so
// what is stored is an allow-list of plain document elements: structure survives, nothing executes.
// The order matters: the Office cleanup turns styled spans into <strong>/<em> and fake lists into <ul>/<ol>
// first, because the sanitizer then deletes every style attribute.

// Elements that are dropped together with their text content (the rest are unwrapped: text kept).
const NON_TEXT = [
  'script',
  'style',
  'textarea',
  'option',
  'select',
  'noscript',
  'noembed',
  'noframes',
  'title',
  'head',
  'template',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'svg',
  'math',
  'xml',
];

const TAGS = [
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'p',
  'br',
  'strong',
  'em',
  'u',
  's',
  'sub',
  'sup',
  'ul',
  'ol',
  'li',
  'blockquote',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'caption',
  'a',
  'img',
  'hr',
  'figure',
  'figcaption',
  'pre',
  'code',
];

// A link without a usable target is unwrapped (its text kept) and an image from elsewhere is dropped, by
// exclusiveFilter rather than by renaming the tag in transformTags: sanitize-html 2.17 remembers a renamed
// tag that the allow-list then discards and writes its name as the closing tag of a later element.

/** Body images come only from our own file store: /files/<sha256>/<name>, relative. */
const OWN_IMAGE = /^\/files\/[0-9a-f]{64}(?:\/[^\\?#\s<>"']*)?$/;

/**
 * A link target we are willing to publish, or null: http(s) and mailto URLs, and site-relative paths
 * ("/…" but not "//host" or "/\host", which browsers treat as another host).
 */
export function safeHref(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  // Browsers drop ASCII control characters and surrounding spaces before reading the scheme, so
  // "java\tscript:" is javascript:. Compare what the browser will see.
  const v = stripControlChars(raw).trim();
  if (!v) return null;
  if (v.startsWith('/')) return /^\/(?![/\\])[^\\\s]*$/.test(v) ? v : null;
  if (/^https?:\/\/[^\s/\\?#@]+(?:[/?#][^\s\\]*)?$/i.test(v)) {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:' ? v : null;
    } catch {
      return null;
    }
  }
  if (/^mailto:[^\s<>\\]+$/i.test(v)) return v;
  return null;
}

/** Drops ASCII control characters (C0 and DEL). */
function stripControlChars(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c > 0x1f && c !== 0x7f) out += ch;
  }
  return out;
}

const attr = (attribs: Record<string, string>, name: string) => attribs[name] as string | undefined;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: TAGS,
  allowedAttributes: {
    a: ['href', 'rel', 'title'],
    img: ['src', 'alt'],
    ol: ['start', 'type'],
    th: ['colspan', 'rowspan', 'scope'],
    td: ['colspan', 'rowspan'],
  },
  allowedClasses: {},
  allowedStyles: {},
  // Defence in depth: our transforms below already decide every URL; these keep the library's own check.
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: [] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'action', 'formaction', 'xlink:href'],
  allowProtocolRelative: false,
  allowVulnerableTags: false,
  disallowedTagsMode: 'discard',
  nonTextTags: NON_TEXT,
  enforceHtmlBoundary: false,
  // No nestingLimit: the same sanitize-html quirk applies to tags skipped for depth; cleanOfficeHtml,
  // which always runs first, already flattens nesting deeper than 100 levels.
  exclusiveFilter: (frame) => {
    if (frame.tag === 'a' && !frame.attribs.href) return 'excludeTag';
    if (frame.tag === 'img' && !frame.attribs.src) return true;
    return false;
  },
  parser: { lowerCaseTags: true, lowerCaseAttributeNames: true },
  transformTags: {
    h1: 'h2', // the page's title is the only h1
    b: 'strong',
    i: 'em',
    a: (_tag, attribs) => {
      const href = safeHref(attr(attribs, 'href'));
      if (!href) return { tagName: 'a', attribs: {} }; // bookmarks (<a name>), fragments, bad schemes
      const out: Record<string, string> = { href };
      const title = attr(attribs, 'title');
      if (title) out.title = title;
      if (/^https?:/i.test(href)) out.rel = 'noopener noreferrer';
      return { tagName: 'a', attribs: out };
    },
    img: (_tag, attribs): sanitizeHtml.Tag => {
      const src = (attr(attribs, 'src') ?? '').trim();
      if (!OWN_IMAGE.test(src)) return { tagName: 'img', attribs: {} };
      // alt is always written, empty when missing, so imagesMissingAlt can name the image to the editor.
      return { tagName: 'img', attribs: { src, alt: (attr(attribs, 'alt') ?? '').trim() } };
    },
    ol: (_tag, attribs) => {
      const out: Record<string, string> = {};
      const start = attr(attribs, 'start');
      if (start && /^[0-9]{1,6}$/.test(start)) out.start = String(Number(start));
      const type = attr(attribs, 'type');
      if (type && /^[1aAiI]$/.test(type)) out.type = type;
      return { tagName: 'ol', attribs: out };
    },
    td: (_tag, attribs) => ({ tagName: 'td', attribs: spans(attribs) }),
    th: (_tag, attribs) => {
      const out = spans(attribs);
      const scope = attr(attribs, 'scope');
      if (scope && /^(row|col|rowgroup|colgroup)$/.test(scope)) out.scope = scope;
      return { tagName: 'th', attribs: out };
    },
  },
};

function spans(attribs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['colspan', 'rowspan']) {
    const v = attr(attribs, k);
    if (v && /^[0-9]{1,3}$/.test(v) && Number(v) > 1) out[k] = String(Number(v));
  }
  return out;
}

/**
 * Stored-body HTML from pasted or typed HTML: Office cleanup, then the allow-list. Idempotent. A body that
 * is already in the form this returns (isCanonicalBody: plain elements, no attributes) comes back as it is
 * without being parsed.
 */
export function sanitizeBody(html: string): string {
  return isCanonicalBody(html) ? html : sanitizeBodyFully(html);
}

/** sanitizeBody without the shortcut for canonical bodies (the tests compare the two). */
export function sanitizeBodyFully(html: string): string {
  return sanitizeHtml(cleanOfficeHtml(html), OPTIONS).trim();
}

const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'caption',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'p',
  'pre',
  'section',
  'table',
]);
const LINE = new Set(['li', 'tr', 'ul', 'ol']);
const SKIP = new Set(['script', 'style', 'head', 'title', 'template', 'noscript', 'svg', 'math', 'xml']);

// Boundary markers while walking (Unicode noncharacters, never in real text; stripped from the input
// anyway); a run of them becomes a blank line if any is a block boundary, else a line break.
const PARA = '\ufdd0';
const BREAK = '\ufdd1';

/**
 * Plain text of a body for search and summaries: blocks separated by a blank line, list items, table
 * rows and <br> on their own lines, cells separated by a space, whitespace collapsed, entities decoded.
 */
export function htmlToText(html: string): string {
  let out = '';
  const visit = (nodes: HtmlNode[], pre: boolean) => {
    for (const n of nodes) {
      if (n.type === 'comment') continue;
      if (n.type === 'text') {
        const t = decodeEntities(n.data)
          .replace(/[\ufdd0\ufdd1]/g, '')
          .replace(/\u00a0/g, ' ');
        out += pre ? t.replace(/\r?\n/g, BREAK) : t.replace(/[ \t\r\n\f]+/g, ' ');
        continue;
      }
      if (SKIP.has(n.name)) continue;
      if (n.name === 'br') {
        out += BREAK;
        continue;
      }
      const mark = BLOCK.has(n.name) ? PARA : LINE.has(n.name) ? BREAK : '';
      if (n.name === 'td' || n.name === 'th') out += ' ';
      out += mark;
      visit(n.children, pre || n.name === 'pre');
      out += mark;
    }
  };
  visit(parseHtml(html), false);
  return out
    .replace(/[ \t]*(?:[\ufdd0\ufdd1][ \t]*)+/g, (run) => (run.includes(PARA) ? '\n\n' : '\n'))
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/^[ \t]+|[ \t]+$/gm, '')
    .trim();
}

/** The src of every image whose alt text is missing or blank (the item form refuses these). */
export function imagesMissingAlt(html: string): string[] {
  const missing: string[] = [];
  walkElements(parseHtml(html), (e) => {
    if (e.name !== 'img') return;
    const alt = e.attrs.alt;
    if (alt === undefined || !decodeEntities(alt).replace(/[\s\u00a0\u3000]+/g, '')) {
      missing.push(decodeEntities(e.attrs.src ?? ''));
    }
  });
  return missing;
}
