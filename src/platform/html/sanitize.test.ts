import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { decodeEntities, type ElementNode, parseHtml, walkElements } from './dom.js';
import {
  cleanOfficeHtml,
  htmlToText,
  imagesMissingAlt,
  safeHref,
  sanitizeBody,
  sanitizeBodyFully,
} from './sanitize.js';

const SHA = 'ab'.repeat(32);
const OWN = `/files/${SHA}/图1.png`;

// What a stored body may contain, element by element; anything else in the output is a failure.
const ALLOWED: Record<string, string[]> = {
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  p: [],
  br: [],
  strong: [],
  em: [],
  u: [],
  s: [],
  sub: [],
  sup: [],
  ul: [],
  ol: ['start', 'type'],
  li: [],
  blockquote: [],
  table: [],
  thead: [],
  tbody: [],
  tfoot: [],
  tr: [],
  th: ['colspan', 'rowspan', 'scope'],
  td: ['colspan', 'rowspan'],
  caption: [],
  a: ['href', 'rel', 'title'],
  img: ['src', 'alt'],
  hr: [],
  figure: [],
  figcaption: [],
  pre: [],
  code: [],
};

/** Fails unless the HTML holds only allowed elements and attributes, and every URL is one we publish. */
function assertInert(html: string, vector: string) {
  const msg = (why: string) => `${why}\n  vector: ${vector}\n  output: ${html}`;
  // Anything that reads as markup after our own parse must be on the allow-list.
  walkElements(parseHtml(html), (e: ElementNode) => {
    assert.ok(e.name in ALLOWED, msg(`element <${e.name}> is not allowed`));
    for (const [k, raw] of Object.entries(e.attrs)) {
      assert.ok(ALLOWED[e.name].includes(k), msg(`attribute ${k} on <${e.name}> is not allowed`));
      const v = decodeEntities(raw);
      if (k === 'href') {
        assert.ok(/^(https?:\/\/|mailto:|\/(?![/\\]))/i.test(v), msg(`href ${v} is not http(s), mailto or /path`));
      }
      if (k === 'src') assert.match(v, /^\/files\/[0-9a-f]{64}\//, msg(`img src ${v} is not our file store`));
    }
  });
  // And independently of our parser: no tag-opening of a dangerous element, no event handler attribute
  // syntax outside quoted values, no executable scheme anywhere in an attribute.
  assert.doesNotMatch(
    html,
    /<\s*\/?\s*(script|iframe|object|embed|svg|math|base|meta|link|style|form|input|button|textarea|frame|applet|video|audio|source|details|marquee|isindex|template)\b/i,
    msg('dangerous element'),
  );
  const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
  for (const t of tags) {
    const unquoted = t.replace(/"[^"]*"/g, '""');
    assert.doesNotMatch(unquoted, /[\s/]on[a-z]+\s*=/i, msg(`event handler in ${t}`));
    assert.doesNotMatch(unquoted, /\s(style|class|srcdoc|formaction|xlink:href|background|action|srcset)\s*=/i, msg(t));
    assert.doesNotMatch(decodeEntities(t).replace(/\s+/g, ''), /(javascript|vbscript|data|livescript):/i, msg(t));
  }
}

const XSS: [string, string][] = [
  ['script element', '<script>alert(1)</script><p>ok</p>'],
  ['script with src, upper case', '<SCRIPT SRC=//evil.example/x.js></SCRIPT>'],
  ['img onerror', '<img src=x onerror=alert(1)>'],
  ['own img with onerror', `<img src="${OWN}" alt="图" onerror="alert(1)">`],
  ['body onload', '<body onload=alert(1)><p>x</p></body>'],
  ['svg onload', '<svg onload=alert(1)>'],
  ['svg script', '<svg><script>alert(1)</script></svg>'],
  ['svg a xlink:href', '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>'],
  ['svg animate values', '<svg><animate xlink:href="#x" attributeName="href" values="javascript:alert(1)"/></svg>'],
  ['math href', '<math href="javascript:alert(1)">CLICK</math>'],
  [
    'math mXSS',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
  ],
  ['iframe javascript src', '<iframe src="javascript:alert(1)"></iframe>'],
  ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ['object data', '<object data="javascript:alert(1)"></object>'],
  ['embed data url', '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'],
  ['base href', '<base href="javascript:/"><a href="/x">x</a>'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ['link stylesheet', '<link rel="stylesheet" href="javascript:alert(1)">'],
  ['style element', '<style>@import "javascript:alert(1)";</style><p>x</p>'],
  ['style url()', '<p style="background:url(javascript:alert(1))">x</p>'],
  ['style expression()', '<p style="width: expression(alert(1))">x</p>'],
  ['a javascript:', '<a href="javascript:alert(1)">x</a>'],
  ['a mixed case scheme', '<a href="jAvAsCrIpT:alert(1)">x</a>'],
  ['a leading space', '<a href=" javascript:alert(1)">x</a>'],
  ['a tab entity', '<a href="java&#x09;script:alert(1)">x</a>'],
  ['a newline entity', '<a href="java&#10;script:alert(1)">x</a>'],
  ['a raw tab and newline', '<a href="jav\tas\ncript:alert(1)">x</a>'],
  ['a decimal entities', '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'],
  ['a hex entity', '<a href="&#x6A;avascript:alert(1)">x</a>'],
  ['a padded entity', '<a href="&#0000106avascript:alert(1)">x</a>'],
  ['a &colon;', '<a href="javascript&colon;alert(1)">x</a>'],
  ['a control character', '<a href="\u0001javascript:alert(1)">x</a>'],
  ['a vbscript', '<a href="vbscript:msgbox(1)">x</a>'],
  ['a data html', '<a href="data:text/html,<script>alert(1)</script>">x</a>'],
  ['a protocol-relative', '<a href="//evil.example/">x</a>'],
  ['a backslash host', '<a href="/\\evil.example/">x</a>'],
  ['a javascript with https text', '<a href="javascript:alert(1)//https://ok.example/">x</a>'],
  ['img data url', '<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">'],
  ['img external', '<img src="https://evil.example/track.png" alt="x">'],
  ['img path traversal', '<img src="/files/../../etc/passwd" alt="x">'],
  ['img srcset', `<img src="${OWN}" alt="x" srcset="javascript:alert(1) 1x">`],
  ['img src attribute break', `<img src="${OWN}&quot; onerror=&quot;alert(1)" alt="x">`],
  ['form action', '<form action="javascript:alert(1)"><input type="submit" value="go"></form>'],
  ['button formaction', '<button formaction="javascript:alert(1)">x</button>'],
  ['input autofocus', '<input onfocus=alert(1) autofocus>'],
  ['isindex', '<isindex action=javascript:alert(1) type=image>'],
  ['details ontoggle', '<details open ontoggle=alert(1)><summary>x</summary></details>'],
  ['marquee onstart', '<marquee onstart=alert(1)>x</marquee>'],
  ['video source onerror', '<video><source onerror="alert(1)"></video>'],
  ['p onclick', '<p onclick="alert(1)">x</p>'],
  ['onmouseover unquoted', '<p title="x" onmouseover=alert(1)>x</p>'],
  ['attribute quote breaking', '<a href="/ok" title=\'x" onmouseover="alert(1)\'>x</a>'],
  ['img in quotes', '<img """><script>alert(1)</script>">'],
  ['double open', '<<script>alert(1)//<</script>'],
  ['split script', '<scr<script>ipt>alert(1)</script>'],
  ['commented img', '<!--<img src=x onerror=alert(1)>-->'],
  ['CDATA', '<![CDATA[<script>alert(1)</script>]]>'],
  ['noscript mXSS', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'],
  ['textarea mXSS', '<textarea><script>alert(1)</script></textarea>'],
  [
    'table background',
    '<table background="javascript:alert(1)"><tr><td background="javascript:alert(1)">x</td></tr></table>',
  ],
  ['malformed nesting', '<p>x</p></div><script>alert(1)</script><div><p><b><i><u>y</p></div>'],
  ['unknown element with handler', '<x-foo onclick=alert(1)>x</x-foo>'],
  ['Word conditional comment', '<!--[if gte mso 9]><script>alert(1)</script><![endif]--><p>x</p>'],
  ['downlevel-revealed comment', '<![if !supportLists]><script>alert(1)</script><![endif]><p>x</p>'],
  ['Office namespace element handler', '<o:p onclick="alert(1)">x</o:p>'],
  ['bold span with handler', '<span style="font-weight:bold" onclick="alert(1)">x</span>'],
  ['mailto with handler', '<a href="mailto:a@example.com" onclick="alert(1)">x</a>'],
  ['external link target', '<a href="https://ok.example/" target="_blank" rel="opener" onfocus=alert(1)>x</a>'],
  ['class and id', '<p class="MsoNormal evil" id="x">x</p>'],
  ['entity-encoded tag text', '&lt;script&gt;alert(1)&lt;/script&gt;'],
];

describe('sanitizeBody against an XSS corpus', () => {
  test(`the corpus has at least 40 vectors (${XSS.length})`, () => {
    assert.ok(XSS.length >= 40);
  });
  for (const [name, vector] of XSS) {
    test(`${name}: output has no executable vector and is stable`, () => {
      const out = sanitizeBody(vector);
      assertInert(out, vector);
      assert.equal(sanitizeBodyFully(out), out, 'sanitizing twice changes nothing');
      assert.equal(sanitizeBody(vector), sanitizeBodyFully(vector));
    });
  }

  test('safe parts of hostile input survive', () => {
    assert.equal(sanitizeBody('<script>alert(1)</script><p>ok</p>'), '<p>ok</p>');
    assert.equal(
      sanitizeBody('<a href="https://ok.example/" target="_blank" rel="opener">官网</a>'),
      '<a href="https://ok.example/" rel="noopener noreferrer">官网</a>',
    );
    assert.equal(
      sanitizeBody('<a href="mailto:a@example.com" onclick="x">信箱</a>'),
      '<a href="mailto:a@example.com">信箱</a>',
    );
    assert.equal(sanitizeBody('<a href="/policies/1">政策</a>'), '<a href="/policies/1">政策</a>');
    assert.equal(sanitizeBody('<a href="javascript:alert(1)">文字</a>'), '文字');
    assert.equal(sanitizeBody(`<img src="${OWN}" alt="示意图" onerror="x">`), `<img src="${OWN}" alt="示意图" />`);
    assert.equal(sanitizeBody('&lt;script&gt;'), '&lt;script&gt;');
  });
});

describe('sanitizeBody keeps document structure', () => {
  test('headings (h1 demoted to h2), inline formatting, lists, quotes, tables with spans, figures and code', () => {
    const html = [
      '<h1>标题</h1><h3>小节</h3><p>甲<br>乙<strong>粗</strong><b>粗</b><em>斜</em><i>斜</i><u>下</u><s>删</s>H<sub>2</sub>O x<sup>2</sup></p>',
      '<ul><li>一</li></ul><ol start="3" type="a"><li>三</li></ol><blockquote><p>引</p></blockquote><hr>',
      '<table><caption>表1</caption><thead><tr><th scope="col" colspan="2">项目</th></tr></thead>',
      '<tbody><tr><td rowspan="2">a</td><td>b</td></tr></tbody><tfoot><tr><td colspan="x">c</td></tr></tfoot></table>',
      `<figure><img src="${OWN}" alt="图"><figcaption>图1</figcaption></figure><pre><code>x = 1</code></pre>`,
    ].join('');
    const out = sanitizeBody(html);
    assert.equal(
      out,
      [
        '<h2>标题</h2><h3>小节</h3><p>甲<br />乙<strong>粗粗</strong><em>斜斜</em><u>下</u><s>删</s>H<sub>2</sub>O x<sup>2</sup></p>',
        '<ul><li>一</li></ul><ol start="3" type="a"><li>三</li></ol><blockquote><p>引</p></blockquote><hr />',
        '<table><caption>表1</caption><thead><tr><th colspan="2" scope="col">项目</th></tr></thead>',
        '<tbody><tr><td rowspan="2">a</td><td>b</td></tr></tbody><tfoot><tr><td>c</td></tr></tfoot></table>',
        `<figure><img src="${OWN}" alt="图" /><figcaption>图1</figcaption></figure><pre><code>x = 1</code></pre>`,
      ].join(''),
    );
  });

  const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const elements = (html: string) => {
    const names: string[] = [];
    walkElements(parseHtml(html), (e) => names.push(e.name));
    return names;
  };

  test('a Word 2016 paste keeps its headings, bold and italic runs, nested lists, table and link', () => {
    const out = sanitizeBody(fixture('word2016.paste.txt'));
    assertInert(out, 'word2016.paste.txt');
    assert.match(out, /^<h2>关于印发2026年政务公开工作要点的通知<\/h2>/);
    assert.match(out, /<h2>一、总体要求<\/h2>/);
    assert.match(out, /现将《<strong>政务公开工作要点<\/strong>》/);
    assert.match(out, /请结合实际<strong>认真贯彻落实<\/strong>/, 'a span styled font-weight:bold is bold');
    assert.match(out, /<em>每季度末<\/em>/);
    assert.match(
      out,
      /<ul><li>坚持以公开为常态、不公开为例外<\/li><li>推进决策、执行、管理、服务、结果公开<\/li><\/ul>/,
    );
    assert.match(
      out,
      /<ol><li>加强政策解读<ol type="a"><li>同步起草解读材料<\/li><\/ol><\/li><li>做好依申请公开<\/li><\/ol>/,
    );
    assert.match(out, /<a href="https:\/\/www.gov.cn\/zhengce\/" rel="noopener noreferrer">中国政府网政策栏目<\/a>/);
    assert.match(out, /<td><strong>任务<\/strong><\/td>/);
    assert.match(out, /<td colspan="2">以上任务于年底前完成<\/td>/);
    assert.equal(elements(out).filter((n) => n === 'tr').length, 3);
    assert.doesNotMatch(out, /·|mso|Mso|o:p|WordDocument|Normal|等线|font-family|&nbsp;/);
    assert.doesNotMatch(out, /<p>\s*<\/p>/, 'empty Word paragraphs are gone');
    assert.equal(sanitizeBodyFully(out), out);
  });

  test('a WPS paste keeps its headings, bold spans, numbered and Wingdings lists, table and mailto link', () => {
    const out = sanitizeBody(fixture('wps2019.paste.txt'));
    assertInert(out, 'wps2019.paste.txt');
    assert.match(out, /^<h2><strong>区财政局2026年部门预算公开说明<\/strong><\/h2>/, 'split bold runs are joined');
    assert.match(out, /<h3><strong>一、部门职责<\/strong><\/h3>/);
    assert.match(out, /<strong>统筹全区财政收支<\/strong><em>（详见附件）<\/em>/);
    assert.match(out, /<a href="mailto:czj@example.gov.cn">czj@example.gov.cn<\/a>/);
    assert.match(out, /<ol><li>一般公共预算收入<\/li><li>政府性基金预算收入<\/li><\/ol>/);
    assert.match(out, /<ul><li>三公经费同比下降5%<\/li><li>会议费控制在预算以内<\/li><\/ul>/);
    assert.match(out, /<tr><td><strong>项目<\/strong><\/td><td><strong>金额（万元）<\/strong><\/td><\/tr>/);
    assert.match(out, /<tr><td>基本支出<\/td><td>1,234.56<\/td><\/tr>/);
    assert.doesNotMatch(out, /<font|Section0|宋体|\uf06c|Calibri/);
    assert.equal(sanitizeBodyFully(out), out);
  });
});

describe('cleanOfficeHtml', () => {
  test('turns styled spans into strong, em, u, s, sup and sub before styles are dropped', () => {
    const out = cleanOfficeHtml(
      '<p><span style="font-weight:700">粗</span><span style="font-style:italic;font-weight:bold">粗斜</span>' +
        '<span style="text-decoration:underline">下</span><span style="text-decoration:line-through">删</span>' +
        'm<span style="vertical-align:super">2</span><span style="mso-bidi-font-weight:bold">常</span></p>',
    );
    // Adjacent bold runs are one <strong>, as Word splits one phrase into several runs.
    assert.equal(out, '<p><strong>粗<em>粗斜</em></strong><u>下</u><s>删</s>m<sup>2</sup>常</p>');
  });

  test('strips o:p, w: XML, conditional comments, MsoNormal classes, mso- styles and empty spans', () => {
    const out = cleanOfficeHtml(
      '<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml><![endif]-->' +
        '<p class="MsoNormal" style="mso-margin-top-alt:auto;text-align:center"><span lang="EN-US"></span>文<o:p></o:p></p>',
    );
    assert.equal(out, '<p style="text-align:center">文</p>');
  });

  test('collapses runs of &nbsp; and removes paragraphs that hold only spaces', () => {
    assert.equal(
      cleanOfficeHtml('<p>甲&nbsp;&nbsp;&nbsp;乙&nbsp;丙</p><p>&nbsp;</p><p><o:p>&nbsp;</o:p></p>'),
      '<p>甲 乙&nbsp;丙</p>',
    );
  });

  test('Chinese numbering in a Word list stays as written text', () => {
    const out = cleanOfficeHtml(
      "<p style='mso-list:l0 level1 lfo1'><![if !supportLists]><span style='mso-list:Ignore'>一、<span>&nbsp;&nbsp;</span></span><![endif]>总体要求</p>",
    );
    assert.equal(htmlToText(out), '一、 总体要求');
    assert.doesNotMatch(out, /<ol|<li/);
  });

  test('a numbered list starting at 3 keeps its start; Roman and letter markers keep their type', () => {
    const p = (m: string, t: string) =>
      `<p style='mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>${m}<span>&nbsp;</span></span>${t}</p>\n`;
    assert.equal(cleanOfficeHtml(p('3.', '丙') + p('4.', '丁')), '<ol start="3"><li>丙</li><li>丁</li></ol>\n');
    assert.equal(cleanOfficeHtml(p('ii.', '乙')), '<ol type="i" start="2"><li>乙</li></ol>\n');
    assert.equal(cleanOfficeHtml(p('B)', '乙')), '<ol type="A" start="2"><li>乙</li></ol>\n');
  });

  test('deeply nested input does not exhaust the stack', () => {
    const deep = `${'<div>'.repeat(20000)}x${'</div>'.repeat(20000)}`;
    assert.equal(sanitizeBody(deep), 'x');
  });
});

describe('htmlToText', () => {
  test('keeps paragraph breaks, puts list items and rows on their own lines, decodes entities', () => {
    const text = htmlToText(
      '<h2>标题</h2><p>第一段&amp;<br>换行</p><ul><li>甲</li><li>乙</li></ul>' +
        '<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table><p>  末段&nbsp;&lt;完&gt; </p>' +
        '<script>x()</script>',
    );
    assert.equal(text, '标题\n\n第一段&\n换行\n\n甲\n乙\n\na b\nc d\n\n末段 <完>');
  });
});

describe('imagesMissingAlt', () => {
  test('lists the src of images with a missing or blank alt', () => {
    const b = `/files/${'cd'.repeat(32)}/b.png`;
    const c = `/files/${'ef'.repeat(32)}/c.png`;
    const html = sanitizeBody(`<p><img src="${OWN}" alt="有说明"><img src="${b}"><img src="${c}" alt=" &nbsp;"></p>`);
    assert.deepEqual(imagesMissingAlt(html), [b, c]);
    assert.deepEqual(imagesMissingAlt('<p>无图</p>'), []);
  });
});

describe('safeHref', () => {
  test('accepts http(s), mailto and site paths; refuses the rest', () => {
    for (const ok of ['https://www.gov.cn/a?b=1#c', 'http://example.com', 'mailto:a@b.cn', '/items/1', ' /x ']) {
      assert.ok(safeHref(ok), ok);
    }
    for (const bad of [
      'javascript:alert(1)',
      'JaVaScRiPt:x',
      'java\nscript:x',
      'data:text/html,x',
      'vbscript:x',
      '//evil.example',
      '/\\evil.example',
      '#frag',
      'relative/page',
      'ftp://x.example/',
      'https://user@evil.example/',
      '',
      undefined,
    ]) {
      assert.equal(safeHref(bad), null, String(bad));
    }
  });
});
