import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkA11y, clickAndWait, formatA11y, journey, pathOf } from './support.js';

// The public deadline calculator in a browser: the GET form, the answer across the 2025
// Spring Festival, errors beside the fields, and no accessibility violations. One engine: the page reads the
// calendar held in memory, the same on both.
journey('deadline calculator', { engine: 'sqlite' }, (j) => {
  test('a citizen computes 20 working days from 2025-01-24 with the plain GET form', async () => {
    // The page has no script of its own (a GET form); axe needs JavaScript in the page to run.
    const page = await j.open();
    await page.goto('/tools/deadline');
    let v = await checkA11y(page);
    assert.deepEqual(v, [], formatA11y(v));
    await page.getByLabel('起算日期').fill('2025-01-24');
    await page.getByLabel('工作日数').fill('20');
    await clickAndWait(page, page.getByRole('button', { name: '计算' }));
    assert.equal(pathOf(page), '/tools/deadline');
    assert.match((await page.locator('.deadline-due').textContent()) ?? '', /2025年2月27日（星期四）/);
    assert.match((await page.locator('main').textContent()) ?? '', /不计春节假期 8 天/);
    v = await checkA11y(page);
    assert.deepEqual(v, [], formatA11y(v));
    await page.getByLabel('工作日数').fill('999');
    await clickAndWait(page, page.getByRole('button', { name: '计算' }));
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /工作日数不能大于 200/);
    assert.equal(await page.getByLabel('工作日数').inputValue(), '999', 'what was typed is kept');
    assert.equal(await page.getByLabel('起算日期').inputValue(), '2025-01-24');
    v = await checkA11y(page);
    assert.deepEqual(v, [], formatA11y(v));
  });
});
