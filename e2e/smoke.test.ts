import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { e2eEngines, launchBrowser, newPage, startServer, type TestServer } from './support.js';

// The least a journey needs: the browser starts, the server starts on each engine, and the home page is
// a Chinese-language page with a main landmark.
let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const engine of e2eEngines()) {
  describe(`smoke on ${engine}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ engine });
    });
    after(async () => {
      await server?.stop();
    });

    test('the home page is in Simplified Chinese and has a main landmark', async () => {
      const page = await newPage(browser, { baseURL: server.url });
      const res = await page.goto('/');
      assert.equal(res?.status(), 200);
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
      assert.equal(await page.locator('main').count(), 1);
      await page.context().close();
    });
  });
}
