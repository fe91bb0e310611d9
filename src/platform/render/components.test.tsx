import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PageNumbers } from './components.js';

const html = (n: unknown) => String(n ?? '');

describe('PageNumbers', () => {
  const href = (p: number) => `/list?page=${p}`;
  test('one page or none: nothing', () => {
    assert.equal(html(PageNumbers({ page: 1, pages: 1, href })), '');
    assert.equal(html(PageNumbers({ page: 1, pages: 0, href })), '');
  });
  test('first, middle and last page link only where there is somewhere to go', () => {
    const first = html(PageNumbers({ page: 1, pages: 3, href }));
    assert.ok(!first.includes('上一页') && first.includes('href="/list?page=2"') && first.includes('第 1 / 3 页'));
    const mid = html(PageNumbers({ page: 2, pages: 3, href }));
    assert.ok(mid.includes('href="/list?page=1"') && mid.includes('href="/list?page=3"'));
    const last = html(PageNumbers({ page: 3, pages: 3, href }));
    assert.ok(last.includes('上一页') && !last.includes('下一页'));
    assert.match(last, /<nav class="pager" aria-label="分页">/);
  });
});
