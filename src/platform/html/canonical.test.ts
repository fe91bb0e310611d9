import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { rng } from '../../testing/random.js';
import { isCanonicalBody } from './canonical.js';
import { sanitizeBody, sanitizeBodyFully } from './sanitize.js';

// The shortcut is only correct if every body it accepts is one the full sanitizer returns unchanged. These
// tests generate bodies (mostly well-formed, with every kind of near miss mixed in) and hold sanitizeBody to
// the full path's result on all of them, and check that the shortcut does accept the ordinary cases.

const TEXTS = [
  '政务公开',
  '预算',
  '第一条',
  '（一）',
  '2026年',
  'abc',
  ' ',
  '  ',
  '\u3000',
  '\u3000\u3000为了',
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&nbsp;',
  '&#x4e2d;',
  '&#20013;',
  '&',
  '&amp',
  '"',
  "'",
  '>',
  '<',
  '\u00a0',
  '\n',
  '\r\n',
  '\t',
  '\u2003',
  '\u200b',
  '\ufeff',
  '😀',
  '\ud800',
  '\udc00',
  '·',
  '1.',
  '•',
  '=',
  '/',
];

// Structure: which children each element normally has (the generator mostly follows this, sometimes not).
const CHILDREN: Record<string, string[]> = {
  '': ['p', 'p', 'p', 'h2', 'h3', 'h5', 'ul', 'ol', 'table', 'blockquote', 'hr', '#text', 'strong', 'em', 'br'],
  p: ['#text', '#text', '#text', 'strong', 'em', 'u', 's', 'sub', 'sup', 'br'],
  h2: ['#text', 'strong', 'em'],
  h3: ['#text', 'em'],
  h4: ['#text'],
  h5: ['#text'],
  h6: ['#text'],
  strong: ['#text', '#text', 'em', 'u', 'br'],
  em: ['#text', '#text', 'strong', 's'],
  u: ['#text', 'sub'],
  s: ['#text', 'sup'],
  sub: ['#text'],
  sup: ['#text'],
  ul: ['li'],
  ol: ['li'],
  li: ['#text', '#text', 'strong', 'ul', 'ol', 'p', 'br', 'hr', 'table', 'h3', 'blockquote', 'sub'],
  blockquote: ['p', '#text', 'ul', 'h4', 'blockquote', 'table', 'hr', 'u'],
  table: ['thead', 'tbody', 'tfoot', 'tr'],
  thead: ['tr'],
  tbody: ['tr'],
  tfoot: ['tr'],
  tr: ['td', 'th'],
  td: ['#text', '#text', 'strong', 'br', 'ul', 'p', 'table', 'blockquote', 'h4', 'hr', 's'],
  th: ['#text', 'em', 'br', 'ol'],
};
// Elements the shortcut must never take: renamed (b, i, h1), unwrapped (span, font, div…), dropped (script…)
// or rewritten (a, img, ol with attributes).
const FOREIGN = [
  'b',
  'i',
  'h1',
  'span',
  'font',
  'div',
  'a',
  'img',
  'script',
  'style',
  'caption',
  'pre',
  'code',
  'o:p',
  'svg',
  'P',
];
const ATTRIBUTES = [
  ' class="MsoNormal"',
  ' style="font-weight:bold"',
  ' href="https://example.org/"',
  ' id="x"',
  ' onclick="alert(1)"',
  ' start="3"',
];

function generator(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const maybe = (p: number) => r() < p;
  // `strict`: only what the shortcut accepts when it is well formed (the rules' blind spots are then the
  // point); otherwise near misses of every kind.
  const node = (parent: string, depth: number, strict: boolean): string => {
    let name = pick(CHILDREN[parent] ?? ['#text']);
    if (!strict && maybe(0.08)) name = pick(FOREIGN);
    if (!strict && maybe(0.05)) name = pick(Object.keys(CHILDREN).filter(Boolean));
    if (depth > 7 && name !== '#text' && !['tr', 'td', 'th', 'li'].includes(name)) name = '#text';
    if (name === '#text') {
      let t = '';
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) t += strict ? pick(TEXTS.slice(0, 13)) : pick(TEXTS);
      if (strict && !/[^ \u3000]/.test(t)) t += '文';
      return t;
    }
    if (name === 'br' || name === 'hr' || name === 'img') {
      const form = strict ? ' /' : pick([' /', '', '/', ' /']);
      return `<${name}${!strict && maybe(0.1) ? pick(ATTRIBUTES) : ''}${form}>`;
    }
    const attrs = !strict && maybe(0.07) ? pick(ATTRIBUTES) : '';
    let inner = '';
    const n = maybe(strict ? 0.03 : 0.15) ? 0 : 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) inner += node(name, depth + 1, strict);
    const close = !strict && maybe(0.05) ? '' : `</${name}>`;
    return `<${name}${attrs}>${inner}${close}`;
  };
  return (): string => {
    const strict = maybe(0.6);
    let html = '';
    const n = 1 + Math.floor(r() * 5);
    for (let i = 0; i < n; i++) html += node('', 0, strict);
    if (!strict && maybe(0.1)) html = maybe(0.5) ? ` ${html}` : `${html}\n`;
    return html;
  };
}

describe('isCanonicalBody (the sanitizer shortcut)', () => {
  test('sanitizeBody gives the full path’s result on 6,000 generated bodies, and the shortcut takes many', () => {
    // CANONICAL_SEED=n tries other bodies (the default keeps the run the same everywhere).
    const next = generator(Number(process.env.CANONICAL_SEED ?? 20261126));
    let accepted = 0;
    let acceptedWithStructure = 0;
    let unchanged = 0;
    for (let i = 0; i < 6_000; i++) {
      const html = next();
      const full = sanitizeBodyFully(html);
      if (full === html) unchanged++;
      if (isCanonicalBody(html)) {
        accepted++;
        if (/<(ul|table|blockquote)>/.test(html)) acceptedWithStructure++;
        assert.equal(full, html, `accepted but rewritten by the full path: ${JSON.stringify(html)}`);
      }
      assert.equal(sanitizeBody(html), full, JSON.stringify(html));
      // What the full path writes is mostly canonical itself; where it is, running it again changes nothing.
      if (isCanonicalBody(full)) assert.equal(sanitizeBodyFully(full), full, JSON.stringify(full));
    }
    // Not a test that cannot fail the other way: a shortcut that accepts (almost) nothing is caught here.
    // Of the bodies the full path leaves unchanged, the shortcut must recognize most.
    assert.ok(accepted > 800, `shortcut taken for ${accepted} of 6,000`);
    assert.ok(
      accepted > 0.75 * unchanged,
      `shortcut taken for ${accepted} of the ${unchanged} the full path leaves as they are`,
    );
    assert.ok(acceptedWithStructure > 100, `of them with lists, tables or quotes: ${acceptedWithStructure}`);
  });

  test('ordinary bodies are taken as they are', () => {
    for (const html of [
      '',
      '<p>为进一步做好政务公开工作，现将有关事项通知如下。</p><p>一、总体要求</p>',
      '<h2>一、工作目标</h2><p>到2026年，<strong>全面</strong>推进“五公开”。</p>',
      '<p>甲 &amp; 乙 &lt;丙&gt; "丁"</p>',
      '<ol><li>第一项<ul><li>子项</li></ul></li><li>第二项<br />续行</li></ol>',
      '<table><thead><tr><th>项目</th><th>金额</th></tr></thead><tbody><tr><td>预算</td><td></td></tr></tbody></table>',
      '<blockquote><p>引文</p></blockquote><hr /><p>\u3000\u3000正文</p>',
      '纯文本',
      `${'<ul><li>'.repeat(20)}文${'</li></ul>'.repeat(20)}`,
    ])
      assert.ok(isCanonicalBody(html), html);
  });

  test('near misses go through the full path', () => {
    for (const html of [
      ' <p>x</p>', // trimmed
      '<p>x</p>\n', // trimmed
      '<p>a\nb</p>', // line joined between Chinese characters
      '<p>a&nbsp;b</p>',
      '<p>a\u00a0b</p>',
      '<p>a &quot; b</p>', // written back as "
      '<p>a > b</p>', // written back as &gt;
      '<p>&#x4e2d;</p>',
      '<p>a & b</p>',
      '<p class="x">x</p>',
      '<P>x</P>',
      '<p>x<br></p>',
      '<p>x<br/></p>',
      '<h1>x</h1>',
      '<b>x</b>',
      '<span>x</span>',
      '<div>x</div>',
      '<a href="https://example.org/">x</a>',
      '<p></p>',
      '<p>\u3000 </p>',
      '<li>x</li>',
      '<ul>x</ul>',
      '<ul></ul>',
      '<p><p>x</p></p>',
      '<p><ul><li>x</li></ul></p>',
      '<strong>a</strong><strong>b</strong>',
      '<strong><em><strong>a</strong></em></strong>',
      '<p><strong> </strong>x</p>',
      '<table><tr><td><p>x</p></td></tr></table>',
      '<table><td>x</td></table>',
      '<p>x',
      '<p>x</strong>',
      '<p>x</p></p>',
      '<p>x <!-- y --></p>',
      '<script>alert(1)</script>',
      '<p>\ud800</p>',
      // nested deeper than the cleanup's parser keeps
      `${'<blockquote>'.repeat(100)}文${'</blockquote>'.repeat(100)}`,
      `${'<ul><li>'.repeat(50)}文${'</li></ul>'.repeat(50)}`,
    ])
      assert.ok(!isCanonicalBody(html), html);
  });

  test('nesting at every depth up to past the parser’s limit: taken only where the full path keeps it', () => {
    for (let n = 1; n <= 120; n++) {
      for (const html of [
        `${'<blockquote>'.repeat(n)}文${'</blockquote>'.repeat(n)}`,
        `${'<ul><li>'.repeat(n)}文${'</li></ul>'.repeat(n)}`,
        `<table>${'<tr><td><table>'.repeat(n)}<tr><td>文</td></tr>${'</table></td></tr>'.repeat(n)}</table>`,
      ]) {
        if (isCanonicalBody(html)) assert.equal(sanitizeBodyFully(html), html, `depth ${n}: ${html.slice(0, 40)}`);
        assert.equal(sanitizeBody(html), sanitizeBodyFully(html));
      }
    }
  });

  test('the Word and WPS fixtures, once sanitized, are taken as they are or left to the full path', () => {
    for (const f of ['word2016.paste.txt', 'wps2019.paste.txt']) {
      const raw = fs.readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8');
      assert.ok(!isCanonicalBody(raw), `${f}: a raw paste is never canonical`);
      const out = sanitizeBodyFully(raw);
      assert.equal(sanitizeBody(out), out);
    }
  });
});
