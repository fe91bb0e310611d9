import assert from 'node:assert/strict';
import { test } from 'node:test';
import { e2eEngines, journey } from './support.js';

// The least a journey needs: the browser starts, the server starts on each engine, and the home page is
// a Chinese-language page with a main landmark.
for (const engine of e2eEngines()) {
  journey(`smoke on ${engine}`, { engine }, (j) => {
    test('the home page is in Simplified Chinese and has a main landmark', async () => {
      const page = await j.open();
      const res = await page.goto('/');
      assert.equal(res?.status(), 200);
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
      assert.equal(await page.locator('main').count(), 1);
    });
  });
}
