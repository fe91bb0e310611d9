import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  a11yLog,
  clickAndWait,
  confirmationMail,
  createStaff,
  e2eEngines,
  firstSignIns,
  flash,
  journey,
  pathOf,
  type Staff,
  selectColumn,
  signIn,
  type TestServer,
  text,
} from './support.js';

// The proactive-disclosure journey in the browser (issue 3, "Browser journey"): a visitor subscribes to the
// 工作动态 column by email and confirms through the link in the mail; a drafter pastes a Word-like formatted
// text (with a script that must not survive) and attaches a PDF; a reviewer sends it back with a comment; the
// drafter reads it in the history, fixes the text and resubmits; the reviewer passes it, the approver signs
// (签发) and publishes it; the public finds it by a two-character word and by a quoted phrase, reads the item
// page (metadata table, formatted body, attachment with type and size, QR code), the column's RSS feed lists
// it and the subscriber's inbox (a local SMTP sink) gets it; then the approver withdraws it as out of date and
// the page shows the banner with the note. Pages are checked with axe-core on the way.
//
// Screenshots of the public item page go to GONGKAI_E2E_SCREENSHOTS (default /tmp).

const ORG = '厦门市湖里区文体出版旅游局';
const ORG_SLUG = 'wenti';
const COLUMN = '工作动态';
const COLUMN_SLUG = 'news';
const SHOTS = process.env.GONGKAI_E2E_SCREENSHOTS || '/tmp';

const TITLE = '湖里区举办“书香湖里”全民阅读月活动';
const DOC_NUMBER = '厦湖文旅〔2025〕12号';
const SUMMARY = '区文体出版旅游局组织开展全民阅读月活动，安排亲子绘本共读、书香市集和图书漂流。';
const KEYWORDS = '全民阅读 绘本';
const WORD = '绘本'; // two characters, in the body and nowhere in the demo data
const PHRASE = '亲子绘本共读专场';
const WRONG_DATE = '4月32日';
const RIGHT_DATE = '4月23日';
const REVIEW_COMMENT = `活动时间“${WRONG_DATE}”有误，请改为${RIGHT_DATE}后重新提交。`;
const WITHDRAW_NOTE = '本次活动已结束，相关安排不再适用。';
const LINK_HREF = 'https://www.huli.gov.cn/';
const PDF_NAME = '书香湖里活动方案.pdf';
const SUBSCRIBER = 'reader@example.com';

/** What a drafter gets when copying from Word: Office markup, styles, a heading, bold, a list, a table, a link. */
function pastedBody(date: string): string {
  return [
    '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">',
    '<head><meta charset="utf-8"><style>p.MsoNormal{margin:0cm;font-family:仿宋_GB2312}</style></head>',
    '<body lang="ZH-CN" style="tab-interval:21.0pt">',
    '<!--StartFragment-->',
    '<h1 style="mso-outline-level:1"><span style="font-family:黑体">一、活动安排</span></h1>',
    `<p class="MsoNormal"><b><span style="font-size:16pt">活动时间：</span></b><span>${date}至5月23日。</span></p>`,
    `<p class="MsoNormal" onclick="alert(1)">活动期间，区图书馆开设${PHRASE}，并在各街道组织阅读分享会。</p>`,
    '<ul style="margin-top:0cm">',
    '<li class="MsoNormal">亲子绘本共读</li>',
    '<li class="MsoNormal">书香市集</li>',
    '<li class="MsoNormal">图书漂流</li>',
    '</ul>',
    '<table class="MsoTableGrid" border="1" cellspacing="0" style="border-collapse:collapse">',
    '<tr><th>场次</th><th>时间</th><th>地点</th></tr>',
    '<tr><td>第一场</td><td>4月26日</td><td>湖里区图书馆</td></tr>',
    '<tr><td>第二场</td><td>5月10日</td><td>殿前街道文化站</td></tr>',
    '</table>',
    `<p class="MsoNormal">详情请见<a href="${LINK_HREF}" style="color:blue">湖里区人民政府网站</a>。</p>`,
    '<script>document.title = "pwned"; window.__pwned = true;</script>',
    '<img src="x" onerror="window.__pwned = true">',
    '<!--EndFragment-->',
    '</body></html>',
  ].join('\n');
}

/** A minimal valid one-page PDF (ASCII only, so string offsets are byte offsets) with a correct xref table. */
function minimalPdf(): Buffer {
  const text = 'BT /F1 18 Tf 72 760 Td (Quanmin yuedu yue huodong fangan) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const STAFF: Staff[] = [
  { username: 'linxiao', name: '林晓', role: '起草人', initial: 'Chushi-Linxiao-2026', password: 'Linxiao-Xin-2026!' },
  {
    username: 'chenjing',
    name: '陈静',
    role: '审核人',
    initial: 'Chushi-Chenjing-2026',
    password: 'Chenjing-Xin-2026!',
  },
  { username: 'wangjun', name: '王军', role: '签发人', initial: 'Chushi-Wangjun-2026', password: 'Wangjun-Xin-2026!' },
];

/** The value cell beside a header cell of a two-column-pairs table (the public metadata table). */
function cellAfter(scope: Locator, header: string): Locator {
  return scope.locator('th', { hasText: new RegExp(`^${header}$`) }).locator('xpath=following-sibling::td[1]');
}

/** The <dd> after a <dt> of the console's facts list. */
function factOf(page: Page, term: string): Locator {
  return page.locator('dl.facts dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');
}

/** Fetches a URL of the server with Node's fetch (outside the browser). */
async function get(server: TestServer, path: string) {
  const res = await fetch(`${server.url}${path}`);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

for (const engine of e2eEngines())
  journey(`publishing journey on ${engine}`, { engine, smtp: true, env: { JOBS: '1' } }, (j) => {
    test('a drafted, returned, fixed, approved and published item is found, fed, mailed to subscribers, then withdrawn under a banner', {
      timeout: 420_000,
    }, async () => {
      const { server, sink, open } = j;
      const a11y = a11yLog();

      // ---- A visitor subscribes to the 工作动态 column (double opt-in). Under the real CSP.
      const visitor = await open({ bypassCSP: false });
      let res = await visitor.goto(`/org/${ORG_SLUG}/subscribe?column=${COLUMN_SLUG}`);
      assert.equal(res?.status(), 200);
      assert.equal(await text(visitor.locator('#scope option:checked')), COLUMN);
      await visitor.getByLabel('电子邮箱').fill(SUBSCRIBER);
      await a11y.check(visitor, 'subscription form');
      res = await clickAndWait(visitor, visitor.getByRole('button', { name: '订阅' }));
      assert.equal(res?.status(), 200);
      assert.equal(pathOf(visitor), `/org/${ORG_SLUG}/subscribe/sent`);
      assert.equal(await text(visitor.locator('h1')), '请查收确认邮件');

      const { mail: confirmation, url: confirmUrl } = await confirmationMail(sink, SUBSCRIBER);
      assert.match(confirmation.text, new RegExp(`${ORG} › ${COLUMN}`));
      assert.ok(confirmUrl.startsWith(server.url), `the link points at this portal: ${confirmUrl}`);
      res = await visitor.goto(confirmUrl);
      assert.equal(res?.status(), 200);
      assert.equal(await text(visitor.locator('h1')), '确认订阅');
      assert.match(await text(visitor.locator('main')), /re\*\*\*@example\.com/);
      await a11y.check(visitor, 'subscription confirmation page');
      res = await clickAndWait(visitor, visitor.getByRole('button', { name: '确认订阅' }));
      assert.equal(res?.status(), 200);
      assert.equal(pathOf(visitor), '/subscriptions/confirmed');
      assert.equal(await text(visitor.locator('h1')), '订阅成功');
      // The link works once.
      res = await visitor.goto(confirmUrl);
      assert.equal(res?.status(), 404, 'a used confirmation link no longer works');

      // ---- The administrator creates the drafter, the reviewer and the approver of the agency.
      const admin = await open();
      const signedIn = await signIn(admin, server.adminUsername, server.adminPassword);
      assert.ok(signedIn.totpSecret, 'the administrator bound TOTP');
      assert.equal(signedIn.landed, '/console');
      for (const s of STAFF) await createStaff(admin, s, ORG);

      const [drafter, reviewer, approver] = await firstSignIns(j, STAFF);

      // ---- The drafter drafts the item in 工作动态, pasting Word-like HTML, and attaches a PDF.
      await drafter.goto('/console/items');
      await clickAndWait(drafter, drafter.getByRole('link', { name: '起草新信息' }));
      assert.equal(pathOf(drafter), '/console/items/new');
      await a11y.check(drafter, 'console: new item form');
      await selectColumn(drafter, COLUMN);
      await drafter.fill('#title', TITLE);
      await drafter.fill('#doc_number', DOC_NUMBER);
      const dateCreated = await drafter.inputValue('#date_created');
      assert.match(dateCreated, /^\d{4}-\d{2}-\d{2}$/, 'the date created defaults to today');
      assert.equal(await drafter.inputValue('#disclosure'), 'proactive');
      await drafter.selectOption('#five_category', { label: '执行公开' });
      await drafter.selectOption('#theme', { label: '文化、广电、新闻出版' });
      await drafter.selectOption('#genre', { label: '通知' });
      await drafter.fill('#keywords', KEYWORDS);
      await drafter.fill('#summary', SUMMARY);
      await drafter.fill('#body_html', pastedBody(WRONG_DATE));
      res = await clickAndWait(drafter, drafter.getByRole('button', { name: '保存草稿' }));
      assert.equal(res?.status(), 200, `saving the draft answered ${res?.status()}`);
      const itemPath = pathOf(drafter);
      const idMatch = /^\/console\/items\/(\d+)$/.exec(itemPath);
      assert.ok(idMatch, `saved drafts open their page, not ${itemPath}`);
      const itemId = Number(idMatch[1]);
      await flash(drafter, '草稿已保存');
      const indexNumber = await text(factOf(drafter, '索引号'));
      assert.ok(indexNumber.length > 0, 'an index number is allocated');

      // What was stored is the sanitized body: the structure kept, the script and handlers gone.
      const stored = await drafter.inputValue('#body_html');
      assert.match(stored, /<h2>一、活动安排<\/h2>/, `h1 becomes h2, styles dropped:\n${stored}`);
      assert.match(stored, /<strong>活动时间：<\/strong>/);
      assert.doesNotMatch(stored, /<script|onclick|onerror|style=|class=|pwned|Mso/i, stored);

      const pdf = minimalPdf();
      await drafter.setInputFiles('#file', { name: PDF_NAME, mimeType: 'application/pdf', buffer: pdf });
      res = await clickAndWait(drafter, drafter.getByRole('button', { name: '上传' }));
      assert.equal(res?.status(), 200, `uploading answered ${res?.status()}`);
      await flash(drafter, `附件“${PDF_NAME}”已上传`);
      const files = drafter.locator('section[aria-labelledby="files"] li');
      assert.equal(await files.count(), 1);
      assert.match(await text(files), new RegExp(`^${PDF_NAME}（PDF 文档\\s*，\\s*${pdf.length} B）`));
      await a11y.check(drafter, 'console: draft item page');
      res = await clickAndWait(drafter, drafter.getByRole('button', { name: '提交审核', exact: true }));
      assert.equal(res?.status(), 200);
      await flash(drafter, '已提交审核');
      assert.equal(await text(factOf(drafter, '状态')), '待审核');

      // ---- The reviewer sends it back with a comment.
      await reviewer.goto('/console/items');
      await clickAndWait(reviewer, reviewer.getByRole('link', { name: TITLE }));
      assert.equal(pathOf(reviewer), itemPath);
      assert.equal(await reviewer.getByRole('button', { name: '签发', exact: true }).count(), 0);
      await a11y.check(reviewer, 'console: submitted item page (reviewer)');
      await reviewer.getByLabel('退回意见').fill(REVIEW_COMMENT);
      res = await clickAndWait(reviewer, reviewer.getByRole('button', { name: '退回修改' }));
      assert.equal(res?.status(), 200);
      await flash(reviewer, '已退回起草人修改');
      assert.equal(await text(factOf(reviewer, '状态')), '草稿');

      // ---- The drafter reads the comment in the history, fixes the text and resubmits.
      await drafter.goto(itemPath);
      const returned = drafter.locator('section[aria-labelledby="history"] tbody tr', { hasText: '退回修改' });
      assert.equal(await returned.count(), 1, 'the history lists the return');
      assert.match(await text(returned), new RegExp(STAFF[1].name), 'the reviewer is named');
      assert.match(await text(returned), /4月32日/);
      assert.equal(await text(returned.locator('td').nth(3)), REVIEW_COMMENT);
      assert.equal(await text(factOf(drafter, '状态')), '草稿');
      await drafter.fill('#body_html', pastedBody(RIGHT_DATE));
      const editForm = drafter.locator('section[aria-labelledby="edit"]');
      res = await clickAndWait(drafter, editForm.getByRole('button', { name: '保存' }));
      assert.equal(res?.status(), 200);
      await flash(drafter, '已保存');
      assert.match(await drafter.inputValue('#body_html'), /4月23日至5月23日/);
      res = await clickAndWait(drafter, drafter.getByRole('button', { name: '提交审核', exact: true }));
      assert.equal(res?.status(), 200);
      await flash(drafter, '已提交审核');

      // ---- The reviewer passes the review; the approver signs and publishes.
      await reviewer.goto(itemPath);
      res = await clickAndWait(reviewer, reviewer.getByRole('button', { name: '审核通过' }));
      assert.equal(res?.status(), 200);
      await flash(reviewer, '审核通过，已送签发');
      assert.equal(await text(factOf(reviewer, '状态')), '待签发');

      await approver.goto(itemPath);
      await a11y.check(approver, 'console: reviewed item page (approver)');
      res = await clickAndWait(approver, approver.getByRole('button', { name: '签发', exact: true }));
      assert.equal(res?.status(), 200);
      await flash(approver, '已签发');
      assert.equal(await text(factOf(approver, '状态')), '已签发');
      res = await clickAndWait(approver, approver.getByRole('button', { name: '立即发布' }));
      assert.equal(res?.status(), 200);
      await flash(approver, '已发布');
      assert.match(await text(factOf(approver, '状态')), /^已发布（已发布第 1 版）/);
      const publicPath = `/org/${ORG_SLUG}/items/${itemId}`;
      assert.equal(await approver.getByRole('link', { name: '查看公开页面' }).getAttribute('href'), publicPath);
      const history = await text(approver.locator('section[aria-labelledby="history"] tbody'));
      for (const step of ['起草', '提交审核', '退回修改', '审核通过', '签发', '立即发布'])
        assert.ok(history.includes(step), `the history shows ${step}: ${history}`);

      // ---- The public finds it by a two-character word and by a quoted phrase.
      await visitor.goto('/search');
      await visitor.getByLabel('关键词').fill(WORD);
      res = await clickAndWait(visitor, visitor.getByRole('button', { name: '搜索' }));
      assert.equal(res?.status(), 200);
      assert.equal(new URL(visitor.url()).searchParams.get('q'), WORD);
      let hit = visitor.locator('ol.search-results li', { hasText: TITLE });
      assert.equal(await hit.count(), 1, `searching ${WORD} finds the item`);
      assert.equal(await hit.getByRole('link').getAttribute('href'), publicPath);
      assert.ok((await hit.locator('mark').allTextContents()).includes(WORD), 'the word is highlighted');
      await a11y.check(visitor, 'search results');

      await visitor.getByLabel('关键词').fill(`"${PHRASE}"`);
      res = await clickAndWait(visitor, visitor.getByRole('button', { name: '搜索' }));
      assert.equal(res?.status(), 200);
      hit = visitor.locator('ol.search-results li', { hasText: TITLE });
      assert.equal(await hit.count(), 1, `the phrase “${PHRASE}” finds the item`);
      // Both words are in the body, but not next to each other: as a phrase they do not match.
      await visitor.goto(`/search?q=${encodeURIComponent('"绘本专场"')}`);
      assert.equal(await visitor.locator('ol.search-results li', { hasText: TITLE }).count(), 0);
      assert.match(await text(visitor.locator('main')), /没有找到与“"绘本专场"”相关的公开信息/);

      // ---- The item page: metadata table, formatted body, attachment, QR code.
      await visitor.goto(`/search?q=${encodeURIComponent(WORD)}`);
      res = await clickAndWait(visitor, visitor.locator('ol.search-results').getByRole('link', { name: TITLE }));
      assert.equal(res?.status(), 200);
      assert.equal(pathOf(visitor), publicPath);
      assert.equal(await text(visitor.locator('h1')), TITLE);
      const meta = visitor.locator('table.item-meta');
      const expectedMeta: Record<string, string> = {
        索引号: indexNumber,
        发布机构: ORG,
        生成日期: dateCreated,
        主题分类: '文化、广电、新闻出版',
        公开方式: '政府网站',
        公开属性: '主动公开',
        体裁分类: '通知',
        文号: DOC_NUMBER,
        关键词: KEYWORDS,
        内容概述: SUMMARY,
      };
      for (const [label, value] of Object.entries(expectedMeta))
        assert.equal(await text(cellAfter(meta, label)), value, `metadata ${label}`);
      assert.match(await text(cellAfter(meta, '发布日期')), /^\d{4}-\d{2}-\d{2}$/);

      const body = visitor.locator('.article-body');
      assert.equal(await text(body.locator('h2')), '一、活动安排');
      assert.deepEqual(
        (await body.locator('ul > li').allTextContents()).map((s) => s.trim()),
        ['亲子绘本共读', '书香市集', '图书漂流'],
      );
      assert.equal(await body.locator('table th').count(), 3);
      assert.equal(await body.locator('table tr').count(), 3);
      assert.equal(await text(body.locator('table tr').nth(1).locator('td').nth(2)), '湖里区图书馆');
      assert.equal(await text(body.locator('strong')), '活动时间：');
      const link = body.getByRole('link', { name: '湖里区人民政府网站' });
      assert.equal(await link.getAttribute('href'), LINK_HREF);
      assert.match(await text(body), /4月23日至5月23日/);
      assert.doesNotMatch(await text(body), /4月32日/, 'the public sees the corrected text');
      const bodyHtml = await body.innerHTML();
      assert.doesNotMatch(bodyHtml, /<script|onclick|onerror|<img|style=/i, bodyHtml);
      assert.equal(await visitor.evaluate(() => (window as { __pwned?: boolean }).__pwned ?? false), false);
      assert.notEqual(await visitor.title(), 'pwned');

      const attachments = visitor.locator('section[aria-labelledby="attachments"]');
      assert.equal(await text(attachments.locator('h2')), '附件');
      const pdfLink = attachments.getByRole('link', { name: PDF_NAME });
      assert.equal(await pdfLink.count(), 1);
      assert.equal(await text(attachments.locator('li .meta')), `PDF 文档，${pdf.length} B`);
      const pdfHref = await pdfLink.getAttribute('href');
      assert.ok(pdfHref);
      const download = await get(server, pdfHref);
      assert.equal(download.res.status, 200);
      assert.match(download.res.headers.get('content-type') ?? '', /^application\/pdf/);
      assert.equal(download.res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(download.res.headers.get('content-disposition') ?? '', /filename/);
      assert.ok(download.body.equals(pdf), 'the attachment is served byte for byte');

      const qr = visitor.getByRole('complementary', { name: '手机浏览' });
      assert.ok(await qr.getByText('扫一扫在手机上查看当前页面').isVisible());
      assert.equal(await qr.locator('svg').count(), 1, 'the QR code is drawn');

      await a11y.check(visitor, 'public item page at 1280 px');
      await visitor.screenshot({ path: `${SHOTS}/gongkai-publishing-${engine}-item-1280.png`, fullPage: true });
      await visitor.setViewportSize({ width: 375, height: 800 });
      await visitor.reload();
      await a11y.check(visitor, 'public item page at 375 px');
      const scrollWidth = await visitor.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= 375, `the item page is ${scrollWidth} px wide at 375 px`);
      await visitor.screenshot({ path: `${SHOTS}/gongkai-publishing-${engine}-item-375.png`, fullPage: true });
      await visitor.setViewportSize({ width: 1280, height: 900 });

      // ---- The column's RSS feed (and the organization's) lists it.
      for (const feed of [`/org/${ORG_SLUG}/gk/${COLUMN_SLUG}/rss.xml`, `/org/${ORG_SLUG}/rss.xml`]) {
        const { res: r, body: xml } = await get(server, feed);
        assert.equal(r.status, 200, `${feed} answered ${r.status}`);
        assert.match(r.headers.get('content-type') ?? '', /^application\/rss\+xml/);
        const items = [...xml.toString('utf8').matchAll(/<item>([\s\S]*?)<\/item>/g)].map((m) => m[1]);
        const ours = items.find((i) => /<title>([\s\S]*?)<\/title>/.exec(i)?.[1]?.trim() === TITLE);
        assert.ok(
          ours,
          `${feed} lists the item; titles: ${items.map((i) => /<title>(.*?)<\/title>/.exec(i)?.[1]).join(' | ')}`,
        );
        assert.match(ours, new RegExp(`<link>${server.url}${publicPath}</link>`));
      }

      // ---- The subscriber's inbox gets it.
      const published = await sink.waitFor((m) => m.to.includes(SUBSCRIBER) && m.subject.includes(TITLE), 60_000);
      assert.match(published.subject, /新发布/);
      assert.ok(
        published.text.includes(`${server.url}${publicPath}`),
        `the mail links to the item:\n${published.text}`,
      );
      assert.match(published.text, /\/subscriptions\/unsubscribe\?token=/, 'the mail carries an unsubscribe link');

      // ---- The approver withdraws it as out of date; the page keeps answering, under a banner.
      await approver.goto(itemPath);
      await approver.getByText('撤回已发布的信息').click();
      await approver.getByLabel('撤回原因').selectOption({ label: '已过时' });
      await approver.getByLabel('向公众说明').fill(WITHDRAW_NOTE);
      res = await clickAndWait(approver, approver.getByRole('button', { name: '撤回', exact: true }));
      assert.equal(res?.status(), 200);
      await flash(approver, '已撤回');
      assert.match(await text(factOf(approver, '状态')), /已撤回/);

      res = await visitor.goto(publicPath);
      assert.equal(res?.status(), 200, 'an out-of-date item keeps answering 200');
      const banner = visitor.locator('.banner-withdrawn');
      assert.equal(await banner.getAttribute('role'), 'note');
      assert.match(await text(banner), /^本信息已于 \d{4}-\d{2}-\d{2} 撤回（已过时）。/);
      assert.ok((await text(banner)).includes(WITHDRAW_NOTE), 'the banner shows the note');
      assert.equal(await text(visitor.locator('h1')), TITLE, 'the content stays under the banner');
      await a11y.check(visitor, 'withdrawn item page at 1280 px');
      await visitor.screenshot({
        path: `${SHOTS}/gongkai-publishing-${engine}-withdrawn-1280.png`,
        fullPage: true,
      });
      await visitor.setViewportSize({ width: 375, height: 800 });
      await visitor.reload();
      await a11y.check(visitor, 'withdrawn item page at 375 px');
      await visitor.setViewportSize({ width: 1280, height: 900 });

      // A withdrawn item leaves the search index and its column's feed.
      await visitor.goto(`/search?q=${encodeURIComponent(WORD)}`);
      assert.equal(await visitor.locator('ol.search-results li', { hasText: TITLE }).count(), 0);
      const feedAfter = (await get(server, `/org/${ORG_SLUG}/gk/${COLUMN_SLUG}/rss.xml`)).body.toString('utf8');
      assert.ok(!feedAfter.includes(`<title>${TITLE}</title>`), 'the column feed no longer lists it');

      // The subscriber is told of the withdrawal too.
      const withdrawn = await sink.waitFor(
        (m) => m.to.includes(SUBSCRIBER) && m.subject.includes('撤回') && m.subject.includes(TITLE),
        60_000,
      );
      assert.ok(withdrawn.text.includes(WITHDRAW_NOTE), withdrawn.text);

      a11y.assertNone();
    });
  });
