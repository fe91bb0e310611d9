import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { progressOnStderr } from './import.progress.js';

// What the import prints on stderr while it reads the file and then writes the rows.
function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('import progress on stderr', () => {
  test('not a terminal: a line when reading starts, another while it lasts, none after the first rows', async () => {
    const { stream, written } = fakeStream(false);
    const p = progressOnStderr(stream, 40);
    p.reading('文件.xlsx（12.6 MB）');
    assert.deepEqual(written, ['正在读取 文件.xlsx（12.6 MB）…\n']);
    await sleep(100);
    assert.ok(written.length >= 2, 'a reminder while it is still reading');
    assert.match(written[1], /^仍在读取文件（已用 \d+ 秒）…\n$/);
    p.update(0, 20);
    const after = written.length;
    await sleep(100);
    p.update(20, 20);
    assert.equal(written.length, after + 1, 'reading reminders stopped at the first update');
    assert.equal(written.at(-1), '导入进度：20/20 行（100%）\n');
    p.stop();
  });

  test('a terminal: one line rewritten in place, cleared by stop()', async () => {
    const { stream, written } = fakeStream(true);
    const p = progressOnStderr(stream);
    p.reading('a.csv（2 KB）');
    assert.deepEqual(written, ['\r\x1b[K正在读取 a.csv（2 KB）…（0 秒）']);
    p.stop();
    assert.equal(written.at(-1), '\r\x1b[K', 'the line is cleared');
    const n = written.length;
    await sleep(1100);
    assert.equal(written.length, n, 'nothing more after stop()');
  });
});
