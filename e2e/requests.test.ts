import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  a11yLog,
  clickAndWait,
  createStaff,
  e2eEngines,
  journey,
  pathOf,
  type Staff,
  signIn,
} from './support.js';

// The information-request journey (issue 4): a citizen applies on the agency's form (answering the Chinese
// arithmetic question) and keeps the tracking number and query code; the disclosure officer assigns the
// request to herself and asks for a clarification; the citizen opens the status page with the code and
// answers; the head of the office (机构管理员) extends the deadline; the officer decides 部分公开 with a released
// file; the citizen sees the outcome and downloads the file and the reply letter (告知书); having lost the query
// code, the citizen gets a new one from the officer with the acknowledgement (受理回执), and only the new one
// works. Pages are checked with axe-core on the way.

const ORG = '厦门市湖里区文体出版旅游局';
const ORG_SLUG = 'wenti';
const ID_NUMBER = '350203198001011235'; // valid GB 11643 check character
const NUMS = '零一二三四五六七八九十';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n', 'latin1');

const OFFICER: Staff = {
  username: 'zhouli',
  name: '周丽',
  role: '政务公开专员',
  initial: 'Chushi-Zhouli-2026',
  password: 'Zhouli-Xin-2026!',
};
const HEAD: Staff = {
  username: 'huangmin',
  name: '黄敏',
  role: '机构管理员',
  initial: 'Chushi-Huangmin-2026',
  password: 'Huangmin-Xin-2026!',
};

const isoPlus = (days: number) => new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

async function staffSignIn(page: Page, s: Staff, state: { totp?: string; changed?: boolean }) {
  const r = await signIn(page, s.username, state.changed ? s.password : s.initial, state.totp);
  if (r.totpSecret) state.totp = r.totpSecret;
  if (pathOf(page) === '/console/account/password') {
    await page.fill('#current', s.initial);
    await page.fill('#next', s.password);
    await page.fill('#confirm', s.password);
    assert.equal((await clickAndWait(page, page.getByRole('button', { name: '保存新密码' })))?.status(), 200);
    state.changed = true;
  }
  if (pathOf(page) === '/console/account/totp') {
    const again = await signIn(page, s.username, s.password, state.totp);
    if (again.totpSecret) state.totp = again.totpSecret;
  }
}

async function action(
  page: Page,
  name: string,
  fill: (form: ReturnType<Page['locator']>) => Promise<void>,
  button: string,
) {
  const box = page.locator(`#action-${name}`);
  await box.locator('summary').click();
  await fill(box);
  const res = await clickAndWait(page, box.getByRole('button', { name: button }));
  assert.equal(
    res?.status(),
    200,
    `${name} answered ${res?.status()}: ${
      (await page
        .locator('.error-summary')
        .textContent()
        .catch(() => '')) ?? ''
    }`,
  );
}

for (const engine of e2eEngines())
  journey(`request journey on ${engine}`, { engine }, (j) => {
    test('apply, clarify, answer, extend, decide 部分公开, see the outcome', { timeout: 300_000 }, async () => {
      const { open } = j;
      const a11y = a11yLog();

      // The citizen applies, first with a mistake in the ID number.
      const citizen = await open();
      await citizen.goto(`/org/${ORG_SLUG}/requests/new`);
      await a11y.check(citizen, 'form');
      await citizen.getByLabel('姓名或名称').fill('陈小明');
      await citizen.getByLabel('证件号码').fill(`${ID_NUMBER.slice(0, 17)}0`);
      await citizen.getByLabel('联系电话').fill('13812345678');
      await citizen.getByLabel('电子邮箱').fill('chen@example.com');
      await citizen.getByLabel(/所需政府信息的名称/).fill('2025 年全民阅读月活动的经费预算及执行情况');
      const question = (await citizen.locator('label[for="challenge"]').textContent()) ?? '';
      const m = /([零一二三四五六七八九十])([加减])([零一二三四五六七八九十])/.exec(question);
      assert.ok(m, question);
      const answer = m[2] === '加' ? NUMS.indexOf(m[1]) + NUMS.indexOf(m[3]) : NUMS.indexOf(m[1]) - NUMS.indexOf(m[3]);
      await citizen.getByLabel(/验证问题/).fill(String(answer));
      let res = await clickAndWait(citizen, citizen.getByRole('button', { name: '提交申请' }));
      assert.equal(res?.status(), 422);
      await citizen.locator('.error-summary').getByText('身份证号码校验位不正确，请核对').waitFor();
      assert.equal(await citizen.getByLabel('姓名或名称').inputValue(), '陈小明', 'what was typed is kept');
      await a11y.check(citizen, 'form with errors');
      await citizen.getByLabel('证件号码').fill(ID_NUMBER);
      const q2 = (await citizen.locator('label[for="challenge"]').textContent()) ?? '';
      const m2 = /([零一二三四五六七八九十])([加减])([零一二三四五六七八九十])/.exec(q2);
      assert.ok(m2);
      await citizen
        .getByLabel(/验证问题/)
        .fill(
          String(
            m2[2] === '加' ? NUMS.indexOf(m2[1]) + NUMS.indexOf(m2[3]) : NUMS.indexOf(m2[1]) - NUMS.indexOf(m2[3]),
          ),
        );
      res = await clickAndWait(citizen, citizen.getByRole('button', { name: '提交申请' }));
      assert.equal(res?.status(), 200);
      const tracking = ((await citizen.locator('#tracking-number').textContent()) ?? '').trim();
      const code = ((await citizen.locator('#query-code').textContent()) ?? '').trim();
      assert.match(tracking, /^\d{4}-\d{6}$/);
      assert.match(code, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
      assert.ok(!(await citizen.content()).includes(ID_NUMBER));

      // The administrator creates the officer and the head of the office.
      const admin = await open();
      await signIn(admin, ADMIN_USERNAME, ADMIN_PASSWORD);
      await createStaff(admin, OFFICER, ORG);
      await createStaff(admin, HEAD, ORG);

      // The officer assigns the request to herself and asks for a clarification.
      const officer = await open();
      const officerState: { totp?: string; changed?: boolean } = {};
      await staffSignIn(officer, OFFICER, officerState);
      await officer.goto('/console/requests');
      await a11y.check(officer, 'queues');
      assert.ok(!(await officer.content()).includes(ID_NUMBER), 'the queue shows the ID masked');
      await clickAndWait(officer, officer.getByRole('link', { name: tracking }).first());
      await action(
        officer,
        'assign',
        async (f) => {
          await f.locator('[name="userId"]').selectOption({ label: OFFICER.name });
        },
        '分派承办人',
      );
      await action(
        officer,
        'clarify',
        async (f) => {
          await f.locator('[name="publicNote"]').fill('请说明所需经费信息对应的活动场次。');
          await f.locator('[name="deadline"]').fill(isoPlus(14));
        },
        '要求补正',
      );
      await officer.locator('#request-status').getByText('等待申请人').waitFor();
      await a11y.check(officer, 'request page');

      // The citizen answers on the status page.
      const later = await open();
      await later.goto('/requests/status');
      await later.getByLabel('受理编号').fill(tracking);
      await later.getByLabel('查询码').fill(code);
      await clickAndWait(later, later.getByRole('button', { name: '查询' }));
      assert.equal(pathOf(later), '/requests/status/view');
      await later.getByText('请说明所需经费信息对应的活动场次。').first().waitFor();
      await a11y.check(later, 'status page waiting');
      await later.getByLabel('补正内容').fill('第一场和第二场');
      await clickAndWait(later, later.getByRole('button', { name: '提交补正' }));
      await later.getByText('补正已提交').waitFor();
      await later.getByText(/收到申请人的补正，答复期限自次日起重新计算/).waitFor();

      // The head of the office extends; the officer decides 部分公开 with a released file.
      const head = await open();
      await staffSignIn(head, HEAD, {});
      await head.goto('/console/requests');
      await clickAndWait(head, head.getByRole('link', { name: tracking }).first());
      const before = ((await head.locator('#due-on').textContent()) ?? '').trim();
      await action(
        head,
        'extend',
        (f) => f.locator('[name="publicNote"]').fill('需要调取多个场次的财务凭证。'),
        '延长答复期限',
      );
      const afterExt = ((await head.locator('#due-on').textContent()) ?? '').trim();
      assert.ok(afterExt > before, `extended: ${before} → ${afterExt}`);

      await officer.reload();
      await action(
        officer,
        'decide',
        async (f) => {
          await f.locator('[name="outcome"]').selectOption({ label: '部分公开' });
          await f.locator('[name="publicNote"]').fill('涉及第三方商业信息的部分不予公开，其余部分予以公开。');
          await f
            .locator('[name="attachments"]')
            .setInputFiles({ name: '经费执行情况（公开部分）.pdf', mimeType: 'application/pdf', buffer: PDF });
        },
        '作出答复',
      );
      await officer
        .locator('#outcome')
        .getByText(/部分公开/)
        .waitFor();

      // The citizen sees the outcome and downloads the released file.
      await later.goto('/requests/status/view');
      await later.locator('#outcome').getByText('部分公开').waitFor();
      await a11y.check(later, 'status page decided');
      const [download] = await Promise.all([
        later.waitForEvent('download'),
        later.getByRole('link', { name: '经费执行情况（公开部分）.pdf' }).click(),
      ]);
      assert.match(download.suggestedFilename(), /\.pdf$/);
      // And the reply letter (告知书), generated from the template of its outcome.
      const [letter] = await Promise.all([
        later.waitForEvent('download'),
        later.getByRole('link', { name: 'PDF', exact: true }).click(),
      ]);
      assert.match(letter.suggestedFilename(), /^告知书-\d{4}-\d{6}\.pdf$/);
      const letterPath = await letter.path();
      assert.ok(letterPath && fs.readFileSync(letterPath).subarray(0, 5).toString() === '%PDF-', 'a PDF letter');
      assert.ok(!(await later.content()).includes(ID_NUMBER));

      // The citizen lost the code: the officer issues a new one and hands over the acknowledgement (受理回执).
      await officer.reload();
      await action(officer, 'query-code', async () => {}, '重新生成查询码（原查询码立即失效）');
      const newCode = ((await officer.locator('#query-code').textContent()) ?? '').trim();
      assert.match(newCode, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
      assert.notEqual(newCode, code);
      await a11y.check(officer, 'acknowledgement');
      const [ack] = await Promise.all([
        officer.waitForEvent('download'),
        officer.getByRole('button', { name: '下载受理回执（PDF）' }).click(),
      ]);
      assert.match(ack.suggestedFilename(), /^受理回执-\d{4}-\d{6}\.pdf$/);
      const lookup = await open();
      await lookup.goto('/requests/status');
      await lookup.getByLabel('受理编号').fill(tracking);
      await lookup.getByLabel('查询码').fill(code);
      res = await clickAndWait(lookup, lookup.getByRole('button', { name: '查询' }));
      assert.equal(res?.status(), 422, 'the old code no longer works');
      await lookup.getByLabel('查询码').fill(newCode);
      await clickAndWait(lookup, lookup.getByRole('button', { name: '查询' }));
      assert.equal(pathOf(lookup), '/requests/status/view');
      a11y.assertNone();
    });
  });
