import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { indented, treeOptions } from './tree.js';

const nodes = [
  { id: 1, parent: null, name: '法定主动公开内容', hidden: false },
  { id: 2, parent: 1, name: '机构职能', hidden: false },
  { id: 3, parent: 1, name: '静态页', hidden: true },
  { id: 4, parent: 3, name: '子栏目', hidden: false },
  { id: 5, parent: null, name: '年报', hidden: false },
];
const children = (p: number | null) => nodes.filter((n) => n.parent === p);

describe('treeOptions', () => {
  test('lists depth-first, indented with full-width spaces, visiting children of nodes left out', () => {
    const opts = treeOptions(children, { value: (n) => String(n.id), label: (n) => n.name, include: (n) => !n.hidden });
    assert.deepEqual(
      opts.map((o) => o.label),
      ['法定主动公开内容', '\u3000机构职能', '\u3000\u3000子栏目', '年报'],
    );
  });

  test('prune leaves out a node with its whole subtree; startDepth indents the top level', () => {
    const opts = treeOptions(children, {
      value: (n) => `c${n.id}`,
      label: (n) => n.name,
      prune: (n) => n.id === 3,
      startDepth: 1,
    });
    assert.deepEqual(
      opts.map((o) => o.value),
      ['c1', 'c2', 'c5'],
    );
    assert.equal(opts[0]?.label, indented(1, '法定主动公开内容'));
  });
});
