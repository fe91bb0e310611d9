import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
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
  text,
} from './support.js';

// The policy journey in the browser (issue 5, "Browser journey"): a visitor subscribes to the 政策文件 column;
// a drafter drafts a 行政规范性文件 and submits it without an interpretation and is stopped (三同步); drafts a
// 图片解读 (uploading a 图解 with alt text) and a 文字解读 linked to it, and submits again: the bundle goes to
// review together; the reviewer passes it, the approver signs and publishes it; the public page shows 相关解读
// grouped by form; a later document is published and the approver records that it repeals the first; the
// original then shows the 已废止 banner linking to the new document, and the subscriber gets the notice.

const ORG = '厦门市湖里区文体出版旅游局';
const ORG_SLUG = 'wenti';
const COLUMN = '政策文件';
const SUBSCRIBER = 'zhengce@example.com';
const POLICY = '湖里区非遗传承人扶持办法';
const POLICY_DOC_TYPED = '厦湖文体(2026)21号';
const POLICY_DOC = '厦湖文体〔2026〕21号';
const GRAPHIC = '一图读懂《湖里区非遗传承人扶持办法》';
const TEXT = '《湖里区非遗传承人扶持办法》政策解读';
const LATER = '湖里区非物质文化遗产保护扶持办法';
const LATER_DOC = '厦湖文体〔2026〕30号';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const STAFF: Staff[] = [
  { username: 'zhaomin', name: '赵敏', role: '起草人', initial: 'Chushi-Zhaomin-2026', password: 'Zhaomin-Xin-2026!' },
  { username: 'sunli', name: '孙丽', role: '审核人', initial: 'Chushi-Sunli-2026', password: 'Sunli-Xin-2026!' },
  {
    username: 'zhouqiang',
    name: '周强',
    role: '签发人',
    initial: 'Chushi-Zhouqiang-2026',
    password: 'Zhouqiang-Xin-2026!',
  },
];

/** Drafts an item in 政策文件 through the console form; returns its id. */
async function draftItem(page: Page, title: string, body: string): Promise<number> {
  await page.goto('/console/items/new');
  await selectColumn(page, COLUMN);
  await page.fill('#title', title);
  await page.selectOption('#five_category', { label: '决策公开' });
  await page.selectOption('#theme', { label: '文化、广电、新闻出版' });
  await page.selectOption('#genre', { label: '通知' });
  await page.fill('#summary', `${title}。`);
  await page.fill('#body_html', body);
  const res = await clickAndWait(page, page.getByRole('button', { name: '保存草稿' }));
  assert.equal(res?.status(), 200);
  const m = /^\/console\/items\/(\d+)$/.exec(pathOf(page));
  assert.ok(m, `the draft opens its page, not ${pathOf(page)}`);
  return Number(m[1]);
}

/** Fills the policy form of a draft; returns the policy's number shown in the console box. */
async function setPolicy(page: Page, itemId: number, type: string, docNumber: string): Promise<number> {
  await page.goto(`/console/items/${itemId}`);
  await clickAndWait(page, page.getByRole('link', { name: /设为政策文件/ }));
  assert.equal(pathOf(page), `/console/items/${itemId}/policy`);
  await page.selectOption('#policy_type', { label: type });
  await page.fill('#doc_number', docNumber);
  const res = await clickAndWait(page, page.getByRole('button', { name: '保存' }));
  assert.equal(res?.status(), 200, `saving the policy answered ${res?.status()}`);
  await flash(page, '政策文件属性已保存');
  const heading = await text(page.locator('#policy-box'));
  const m = /编号 (\d+)/.exec(heading);
  assert.ok(m, heading);
  return Number(m[1]);
}

async function setInterpretation(page: Page, itemId: number, form: string, policyId: number) {
  await page.goto(`/console/items/${itemId}`);
  await clickAndWait(page, page.getByRole('link', { name: '设为政策解读' }));
  await page.selectOption('#form', { label: form });
  await page.fill('#policy_ids', String(policyId));
  const res = await clickAndWait(page, page.getByRole('button', { name: '保存', exact: true }));
  assert.equal(res?.status(), 200);
  await flash(page, '解读属性已保存');
}

for (const engine of e2eEngines())
  journey(`policy journey on ${engine}`, { engine, smtp: true, env: { JOBS: '1' } }, (j) => {
    test('三同步 stops a lone normative document; the bundle is published with 相关解读; a repeal marks the original and notifies', {
      timeout: 420_000,
    }, async () => {
      const { server, sink, open } = j;
      const a11y = a11yLog();

      // ---- A visitor subscribes to the 政策文件 column.
      const visitor = await open();
      let res = await visitor.goto(`/org/${ORG_SLUG}/subscribe?column=policies`);
      assert.equal(res?.status(), 200);
      await visitor.getByLabel('电子邮箱').fill(SUBSCRIBER);
      await clickAndWait(visitor, visitor.getByRole('button', { name: '订阅' }));
      const { url: confirmUrl } = await confirmationMail(sink, SUBSCRIBER);
      await visitor.goto(confirmUrl);
      res = await clickAndWait(visitor, visitor.getByRole('button', { name: '确认订阅' }));
      assert.equal(pathOf(visitor), '/subscriptions/confirmed');

      // ---- Staff.
      const admin = await open();
      await signIn(admin, server.adminUsername, server.adminPassword);
      for (const s of STAFF) await createStaff(admin, s, ORG);
      const [drafter, reviewer, approver] = await firstSignIns(j, STAFF);

      // ---- The drafter drafts a 行政规范性文件 and submits it alone: stopped.
      const policyItem = await draftItem(drafter, POLICY, '<p>第一条 为保护和传承非物质文化遗产，制定本办法。</p>');
      const policyId = await setPolicy(drafter, policyItem, '行政规范性文件', POLICY_DOC_TYPED);
      assert.match(await text(drafter.locator('section.policy-box')), new RegExp(POLICY_DOC.replace(/[〔〕]/g, '.')));
      await a11y.check(drafter, 'console: policy draft');
      res = await clickAndWait(drafter, drafter.getByRole('button', { name: '提交审核', exact: true }));
      assert.equal(res?.status(), 422, 'submitting without an interpretation is refused');
      assert.match(await text(drafter.locator('.error-summary')), /三同步/);
      await a11y.check(drafter, 'console: 三同步 error');

      // ---- A 图解 (an uploaded image with alt text) and a 文字解读.
      const graphicItem = await draftItem(drafter, GRAPHIC, '<p>政策要点一览。</p>');
      await setInterpretation(drafter, graphicItem, '图片解读', policyId);
      await drafter.goto(`/console/items/${graphicItem}`);
      await drafter.setInputFiles('#file', { name: 'tujie.png', mimeType: 'image/png', buffer: PNG });
      await drafter.selectOption('#inline', '1');
      await drafter.fill('#alt', '非遗传承人扶持办法要点图解');
      res = await clickAndWait(drafter, drafter.getByRole('button', { name: '上传' }));
      assert.equal(res?.status(), 200);
      await flash(drafter, '图片已上传并插入正文末尾');
      const textItem = await draftItem(drafter, TEXT, '<p>一、出台背景……二、主要内容……</p>');
      await setInterpretation(drafter, textItem, '文字解读', policyId);

      // ---- Submitted again, the bundle goes to review together.
      await drafter.goto(`/console/items/${policyItem}`);
      res = await clickAndWait(drafter, drafter.getByRole('button', { name: '提交审核', exact: true }));
      assert.equal(res?.status(), 200);
      await flash(drafter, '已提交审核');
      assert.match(await text(drafter.locator('section.policy-box')), /图片解读 ｜ 待审核/);

      await reviewer.goto(`/console/items/${policyItem}`);
      res = await clickAndWait(reviewer, reviewer.getByRole('button', { name: '审核通过' }));
      assert.equal(res?.status(), 200);
      await approver.goto(`/console/items/${policyItem}`);
      res = await clickAndWait(approver, approver.getByRole('button', { name: '签发', exact: true }));
      assert.equal(res?.status(), 200);
      res = await clickAndWait(approver, approver.getByRole('button', { name: '立即发布' }));
      assert.equal(res?.status(), 200);
      await flash(approver, '已发布');

      // ---- The public page shows 相关解读 grouped by form; each interpretation links back.
      const reader = await open();
      res = await reader.goto(`/org/${ORG_SLUG}/items/${policyItem}`);
      assert.equal(res?.status(), 200);
      const related = reader.locator('section.related-interpretations');
      assert.equal(await text(related.locator('h3').first()), '文字解读');
      assert.match(await text(related), new RegExp(`图片解读.*${GRAPHIC.replace(/[《》]/g, '.')}`));
      assert.equal(await reader.locator('.banner-policy').count(), 0, 'no banner while in force');
      await a11y.check(reader, 'public: policy page');
      await clickAndWait(reader, related.getByRole('link', { name: GRAPHIC }));
      assert.equal(pathOf(reader), `/org/${ORG_SLUG}/items/${graphicItem}`);
      assert.equal(await reader.locator('.article-body img[alt="非遗传承人扶持办法要点图解"]').count(), 1);
      assert.equal(
        await reader
          .locator('section.interpretation-of')
          .getByRole('link', { name: new RegExp(POLICY) })
          .count(),
        1,
      );

      // ---- A later document repeals it.
      const laterItem = await draftItem(drafter, LATER, '<p>第一条 本办法自发布之日起施行，原办法同时废止。</p>');
      const laterId = await setPolicy(drafter, laterItem, '其他政策文件', LATER_DOC);
      await drafter.goto(`/console/items/${laterItem}`);
      await clickAndWait(drafter, drafter.getByRole('button', { name: '提交审核', exact: true }));
      await reviewer.goto(`/console/items/${laterItem}`);
      await clickAndWait(reviewer, reviewer.getByRole('button', { name: '审核通过' }));
      await approver.goto(`/console/items/${laterItem}`);
      await clickAndWait(approver, approver.getByRole('button', { name: '签发', exact: true }));
      await clickAndWait(approver, approver.getByRole('button', { name: '立即发布' }));
      await approver.goto(`/console/items/${laterItem}`);
      await approver.selectOption('#kind', { label: '废止' });
      await approver.fill('#to_policy_id', String(policyId));
      res = await clickAndWait(approver, approver.getByRole('button', { name: '登记关系' }));
      assert.equal(res?.status(), 200);
      await flash(approver, '关系已登记');
      assert.ok(laterId > policyId);

      // ---- The original shows the banner linking to the new document.
      res = await reader.goto(`/org/${ORG_SLUG}/items/${policyItem}`);
      const banner = reader.locator('.banner-policy');
      assert.equal(await banner.count(), 1);
      assert.match(await text(banner), /本文件已废止/);
      assert.equal(
        await banner.getByRole('link', { name: new RegExp(LATER) }).getAttribute('href'),
        `/org/${ORG_SLUG}/items/${laterItem}`,
      );
      await a11y.check(reader, 'public: abolished policy page');

      // ---- The subscriber is told.
      const notice = await sink.waitFor((m) => m.to.includes(SUBSCRIBER) && m.subject.includes('效力状态变更'), 90_000);
      assert.match(notice.text, new RegExp(POLICY));
      assert.match(notice.text, /效力状态：自 \d{4}-\d{2}-\d{2} 起已废止/);
      assert.match(notice.text, new RegExp(LATER));

      a11y.assertNone();
    });
  });
