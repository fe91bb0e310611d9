import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';

// The `gongkai` command, run as an operator would, on a SQLite database in a temporary folder.
describe('the gongkai command', () => {
  let dir: string;
  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gk-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every command has --help', () => {
    for (const cmd of [
      [],
      ['serve'],
      ['migrate'],
      ['seed'],
      ['user', 'create'],
      ['user', 'passwd'],
      ['user', 'grant'],
      ['audit', 'verify'],
      ['backup'],
      ['mail-sink'],
      ['import', 'documents'],
      ['compact-bodies'],
    ]) {
      const r = run([...cmd, '--help']);
      assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.err}`);
      assert.match(r.out, /Usage: gongkai/);
    }
  });

  test('import documents --help names the file formats and its options', () => {
    const r = run(['import', 'documents', '--help']);
    assert.equal(r.code, 0, r.err);
    for (const opt of ['--attachments', '--dry-run', '--strict']) assert.ok(r.out.includes(opt), `${opt} in the help`);
  });

  test('a bad environment variable stops with a message naming it', () => {
    const r = run(['migrate'], { PORT: 'abc' });
    assert.equal(r.code, 2);
    assert.match(r.err, /PORT/);
  });

  test('migrate, seed, create a user, grant a role and reset a password', () => {
    assert.match(run(['migrate']).out, /已执行迁移|最新版本/);
    assert.match(run(['migrate']).out, /已是最新版本/);
    const seed = run(['seed', '--demo']);
    assert.equal(seed.code, 0, seed.err);
    assert.match(seed.out, /已载入演示数据/);
    assert.match(seed.out, /初始密码/);
    assert.match(run(['seed', '--demo']).out, /未重复载入/);
    const weak = run(['user', 'create', 'liming', '--name', '李明'], { GONGKAI_NEW_PASSWORD: 'short' });
    assert.equal(weak.code, 1);
    assert.match(weak.err, /至少需要 10 个字符/);
    const ok = run(['user', 'create', 'liming', '--name', '李明'], { GONGKAI_NEW_PASSWORD: 'Good-Passw0rd!' });
    assert.equal(ok.code, 0, ok.err);
    assert.doesNotMatch(ok.out, /Good-Passw0rd/, 'a password given by the operator is not echoed');
    const g = run(['user', 'grant', 'liming', 'drafter', 'wenti']);
    assert.equal(g.code, 0, g.err);
    assert.match(g.out, /文体出版旅游局/);
    assert.equal(run(['user', 'grant', 'liming', 'drafter', 'nowhere']).code, 1);
    assert.equal(run(['user', 'grant', 'liming', 'emperor', 'wenti']).code, 1);
    const p = run(['user', 'passwd', 'liming']);
    assert.equal(p.code, 0, p.err);
    assert.match(p.out, /已重置 liming 的密码/);
  });

  test('compact-bodies reports what it did; a bad --batch is refused', () => {
    const r = run(['compact-bodies']);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /已检查 \d+ 条仍自存正文的已发布信息：\d+ 条改为引用发布版本，\d+ 条正文与发布版本不同，保持不变。/,
    );
    const bad = run(['compact-bodies', '--batch', 'lots']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--batch 须为 1 到 100000 之间的整数/);
  });

  test('audit verify passes, then finds an edited entry', () => {
    const ok = run(['audit', 'verify']);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /审计日志完整/);
    const db = new SQLite(path.join(dir, 'gongkai.sqlite'));
    db.prepare("update audit_events set summary = '被改过' where seq = 2").run();
    db.close();
    const bad = run(['audit', 'verify']);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /第 2 条/);
  });

  test('backup writes a consistent copy and refuses to overwrite', () => {
    const target = path.join(dir, 'backup', 'copy.sqlite');
    const r = run(['backup', target]);
    assert.equal(r.code, 0, r.err);
    const copy = new SQLite(target, { readonly: true });
    const n = copy.prepare('select count(*) as n from organizations').get() as { n: number };
    copy.close();
    assert.equal(n.n, 9);
    assert.equal(run(['backup', target]).code, 1);
  });

  test('backup on PostgreSQL tells the operator to use pg_dump', () => {
    const r = run(['backup', path.join(dir, 'x')], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(r.code, 1);
    assert.match(r.err, /pg_dump/);
  });
});
