import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  a11yLog,
  checkA11y,
  clickAndWait,
  e2eEngines,
  formatA11y,
  freshTotpCode,
  journey,
  pathOf,
  signIn,
} from './support.js';

// Browser journeys over the platform: an administrator's first sign-in with the required TOTP binding,
// organizations and users in the console, the portal pages they produce, forms with errors, accessibility
// (axe-core, reflow, keyboard), elderly mode and sign-in without JavaScript.
//
// Set GONGKAI_E2E_SCREENSHOTS=DIR to keep screenshots of /org/wenti (375 and 1280 px) in DIR.

const DISTRICT = '厦门市湖里区人民政府';
const WIDTHS = [375, 1280] as const;

/** Console errors and uncaught page errors, to show that pages run under the enforced CSP. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    // The browser's own request for /favicon.ico is not the page's doing.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
      errors.push(`${m.text()} (${m.location().url || 'page'})`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

async function signOut(page: Page) {
  await clickAndWait(page, page.getByRole('button', { name: '退出登录' }));
  assert.equal(pathOf(page), '/console/sign-in');
}

async function rootFontSize(page: Page): Promise<number> {
  return page.evaluate(() => Number.parseFloat(getComputedStyle(document.documentElement).fontSize));
}

async function htmlHasElderly(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.classList.contains('elderly'));
}

for (const engine of e2eEngines())
  journey(`console journeys on ${engine}`, { engine }, (j) => {
    // Set by whichever test first signs the administrator in (binding TOTP), used by the later ones.
    let adminSecret: string | undefined;

    test('an administrator binds TOTP at first sign-in, adds an organization and a drafter, and the portal shows the organization', async () => {
      // The real Content-Security-Policy is enforced here: the journey must work under it.
      const page = await j.open({ bypassCSP: false });
      const errors = collectErrors(page);
      // Signed out, the console sends to sign-in and back.
      await page.goto('/console');
      assert.equal(pathOf(page), '/console/sign-in');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/console');
      await page.getByLabel('用户名').fill(j.server.adminUsername);
      await page.getByLabel('密码').fill(j.server.adminPassword);
      await clickAndWait(page, page.getByRole('button', { name: '登录' }));

      // A system administrator is held at the TOTP setup until it is bound.
      assert.equal(pathOf(page), '/console/account/totp');
      await page.getByText('系统管理员必须启用两步验证').waitFor();
      await page.goto('/console/organizations');
      assert.equal(pathOf(page), '/console/account/totp', 'other console pages stay out of reach');
      const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
      assert.match(secret, /^[A-Z2-7]{16,}$/);
      // Checked here because the page is only shown until TOTP is bound; asserted at the end.
      const seen = errors.length;
      const totpPageViolations = await checkA11y(page);
      // Injecting axe under the enforced CSP logs the refusal of its script tag: that is the test's doing.
      errors.splice(seen);
      await page.getByLabel('动态口令').fill(await freshTotpCode(secret));
      const bound = await clickAndWait(page, page.getByRole('button', { name: '完成绑定' }));
      assert.equal(bound?.status(), 200);
      assert.equal(pathOf(page), '/console');
      await page.getByRole('status').filter({ hasText: '两步验证已启用' }).waitFor();
      assert.equal(await page.locator('h1').textContent(), '工作台');
      adminSecret = secret;

      // A new organization under the district government.
      await clickAndWait(
        page,
        page.getByRole('navigation', { name: '后台导航' }).getByRole('link', { name: '机构管理' }),
      );
      assert.equal(pathOf(page), '/console/organizations');
      await clickAndWait(page, page.getByRole('link', { name: '新建机构' }));
      assert.equal(pathOf(page), '/console/organizations/new');
      await page.fill('[name="name"]', '厦门市湖里区卫生健康局');
      await page.fill('[name="short_name"]', '区卫健局');
      await page.selectOption('[name="kind"]', 'department');
      await page.selectOption('[name="parent_id"]', { label: DISTRICT });
      await page.fill('[name="code"]', 'HLWJJ');
      await page.fill('[name="slug"]', 'weijian');
      await page.fill('[name="functions"]', '负责全区卫生健康工作，拟订卫生健康政策并组织实施。');
      await page.fill('[name="leadership"]', '李卫东｜局长｜主持局全面工作。');
      await page.fill('[name="address"]', '厦门市湖里区华荣路 8 号');
      await page.fill('[name="postcode"]', '361006');
      await page.fill('[name="phone"]', '0592-5730000');
      await page.fill('[name="fax"]', '0592-5730001');
      await page.fill('[name="email"]', 'wjj@huli.example.gov.cn');
      await page.fill('[name="office_hours"]', '工作日 上午 8:00–12:00，下午 14:30–17:30');
      await page.fill('[name="sort_order"]', '50');
      await page.selectOption('[name="active"]', '1');
      const created = await clickAndWait(page, page.getByRole('button', { name: '创建机构' }));
      assert.equal(created?.status(), 200);
      assert.equal(pathOf(page), '/console/organizations');
      await page.getByRole('status').filter({ hasText: '已创建机构“厦门市湖里区卫生健康局”' }).waitFor();
      const row = page.locator('tr', { hasText: '厦门市湖里区卫生健康局' });
      assert.equal(await row.count(), 1);
      assert.match((await row.textContent()) ?? '', /HLWJJ/);

      // A user, granted 起草人 on the new organization.
      await clickAndWait(
        page,
        page.getByRole('navigation', { name: '后台导航' }).getByRole('link', { name: '用户管理' }),
      );
      await clickAndWait(page, page.getByRole('link', { name: '新建用户' }));
      assert.equal(pathOf(page), '/console/users/new');
      assert.notEqual(await page.inputValue('[name="password"]'), '', 'an initial password is proposed');
      await page.fill('[name="username"]', 'zhangwei');
      await page.fill('[name="display_name"]', '张伟');
      await page.fill('[name="email"]', 'zhangwei@huli.example.gov.cn');
      await page.fill('[name="password"]', 'Chushi-Mima-2026');
      const userCreated = await clickAndWait(page, page.getByRole('button', { name: '创建用户' }));
      assert.equal(userCreated?.status(), 200);
      assert.match(pathOf(page), /^\/console\/users\/\d+$/);
      await page.getByRole('status').filter({ hasText: '已创建用户“张伟”' }).waitFor();
      const grantForm = page.locator('form[action$="/grants"]');
      await grantForm.locator('[name="organization_id"]').selectOption({ label: '厦门市湖里区卫生健康局' });
      await grantForm.locator('[name="role"]').selectOption({ label: '起草人' });
      const granted = await clickAndWait(page, grantForm.getByRole('button', { name: '授予' }));
      assert.equal(granted?.status(), 200);
      await page.getByRole('status').filter({ hasText: '已授予角色' }).waitFor();
      assert.equal(await page.getByText('厦门市湖里区卫生健康局 · 起草人').count(), 1);

      await signOut(page);

      // The district home lists the new department; its own page shows its name and contact details.
      await page.goto('/');
      const link = page.getByRole('link', { name: '厦门市湖里区卫生健康局' });
      assert.equal(await link.getAttribute('href'), '/org/weijian');
      await clickAndWait(page, link);
      assert.equal(pathOf(page), '/org/weijian');
      assert.equal(await page.locator('h1').textContent(), '厦门市湖里区卫生健康局');
      const contact = page.locator('main');
      for (const text of [
        '厦门市湖里区华荣路 8 号',
        '361006',
        '0592-5730000',
        'wjj@huli.example.gov.cn',
        '工作日 上午 8:00–12:00',
      ]) {
        assert.ok(await contact.getByText(text).first().isVisible(), `the agency page shows ${text}`);
      }
      assert.equal(await page.getByRole('link', { name: '0592-5730000' }).getAttribute('href'), 'tel:05925730000');
      const qr = page.getByRole('complementary', { name: '手机浏览' });
      assert.ok(await qr.getByText('扫一扫在手机上查看当前页面').isVisible());
      assert.equal(await qr.locator('svg').count(), 1, 'the QR code is drawn');
      assert.match((await page.locator('footer').textContent()) ?? '', /主办单位：厦门市湖里区卫生健康局/);
      await clickAndWait(
        page,
        page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '机构概况' }),
      );
      assert.equal(pathOf(page), '/org/weijian/about');
      assert.equal(await page.getByRole('cell', { name: '李卫东' }).count(), 1);

      assert.deepEqual(errors, [], `console errors under the enforced CSP:\n${errors.join('\n')}`);
      assert.deepEqual(totpPageViolations, [], `TOTP setup page: ${formatA11y(totpPageViolations)}`);
    });

    // Continues from the journey above, which created zhangwei with this initial password.
    test('a new user must change the initial password before using the console', async () => {
      const page = await j.open();
      const { landed } = await signIn(page, 'zhangwei', 'Chushi-Mima-2026');
      assert.equal(landed, '/console/account/password');
      await page.getByRole('alert').filter({ hasText: '请先设置新密码' }).waitFor();
      await page.goto('/console/organizations');
      assert.equal(pathOf(page), '/console/account/password', 'the console stays out of reach');

      await page.fill('#current', 'Chushi-Mima-2026');
      await page.fill('#next', 'Zhangwei-Xin-2026');
      await page.fill('#confirm', 'Zhangwei-Xin-2026');
      const changed = await clickAndWait(page, page.getByRole('button', { name: '保存新密码' }));
      assert.equal(changed?.status(), 200);
      assert.equal(pathOf(page), '/console/account');
      await page.getByRole('status').filter({ hasText: '密码已修改' }).waitFor();
      assert.match((await page.locator('main').textContent()) ?? '', /起草人/);

      await page.goto('/console');
      assert.equal(pathOf(page), '/console', 'the console opens once the password is changed');
      assert.match((await page.locator('main').textContent()) ?? '', /厦门市湖里区卫生健康局 · 起草人/);
      await signOut(page);

      // The initial password no longer works; the new one does, without another forced change.
      await page.getByLabel('用户名').fill('zhangwei');
      await page.getByLabel('密码').fill('Chushi-Mima-2026');
      const refused = await clickAndWait(page, page.getByRole('button', { name: '登录' }));
      assert.equal(refused?.status(), 422);
      const again = await signIn(page, 'zhangwei', 'Zhangwei-Xin-2026');
      assert.equal(again.landed, '/console');
    });

    test('a form with errors shows a summary whose links focus the fields, and keeps what was typed', async () => {
      const page = await j.open();
      const r = await signIn(page, j.server.adminUsername, j.server.adminPassword, adminSecret);
      adminSecret = r.totpSecret;
      assert.equal(r.landed, '/console');

      await page.goto('/console/organizations/new');
      await page.fill('[name="name"]', '');
      await page.selectOption('[name="parent_id"]', { label: DISTRICT });
      await page.fill('[name="code"]', 'HLSWJ');
      await page.fill('[name="slug"]', 'Bad Slug!');
      await page.fill('[name="address"]', '厦门市湖里区湖里大道 9 号');
      await page.fill('[name="phone"]', '0592-5740000');
      await page.fill('[name="functions"]', '第一行职能。\n第二行职能。');
      const res = await clickAndWait(page, page.getByRole('button', { name: '创建机构' }));
      assert.equal(res?.status(), 422);

      const summary = page.locator('.error-summary');
      assert.equal(await summary.getAttribute('role'), 'alert');
      assert.match((await summary.locator('h2').textContent()) ?? '', /请修改以下 2 处/);
      const nameLink = summary.getByRole('link', { name: '请输入机构全称。' });
      const slugLink = summary.getByRole('link', { name: /网址标识须为/ });
      assert.equal(await nameLink.getAttribute('href'), '#name');
      assert.equal(await slugLink.getAttribute('href'), '#slug');

      // Following a link in the summary puts the keyboard focus in the field.
      await slugLink.click();
      await page.waitForFunction(() => document.activeElement?.id === 'slug');
      await nameLink.click();
      await page.waitForFunction(() => document.activeElement?.id === 'name');

      // Each field says what is wrong beside it, and what was typed is still there.
      assert.equal(await page.getAttribute('#name', 'aria-invalid'), 'true');
      assert.equal(await page.getAttribute('#slug', 'aria-invalid'), 'true');
      assert.match((await page.getAttribute('#slug', 'aria-describedby')) ?? '', /slug-error/);
      assert.equal(await page.inputValue('#slug'), 'Bad Slug!');
      assert.equal(await page.inputValue('#code'), 'HLSWJ');
      assert.equal(await page.inputValue('#address'), '厦门市湖里区湖里大道 9 号');
      assert.equal(await page.inputValue('#phone'), '0592-5740000');
      assert.equal(await page.inputValue('#functions'), '第一行职能。\n第二行职能。');
      assert.equal(await page.locator('#parent_id option:checked').textContent(), DISTRICT);

      const violations = await checkA11y(page);
      assert.deepEqual(violations, [], formatA11y(violations));

      // Corrected, the same form goes through.
      await page.fill('#name', '厦门市湖里区商务局');
      await page.fill('#slug', 'shangwu');
      const ok = await clickAndWait(page, page.getByRole('button', { name: '创建机构' }));
      assert.equal(ok?.status(), 200);
      assert.equal(pathOf(page), '/console/organizations');
      await page.getByRole('status').filter({ hasText: '已创建机构“厦门市湖里区商务局”' }).waitFor();
    });

    test('the console pages have no axe violations (WCAG 2.1 A/AA) at 375 and 1280 px', async () => {
      const page = await j.open();
      const r = await signIn(page, j.server.adminUsername, j.server.adminPassword, adminSecret);
      adminSecret = r.totpSecret;
      await page.goto('/console/users');
      const userHref = await page.getByRole('link', { name: j.server.adminUsername, exact: true }).getAttribute('href');
      assert.ok(userHref);
      const pages = [
        '/console',
        '/console/organizations',
        '/console/organizations/new',
        '/console/users',
        '/console/users/new',
        userHref,
        '/console/account',
        '/console/account/password',
      ];
      const a11y = a11yLog();
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        for (const p of pages) {
          const res = await page.goto(p);
          assert.equal(res?.status(), 200, `${p} answered ${res?.status()}`);
          await a11y.check(page, `${p} at ${width} px`);
        }
      }
      a11y.assertNone();
    });
  });

journey('portal pages (sqlite)', {}, (j) => {
  const PAGES = ['/', '/org/wenti', '/org/wenti/about', '/console/sign-in'];
  for (const width of WIDTHS) {
    test(`portal pages and the sign-in page have no axe violations (WCAG 2.1 A/AA) at ${width} px`, async () => {
      const page = await j.open({ viewport: { width, height: 900 } });
      const a11y = a11yLog();
      for (const p of PAGES) {
        const res = await page.goto(p);
        assert.equal(res?.status(), 200, `${p} answered ${res?.status()}`);
        await a11y.check(page, `${p} at ${width} px`);
      }
      a11y.assertNone();
      const dir = process.env.GONGKAI_E2E_SCREENSHOTS;
      if (dir) {
        fs.mkdirSync(dir, { recursive: true });
        await page.goto('/org/wenti');
        await page.screenshot({ path: path.join(dir, `org-wenti-${width}.png`), fullPage: true });
      }
    });
  }

  test('elderly mode passes axe too (larger text, higher contrast)', async () => {
    const page = await j.open();
    await page.goto('/elderly-mode?on=1&back=%2Forg%2Fwenti');
    assert.ok(await htmlHasElderly(page));
    const a11y = a11yLog();
    for (const p of ['/', '/org/wenti', '/org/wenti/about']) {
      await page.goto(p);
      await a11y.check(page, `${p} (elderly)`);
    }
    a11y.assertNone();
  });

  test('an agency page reflows at 320 px without horizontal scrolling', async () => {
    const page = await j.open({ viewport: { width: 320, height: 640 } });
    for (const p of ['/org/wenti', '/org/wenti/about', '/']) {
      await page.goto(p);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= 320, `${p} is ${scrollWidth} px wide at 320 px`);
    }
  });

  test('in elderly mode the portal pages still reflow at 320 px without horizontal scrolling', async () => {
    const page = await j.open({ viewport: { width: 320, height: 640 } });
    await page.goto('/elderly-mode?on=1&back=%2F');
    assert.ok(await htmlHasElderly(page));
    const wide: string[] = [];
    for (const p of ['/org/wenti', '/org/wenti/about', '/']) {
      // First visits in this context: each page comes from the server, in elderly mode.
      const res = await page.goto(p);
      assert.ok(await htmlHasElderly(page), `${p} (status ${res?.status()}) is in elderly mode`);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      if (scrollWidth > 320) wide.push(`${p} is ${scrollWidth} px wide`);
    }
    assert.deepEqual(wide, [], wide.join('; '));
  });

  test('the first Tab on a portal page reaches the skip link, which moves focus to the main content', async () => {
    const page = await j.open();
    for (const p of ['/', '/org/wenti']) {
      await page.goto(p);
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        const box = el?.getBoundingClientRect();
        return {
          cls: el?.className,
          text: el?.textContent,
          href: el?.getAttribute('href'),
          onScreen: !!box && box.left >= 0 && box.top >= 0 && box.width > 0,
        };
      });
      assert.equal(focused.cls, 'skip-link', `first Tab on ${p}`);
      assert.equal(focused.text, '跳到主要内容');
      assert.equal(focused.href, '#main');
      assert.ok(focused.onScreen, 'the focused skip link is visible');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.id === 'main');
    }
  });

  test('elderly mode enlarges the text, persists across pages and reloads, and switches off again', async () => {
    const page = await j.open({ bypassCSP: false });
    // Visit first so a cached copy of the page exists, as it would for a returning visitor.
    await page.goto('/org/wenti');
    assert.equal(await htmlHasElderly(page), false);
    const normal = await rootFontSize(page);

    await clickAndWait(page, page.locator('a.elderly-toggle'));
    assert.equal(pathOf(page), '/org/wenti', 'the toggle returns to the same page');
    assert.equal(
      await htmlHasElderly(page),
      true,
      'the page the toggle returns to is in elderly mode (a copy from the browser cache would not be)',
    );
    const large = await rootFontSize(page);
    assert.ok(large > normal, `root font size ${large}px should exceed ${normal}px`);
    assert.equal(await page.locator('a.elderly-toggle').textContent(), '退出长者模式');

    await clickAndWait(page, page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '机构概况' }));
    assert.equal(pathOf(page), '/org/wenti/about');
    assert.equal(await htmlHasElderly(page), true, 'elderly mode on another page');
    await clickAndWait(page, page.getByRole('link', { name: '区政府首页' }));
    assert.equal(pathOf(page), '/');
    assert.equal(await htmlHasElderly(page), true, 'elderly mode on the district home');
    await page.reload();
    assert.equal(await htmlHasElderly(page), true, 'elderly mode after reload');
    assert.equal(await rootFontSize(page), large);
    await clickAndWait(page, page.locator('main').getByRole('link', { name: '厦门市湖里区文体出版旅游局' }));
    assert.equal(pathOf(page), '/org/wenti');
    assert.equal(await htmlHasElderly(page), true, 'elderly mode back on a page seen before it was switched on');

    await clickAndWait(page, page.locator('a.elderly-toggle'));
    assert.equal(pathOf(page), '/org/wenti');
    assert.equal(await htmlHasElderly(page), false, 'switched off');
    assert.equal(await rootFontSize(page), normal);
    await clickAndWait(page, page.getByRole('link', { name: '区政府首页' }));
    assert.equal(await htmlHasElderly(page), false, 'stays off on the next page');
  });

  test('staff can sign in (including the TOTP binding) with JavaScript turned off', async () => {
    const page = await j.open({ javaScriptEnabled: false, bypassCSP: false });
    const r = await signIn(page, j.server.adminUsername, j.server.adminPassword);
    assert.ok(r.totpSecret, 'the administrator bound TOTP without JavaScript');
    assert.equal(r.landed, '/console');
    assert.equal(await page.locator('h1').textContent(), '工作台');
    await signOut(page);
    // And the second step on a later sign-in.
    const again = await signIn(page, j.server.adminUsername, j.server.adminPassword, r.totpSecret);
    assert.equal(again.landed, '/console');
  });
});
