#!/usr/bin/env node
// `npm test`: every check CI runs, in order, with a summary at the end. Plain Node (no TypeScript, no
// dependencies) so it runs before anything else works. See docs/testing.md.
//
//   typecheck  tsc --noEmit (TypeScript 7, native)
//   lint       biome check src e2e bench scripts
//   unit       node:test over src/**/*.test.ts(x): SQLite always, PostgreSQL too when a cluster is up
//   e2e        node:test over e2e/**/*.test.ts(x) in Debian's Chromium (playwright-core)
//
// PostgreSQL: a throwaway cluster (initdb + pg_ctl on a free loopback port, in a temp dir) is started
// for the test stages and always stopped and removed afterwards, also on failure and Ctrl-C.
// GONGKAI_TEST_REQUIRE_ALL=1 (CI) turns a missing PostgreSQL or Chromium into a failure.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const STAGES = ['typecheck', 'lint', 'unit', 'e2e'];
const requireAll = /^(1|true|yes)$/i.test(process.env.GONGKAI_TEST_REQUIRE_ALL ?? '');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const stageTimeoutMs = Number(process.env.GONGKAI_TEST_STAGE_TIMEOUT_S || 40 * 60) * 1000;
// On Node 20 and 22 --test-timeout bounds each whole file, not only each test. The runner waits for each test
// file's process to exit (no --test-force-exit: it can drop the last results a file prints, nodejs/node#64833),
// so a file that leaves a pool, server or timer open fails after this long instead of holding the run. Later
// Node versions apply it per test only (nodejs/node#57672); there such a file is caught by the stage timeout.
const testTimeoutMs = Number(process.env.GONGKAI_TEST_TIMEOUT_S || 0) * 1000;
const unitTestTimeoutMs = testTimeoutMs > 0 ? testTimeoutMs : 600_000;
// A browser journey that waits on something that never comes (a page.evaluate has no timeout of its own) fails
// after this long instead of holding the run until CI kills it.
const e2eTestTimeoutMs = testTimeoutMs > 0 ? testTimeoutMs : 900_000;
const PG_PREFIX = 'gongkai-pg-';
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint('1');
const green = paint('32');
const red = paint('31');
const yellow = paint('33');
const dim = paint('2');

function say(msg) {
  process.stdout.write(`${bold('[test]')} ${msg}\n`);
}

function usage() {
  process.stdout.write(`usage: npm test -- [options] [file or substring ...]

  --only=STAGES       comma list of ${STAGES.join(', ')} (default: all)
  --skip=STAGES       comma list of stages to leave out
  --no-pg             do not start PostgreSQL (tests run on SQLite only)
  --test-*            passed to node's test runner, e.g. --test-name-pattern=deadline
  FILE|SUBSTRING      run only the test files matching; typecheck and lint are then left out
                      unless named with --only

environment:
  GONGKAI_TEST_REQUIRE_ALL=1   a missing PostgreSQL or Chromium fails the run (CI sets it)
  GONGKAI_TEST_PG_URL=...      use this PostgreSQL server instead of starting a throwaway cluster
  CHROMIUM_PATH=...            Chromium to use (default /usr/bin/chromium)
  GONGKAI_TEST_TIMEOUT_S       per-test timeout (default 600 unit, 900 e2e; on Node 20 and 22 it also bounds each file)
  GONGKAI_TEST_STAGE_TIMEOUT_S per-stage timeout (default 2400)
`);
}

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const opts = { only: null, skip: new Set(), pg: true, runnerArgs: [], filters: [] };
  const stageList = (v, flag) => {
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of list) {
      if (!STAGES.includes(s)) throw new Error(`${flag}: unknown stage "${s}" (stages: ${STAGES.join(', ')})`);
    }
    return list;
  };
  for (const a of argv) {
    if (a === '--help' || a === '-h') {
      usage();
      process.exit(0);
    } else if (a.startsWith('--only=')) opts.only = new Set(stageList(a.slice(7), '--only'));
    else if (a.startsWith('--skip=')) for (const s of stageList(a.slice(7), '--skip')) opts.skip.add(s);
    else if (a === '--no-pg') opts.pg = false;
    else if (a.startsWith('--test-')) opts.runnerArgs.push(a);
    else if (a.startsWith('-')) throw new Error(`unknown option ${a} (see --help)`);
    else opts.filters.push(a);
  }
  return opts;
}

// ---------------------------------------------------------------- discovery

function findTestFiles(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.test\.tsx?$/.test(e.name)) out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  walk(path.join(root, dir));
  return out.sort();
}

function applyFilters(files, filters) {
  if (filters.length === 0) return files;
  const norm = filters.map((f) => {
    const abs = path.resolve(f);
    return fs.existsSync(abs) ? path.relative(root, abs).split(path.sep).join('/') : f;
  });
  return files.filter((file) => norm.some((f) => file === f || file.startsWith(`${f}/`) || file.includes(f)));
}

// ---------------------------------------------------------------- processes

let current = null; // the running child, killed as a process group on interrupt/timeout

function killGroup(child, signal, { evenIfExited = false } = {}) {
  if (!child?.pid) return;
  if (!evenIfExited && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    if (!evenIfExited) {
      try {
        child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }
}

/**
 * Runs a command in its own process group (so a timeout or Ctrl-C can end everything it started).
 * With `parse`, stdout is passed through and node:test summary lines are counted.
 */
function run(cmd, args, { env = process.env, parse = false, timeoutMs = stageTimeoutMs } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    let child;
    try {
      child = spawn(cmd, args, { env, stdio: ['ignore', parse ? 'pipe' : 'inherit', 'inherit'], detached: true });
    } catch (err) {
      resolve({ code: 127, error: err, ms: 0 });
      return;
    }
    current = child;
    const counts = {};
    let buf = '';
    const scan = (line) => {
      // TAP ("# pass 3") or spec ("ℹ pass 3"); only top-level summary lines (no indent).
      const m = /^(?:#|ℹ) (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)\s*$/.exec(line.replace(ANSI, ''));
      if (m) counts[m[1]] = Number(m[2]);
    };
    if (parse) {
      child.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        buf += chunk.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop();
        for (const l of lines) scan(l);
      });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      say(red(`timed out after ${Math.round(timeoutMs / 1000)} s: ${cmd} ${args.join(' ')}`));
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 5000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      current = null;
      resolve({ code: 127, error: err, ms: Date.now() - started });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (buf) scan(buf);
      // The test files may have left servers or browsers in the group; end them with the stage.
      killGroup(child, 'SIGKILL', { evenIfExited: true });
      current = null;
      resolve({ code: code ?? 1, signal, timedOut, counts, ms: Date.now() - started });
    });
  });
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

function localBin(name) {
  const p = path.join(root, 'node_modules', '.bin', name);
  return fs.existsSync(p) ? p : null;
}

// ---------------------------------------------------------------- PostgreSQL

/** initdb and pg_ctl of one PostgreSQL version: from PATH, else Debian's newest /usr/lib/postgresql/N. */
function findPgBin() {
  const initdb = which('initdb');
  if (initdb) {
    const dir = path.dirname(fs.realpathSync(initdb));
    if (fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
    const pgctl = which('pg_ctl');
    if (pgctl) return path.dirname(fs.realpathSync(pgctl));
  }
  const base = '/usr/lib/postgresql';
  let versions = [];
  try {
    versions = fs
      .readdirSync(base)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  } catch {
    return null;
  }
  for (const v of versions) {
    const dir = path.join(base, v, 'bin');
    if (fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function osUser(name) {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return null;
  return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

class Cluster {
  constructor(binDir) {
    this.binDir = binDir;
    this.base = null;
    this.dataDir = null;
    this.port = null;
    this.user = null;
    this.stopped = false;
  }

  /** Runs a PostgreSQL tool as the cluster's owner: `runuser -u postgres --` when we are root. */
  pg(tool, args, opts = {}) {
    const exe = path.join(this.binDir, tool);
    const [cmd, argv] = this.user ? ['runuser', ['-u', this.user.name, '--', exe, ...args]] : [exe, args];
    return spawnSync(cmd, argv, { cwd: this.base, encoding: 'utf8', timeout: 120_000, ...opts });
  }

  async start() {
    if (isRoot) {
      // PostgreSQL refuses to run as root.
      this.user = osUser('postgres') ?? osUser('nobody');
      if (!this.user) throw new Error('running as root, and neither a postgres nor a nobody user exists');
    }
    // As root, /tmp rather than $TMPDIR: the postgres user must be able to reach the directory.
    const tmp = isRoot ? '/tmp' : os.tmpdir();
    this.base = fs.mkdtempSync(path.join(tmp, PG_PREFIX));
    fs.writeFileSync(path.join(this.base, 'owner.pid'), `${process.pid}\n`);
    this.dataDir = path.join(this.base, 'data');
    fs.chmodSync(this.base, 0o700);
    if (this.user) fs.chownSync(this.base, this.user.uid, this.user.gid);

    const init = this.pg('initdb', [
      '-D',
      this.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    if (init.status !== 0) {
      throw new Error(`initdb failed (${init.status ?? init.signal}):\n${init.stdout ?? ''}${init.stderr ?? ''}`);
    }

    const log = path.join(this.base, 'postgres.log');
    let lastErr = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${this.base}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ');
      const r = this.pg('pg_ctl', ['-D', this.dataDir, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
      if (r.status === 0) {
        this.port = port;
        return;
      }
      let tail = '';
      try {
        tail = fs.readFileSync(log, 'utf8').split('\n').slice(-20).join('\n');
      } catch {
        /* no log */
      }
      lastErr = `${r.stdout ?? ''}${r.stderr ?? ''}\n${tail}`;
      this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop']);
    }
    throw new Error(`pg_ctl start failed three times:\n${lastErr}`);
  }

  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  version() {
    const r = spawnSync(path.join(this.binDir, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
    return (r.stdout ?? '').trim().replace(/^pg_ctl \(PostgreSQL\) /, 'PostgreSQL ');
  }

  /** Stops the server and removes the directory. Synchronous, so it can run in an exit handler. */
  stop() {
    if (this.stopped || !this.base) return;
    this.stopped = true;
    stopClusterDir(this.base, (tool, args) => this.pg(tool, args, { timeout: 60_000 }));
  }
}

/** Stops whatever postmaster runs in `<base>/data` and removes `base`. */
function stopClusterDir(base, pgRun) {
  const dataDir = path.join(base, 'data');
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const r = pgRun('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    if (r.status !== 0 && fs.existsSync(pidFile)) {
      const imm = pgRun('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '15', 'stop']);
      if (imm.status !== 0 && fs.existsSync(pidFile)) {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    }
  }
  fs.rmSync(base, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
}

function isZombie(pid) {
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Removes clusters left by earlier runs that were killed outright (their owner.pid is no longer alive). */
function reapStaleClusters(binDir) {
  const dirs = new Set(['/tmp', os.tmpdir()]);
  for (const tmp of dirs) {
    let names = [];
    try {
      names = fs.readdirSync(tmp).filter((n) => n.startsWith(PG_PREFIX));
    } catch {
      continue;
    }
    for (const n of names) {
      const base = path.join(tmp, n);
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(path.join(base, 'owner.pid'), 'utf8').trim());
      } catch {
        continue; // not one of ours, or still being created
      }
      let alive = false;
      try {
        process.kill(owner, 0);
        alive = true;
      } catch (err) {
        alive = err.code === 'EPERM';
      }
      if (alive && !isZombie(owner)) continue;
      say(dim(`removing a cluster left by an interrupted run: ${base}`));
      let user = null;
      if (isRoot) {
        try {
          const st = fs.statSync(base);
          user = { name: spawnSync('id', ['-nu', String(st.uid)], { encoding: 'utf8' }).stdout.trim() };
        } catch {
          /* gone */
        }
      }
      stopClusterDir(base, (tool, args) => {
        const exe = path.join(binDir, tool);
        const [cmd, argv] = user?.name ? ['runuser', ['-u', user.name, '--', exe, ...args]] : [exe, args];
        return spawnSync(cmd, argv, { cwd: '/', encoding: 'utf8', timeout: 60_000 });
      });
    }
  }
}

// ---------------------------------------------------------------- Chromium

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, process.env.GONGKAI_E2E_CHROMIUM, '/usr/bin/chromium'].filter(Boolean);
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
    } catch {
      continue;
    }
    const r = spawnSync(c, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) return { path: c, version: r.stdout.trim() };
    return { path: c, broken: `${c} --version failed: ${(r.stderr || r.error?.message || '').trim()}` };
  }
  return null;
}

// ---------------------------------------------------------------- main

const results = []; // { stage, status: passed|failed|skipped|info, detail, counts, ms }
let cluster = null;
let interrupted = false;

function record(stage, status, detail = '', extra = {}) {
  results.push({ stage, status, detail, ...extra });
  const tag = { passed: green('passed'), failed: red('FAILED'), skipped: yellow('skipped'), info: 'ok' }[status];
  say(`${stage}: ${tag}${detail ? ` — ${detail}` : ''}`);
}

function cleanup() {
  if (cluster) {
    try {
      cluster.stop();
    } catch (err) {
      process.stderr.write(`[test] could not stop PostgreSQL: ${err.message}\n`);
    }
  }
}

process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    say(red(`${sig}: stopping`));
    const child = current;
    killGroup(child, 'SIGTERM');
    const done = () => {
      cleanup();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    if (!child) return done();
    const t = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      done();
    }, 5000);
    child.once('close', () => {
      clearTimeout(t);
      done();
    });
  });
}
process.on('uncaughtException', (err) => {
  process.stderr.write(`[test] internal error: ${err.stack ?? err}\n`);
  process.exit(1);
});

function fmtMs(ms) {
  return ms >= 60_000
    ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
    : `${(ms / 1000).toFixed(1)} s`;
}

function describeCounts(c) {
  if (!c || c.tests === undefined) return 'no test summary from the runner';
  return `${c.pass ?? 0} passed, ${c.fail ?? 0} failed, ${(c.skipped ?? 0) + (c.todo ?? 0)} skipped${
    c.cancelled ? `, ${c.cancelled} cancelled` : ''
  }`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const wanted = (s) => {
    if (opts.skip.has(s)) return false;
    if (opts.only) return opts.only.has(s);
    if (opts.filters.length > 0) return s === 'unit' || s === 'e2e';
    return true;
  };

  const unitFiles = applyFilters(findTestFiles('src'), opts.filters);
  const e2eFiles = applyFilters(findTestFiles('e2e'), opts.filters);
  const filtered = opts.filters.length > 0;
  say(
    `${requireAll ? 'GONGKAI_TEST_REQUIRE_ALL=1; ' : ''}node ${process.version}; ` +
      `${unitFiles.length} unit/integration file(s), ${e2eFiles.length} e2e file(s)${filtered ? ' (filtered)' : ''}`,
  );
  if (filtered && unitFiles.length + e2eFiles.length === 0) {
    record('filter', 'failed', `no test file matches ${opts.filters.join(' ')}`);
  }

  // -- typecheck
  if (wanted('typecheck')) {
    const tsc = localBin('tsc');
    if (!tsc) record('typecheck', 'failed', 'node_modules/.bin/tsc missing: run npm ci');
    else {
      say(`typecheck: ${dim('tsc --noEmit')}`);
      const r = await run(tsc, ['--noEmit', '--pretty', color ? 'true' : 'false']);
      record('typecheck', r.code === 0 ? 'passed' : 'failed', r.timedOut ? 'timed out' : '', { ms: r.ms });
    }
  }

  // -- lint
  if (wanted('lint') && !interrupted) {
    const biome = localBin('biome');
    const dirs = ['src', 'e2e', 'bench', 'scripts'].filter((d) => fs.existsSync(d));
    if (!biome) record('lint', 'failed', 'node_modules/.bin/biome missing: run npm ci');
    else {
      say(`lint: ${dim(`biome check ${dirs.join(' ')}`)}`);
      const r = await run(biome, ['check', ...dirs]);
      record('lint', r.code === 0 ? 'passed' : 'failed', r.timedOut ? 'timed out' : '', { ms: r.ms });
    }
  }

  const runUnit = wanted('unit') && unitFiles.length > 0;
  const runE2e = wanted('e2e') && e2eFiles.length > 0;
  const none = (glob) => (filtered ? `no ${glob} file matches the filter` : `no ${glob} files`);
  if (wanted('unit') && unitFiles.length === 0) record('unit', 'skipped', none('src/**/*.test.ts'));
  if (wanted('e2e') && e2eFiles.length === 0) record('e2e', 'skipped', none('e2e/*.test.ts'));

  // -- PostgreSQL, for the test stages
  let pgUrl = null;
  if ((runUnit || runE2e) && !interrupted) {
    if (process.env.GONGKAI_TEST_PG_URL) {
      pgUrl = process.env.GONGKAI_TEST_PG_URL;
      record('postgres', 'info', `using GONGKAI_TEST_PG_URL from the environment (${redact(pgUrl)})`);
    } else if (!opts.pg) {
      record('postgres', requireAll ? 'failed' : 'skipped', '--no-pg: tests run on SQLite only');
    } else {
      const binDir = findPgBin();
      if (!binDir) {
        record(
          'postgres',
          requireAll ? 'failed' : 'skipped',
          'initdb/pg_ctl not found (PATH or /usr/lib/postgresql/*/bin): apt-get install postgresql — ' +
            (requireAll ? 'required by GONGKAI_TEST_REQUIRE_ALL' : 'tests run on SQLite only'),
        );
      } else {
        reapStaleClusters(binDir);
        cluster = new Cluster(binDir);
        const t0 = Date.now();
        try {
          await cluster.start();
          pgUrl = cluster.url;
          record('postgres', 'info', `${cluster.version()} on 127.0.0.1:${cluster.port} (${cluster.base})`, {
            ms: Date.now() - t0,
          });
        } catch (err) {
          record('postgres', 'failed', `could not start a throwaway cluster: ${err.message}`);
          cluster.stop();
          cluster = null;
        }
      }
    }
  }

  const baseEnv = { ...process.env, NODE_ENV: 'test' };
  if (pgUrl) baseEnv.GONGKAI_TEST_PG_URL = pgUrl;
  else delete baseEnv.GONGKAI_TEST_PG_URL;
  if (color) baseEnv.FORCE_COLOR = '1';
  const reporter = process.stdout.isTTY ? ['--test-reporter=spec'] : ['--test-reporter=tap'];
  const runnerArgs = (concurrency, timeoutMs) => [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    ...(timeoutMs > 0 ? [`--test-timeout=${timeoutMs}`] : []),
    ...reporter,
    ...opts.runnerArgs,
  ];

  // -- unit + integration
  if (runUnit && !interrupted) {
    const engines = pgUrl ? 'SQLite + PostgreSQL' : 'SQLite only';
    say(`unit: ${unitFiles.length} file(s), engines: ${engines}`);
    const r = await run(process.execPath, [...runnerArgs(2, unitTestTimeoutMs), ...unitFiles], {
      env: baseEnv,
      parse: true,
    });
    const ok = r.code === 0 && !r.timedOut;
    record(
      'unit',
      ok ? 'passed' : 'failed',
      `${describeCounts(r.counts)}; ${engines}${r.timedOut ? '; TIMED OUT' : ''}`,
      {
        counts: r.counts,
        ms: r.ms,
      },
    );
  }

  // -- browser journeys
  if (runE2e && !interrupted) {
    const chromium = findChromium();
    if (!chromium || chromium.broken) {
      const why =
        chromium?.broken ?? 'Chromium not found (CHROMIUM_PATH or /usr/bin/chromium): apt-get install chromium';
      record(
        'e2e',
        requireAll ? 'failed' : 'skipped',
        requireAll ? `${why} — required by GONGKAI_TEST_REQUIRE_ALL` : why,
      );
    } else {
      say(`e2e: ${e2eFiles.length} file(s) in ${chromium.version}`);
      const env = { ...baseEnv, GONGKAI_E2E_CHROMIUM: chromium.path };
      const r = await run(process.execPath, [...runnerArgs(1, e2eTestTimeoutMs), ...e2eFiles], { env, parse: true });
      const ok = r.code === 0 && !r.timedOut;
      record('e2e', ok ? 'passed' : 'failed', `${describeCounts(r.counts)}${r.timedOut ? '; TIMED OUT' : ''}`, {
        counts: r.counts,
        ms: r.ms,
      });
    }
  }

  cleanup();
  if (cluster) {
    const gone = !fs.existsSync(cluster.base);
    say(`postgres: cluster stopped${gone ? ' and removed' : red(`, but ${cluster.base} is still there`)}`);
  }

  // -- summary
  const total = { pass: 0, fail: 0, skipped: 0 };
  for (const r of results) {
    if (r.stage !== 'unit' && r.stage !== 'e2e') continue;
    const c = r.counts ?? {};
    const fail = (c.fail ?? 0) + (c.cancelled ?? 0);
    total.pass += c.pass ?? 0;
    // A stage that failed without a failing test (crash, timeout) still counts as one failure.
    total.fail += r.status === 'failed' && fail === 0 ? 1 : fail;
    total.skipped += (c.skipped ?? 0) + (c.todo ?? 0);
  }
  const failed = results.filter((r) => r.status === 'failed');
  const order = ['filter', 'typecheck', 'lint', 'postgres', 'unit', 'e2e'];
  const sorted = [...results].sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage));
  const lines = ['', bold('── gongkai test summary ──')];
  for (const r of sorted) {
    const tag = {
      passed: green('passed '),
      failed: red('FAILED '),
      skipped: yellow('skipped'),
      info: 'ok     ',
    }[r.status];
    lines.push(`  ${r.stage.padEnd(10)} ${tag} ${r.detail}${r.ms ? dim(` (${fmtMs(r.ms)})`) : ''}`);
  }
  lines.push(
    failed.length === 0
      ? green(bold('  RESULT: passed'))
      : red(bold(`  RESULT: FAILED (${failed.map((r) => r.stage).join(', ')})`)),
  );
  // The plain closing line: the total over the node:test stages (each stage printed its own "# pass N").
  if (results.some((r) => (r.stage === 'unit' || r.stage === 'e2e') && r.status !== 'skipped')) {
    lines.push(`tests: ${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return failed.length === 0 && !interrupted ? 0 : 1;
}

function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`[test] ${err.message}\n`);
    cleanup();
    process.exitCode = 2;
  },
);
