// Helpers for the browser journeys in e2e/: Debian's Chromium through playwright-core, a real gongkai
// server per test file (fresh SQLite or a fresh PostgreSQL database), axe-core checks and TOTP codes.
// scripts/test.mjs sets GONGKAI_E2E_CHROMIUM (and GONGKAI_TEST_PG_URL when PostgreSQL is up); see
// docs/testing.md.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Result as AxeResult, NodeResult } from 'axe-core';
import * as OTPAuth from 'otpauth';
import pg from 'pg';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Locator,
  type Page,
  type Response,
} from 'playwright-core';
import { type SinkMessage, type SmtpSink, startSmtpSink } from '../src/platform/mail/smtp-sink.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The first administrator created on an empty database (src/modules/seed/bootstrap.ts). */
export const ADMIN_USERNAME = 'admin';
/** GONGKAI_ADMIN_PASSWORD for every server startServer() starts; meets the password policy. */
export const ADMIN_PASSWORD = 'E2e-Admin-Passw0rd!';

// ---------------------------------------------------------------- browser

/** Path of the Chromium to drive: GONGKAI_E2E_CHROMIUM (set by scripts/test.mjs), CHROMIUM_PATH, or Debian's. */
export function chromiumPath(): string {
  return process.env.GONGKAI_E2E_CHROMIUM || process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** Launches headless Debian Chromium. Close it in an `after` hook. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      // CI runs as root, where Chromium's sandbox cannot start.
      '--no-sandbox',
      '--disable-gpu',
      // This machine has no network beyond the package registries: without these flags Chromium keeps
      // opening connections to Google's hosts that are refused, many at a time, at every start.
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A browser context for a journey: zh-CN, Asia/Shanghai, baseURL set when given.
 *
 * bypassCSP is ON by default: the portal sends a strict Content-Security-Policy without inline scripts,
 * and checkA11y() injects axe-core as a script tag, which that policy would block. The consequence is
 * that the CSP itself is NOT enforced in such a context; a test about the CSP (or about pages working
 * with it) should pass `{ bypassCSP: false }` — checkA11y() still works there (see injectAxe).
 */
export async function newContext(browser: Browser, opts: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    bypassCSP: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 900 },
    ...opts,
  });
}

/** A new page in a new newContext(); closing the page's context is up to the caller (or closing the browser). */
export async function newPage(browser: Browser, opts: BrowserContextOptions = {}): Promise<Page> {
  const context = await newContext(browser, opts);
  return context.newPage();
}

// ---------------------------------------------------------------- server

export type Engine = 'sqlite' | 'postgres';

/** The engines the journeys can run on here: SQLite always, PostgreSQL when scripts/test.mjs started it. */
export function e2eEngines(): Engine[] {
  return process.env.GONGKAI_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface StartServerOptions {
  /** Default 'sqlite' (a file in a fresh DATA_DIR). 'postgres' needs GONGKAI_TEST_PG_URL. */
  engine?: Engine;
  /** Extra or overriding environment variables for the server, e.g. { SMTP_URL: 'smtp://127.0.0.1:2525' }. */
  env?: Record<string, string | undefined>;
  /** Extra arguments after `serve --migrate --seed-demo`. */
  args?: string[];
  /** How long to wait for GET /readyz to answer 200 (default 60 s). */
  readyTimeoutMs?: number;
}

export interface TestServer {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  port: number;
  engine: Engine;
  adminUsername: string;
  adminPassword: string;
  /** DATA_DIR of this server (a fresh temp dir, removed by stop()). */
  dataDir: string;
  /** DATABASE_URL of this server when on PostgreSQL. */
  databaseUrl?: string;
  /** What the server printed so far (stdout and stderr, last 256 KB). */
  output(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its data dir or drops its database. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test file that forgets stop() must not leave servers behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.GONGKAI_TEST_PG_URL;
  if (!admin) throw new Error('startServer({ engine: "postgres" }) needs GONGKAI_TEST_PG_URL (npm test sets it)');
  const name = `gk_e2e_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Starts `gongkai serve --migrate --seed-demo` on a free loopback port with a fresh database, and resolves
 * once GET /readyz answers 200. The error on failure carries the server's output.
 */
export async function startServer(opts: StartServerOptions = {}): Promise<TestServer> {
  const engine = opts.engine ?? 'sqlite';
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-e2e-'));
  const db = engine === 'postgres' ? await createPgDatabase() : null;

  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: url,
    DATA_DIR: dataDir,
    DATABASE_URL: db?.url,
    GONGKAI_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: process.env.GONGKAI_E2E_LOG_LEVEL ?? 'warn',
    SMTP_URL: undefined,
    ...opts.env,
  };
  // A variable set to undefined is removed rather than passed on as the string "undefined".
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'serve', '--migrate', '--seed-demo', ...(opts.args ?? [])],
    { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let out = '';
  let err = '';
  const keep = (s: string, chunk: Buffer) => (s + chunk.toString('utf8')).slice(-256 * 1024);
  const echo = process.env.GONGKAI_E2E_SERVER_LOG === '1';
  child.stdout?.on('data', (c: Buffer) => {
    out = keep(out, c);
    if (echo) process.stderr.write(c);
  });
  child.stderr?.on('data', (c: Buffer) => {
    err = keep(err, c);
    if (echo) process.stderr.write(c);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitInfo: string | null = null;
  child.once('exit', (code, signal) => {
    running.delete(child);
    exitInfo = `exited with ${code ?? signal}`;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (db) await db.drop();
  };

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (true) {
    if (exitInfo) {
      await stop();
      throw new Error(
        `gongkai server ${exitInfo} before it was ready.\n--- stderr ---\n${err}\n--- stdout ---\n${out}`,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `gongkai server not ready at ${url}/readyz after ${timeoutMs / 1000} s (last: ${last}).\n` +
          `--- stderr ---\n${err}\n--- stdout ---\n${out}`,
      );
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    port,
    engine,
    adminUsername: ADMIN_USERNAME,
    adminPassword: ADMIN_PASSWORD,
    dataDir,
    databaseUrl: db?.url,
    output: () => `${out}${err}`,
    stop,
  };
}

// ---------------------------------------------------------------- accessibility

export interface A11yOptions {
  /** axe rule tags; default WCAG 2.1 A and AA. */
  tags?: string[];
  /** CSS selectors to check only (default: the whole page). */
  include?: string[];
  /** CSS selectors to leave out. */
  exclude?: string[];
  /** axe rule ids to turn off, each with a reason in the calling test. */
  disableRules?: string[];
}

export type A11yViolation = AxeResult;

let axeSource: string | null = null;

async function injectAxe(page: Page): Promise<void> {
  const loaded = () => page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (await loaded()) return;
  axeSource ??= fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  try {
    // Works in newContext()'s contexts, which bypass the page's CSP.
    await page.addScriptTag({ content: axeSource });
  } catch {
    /* refused by an enforced CSP; see below */
  }
  // Under an enforced CSP the script tag is refused; evaluating the source over the DevTools protocol is
  // not subject to the page's CSP.
  if (!(await loaded())) await page.evaluate(axeSource);
}

/**
 * Runs axe-core on the page as it is now and returns the violations (empty when none).
 * Use with formatA11y(): `assert.deepEqual(v, [], formatA11y(v))`.
 */
export async function checkA11y(page: Page, opts: A11yOptions = {}): Promise<A11yViolation[]> {
  await injectAxe(page);
  const tags = opts.tags ?? ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const context =
    opts.include || opts.exclude
      ? { include: opts.include ?? ['html'], exclude: opts.exclude ?? [] }
      : { exclude: [] as string[] };
  const rules = Object.fromEntries((opts.disableRules ?? []).map((id) => [id, { enabled: false }]));
  const results = await page.evaluate(
    async ({ context, tags, rules }) => {
      // biome-ignore lint/suspicious/noExplicitAny: axe is a page global injected above
      const axe = (globalThis as any).axe;
      return axe.run(context, { runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'] });
    },
    { context, tags, rules },
  );
  return results.violations as A11yViolation[];
}

/** A readable report of axe violations: rule, impact, help link, and each offending element. */
export function formatA11y(violations: A11yViolation[]): string {
  if (violations.length === 0) return 'no accessibility violations';
  const lines = [`${violations.length} accessibility violation(s):`];
  for (const v of violations) {
    lines.push(`- [${v.impact ?? 'n/a'}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 10) as NodeResult[]) {
      lines.push(`    ${n.target.join(' ')}`);
      lines.push(`      ${n.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (n.failureSummary) lines.push(`      ${n.failureSummary.replace(/\n/g, '\n      ')}`);
    }
    if (v.nodes.length > 10) lines.push(`    … and ${v.nodes.length - 10} more`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- two-step sign-in

/**
 * The current 6-digit TOTP code (SHA-1, 30 s) for a base32 secret or an otpauth:// URI, as an
 * authenticator app would show it. `at` picks another moment (ms since the epoch).
 */
export function totpCode(secretBase32OrUri: string, at: number = Date.now()): string {
  const s = secretBase32OrUri.trim();
  const totp = s.startsWith('otpauth://')
    ? OTPAuth.URI.parse(s)
    : new OTPAuth.TOTP({
        secret: OTPAuth.Secret.fromBase32(s.replace(/\s+/g, '').toUpperCase()),
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      });
  if (!(totp instanceof OTPAuth.TOTP)) throw new Error('totpCode: not a TOTP secret');
  return totp.generate({ timestamp: at });
}

/** The server accepts a code once: its step must be later than the last accepted step (no replay). */
const lastStepUsed = new Map<string, number>();
const STEP_MS = 30_000;

/**
 * A TOTP code the server has not yet accepted for this secret: the current step's, or the next one when the
 * current one was spent by an earlier sign-in in this process (the server's window is one step either side).
 * When even that is spent, waits for the clock to catch up. Records the step as spent.
 */
export async function freshTotpCode(secret: string): Promise<string> {
  const key = secret.trim().toUpperCase();
  let step = Math.floor(Date.now() / STEP_MS);
  const last = lastStepUsed.get(key);
  if (last !== undefined && step <= last) step = last + 1;
  const lead = step - Math.floor(Date.now() / STEP_MS);
  // One step ahead is accepted; two or more would not be: wait until the step before it has begun.
  if (lead > 1) await new Promise((r) => setTimeout(r, (step - 1) * STEP_MS - Date.now() + 500));
  lastStepUsed.set(key, step);
  return totpCode(secret, step * STEP_MS + 1_000);
}

// ---------------------------------------------------------------- page helpers

/** Clicks and waits for the navigation the click causes; resolves with the final main response. */
export async function clickAndWait(page: Page, target: Locator): Promise<Response | null> {
  const [res] = await Promise.all([page.waitForNavigation(), target.click()]);
  return res;
}

/** The path of the page's current address. */
export const pathOf = (page: Page): string => new URL(page.url()).pathname;

/**
 * Signs in through /console/sign-in and completes the second step: binds TOTP when the account is sent to
 * set it up (returning the new secret), or enters a fresh code when it already has TOTP.
 */
export async function signIn(
  page: Page,
  username: string,
  password: string,
  totpSecret?: string,
): Promise<{ totpSecret?: string; landed: string }> {
  await page.goto('/console/sign-in');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  const res = await clickAndWait(page, page.getByRole('button', { name: '登录' }));
  if (res?.status() !== 200) throw new Error(`sign-in as ${username} answered ${res?.status()} at ${page.url()}`);
  if (pathOf(page) === '/console/sign-in/code') {
    if (!totpSecret) throw new Error(`${username} has TOTP but no secret was given`);
    await page.getByLabel('动态口令').fill(await freshTotpCode(totpSecret));
    const r = await clickAndWait(page, page.getByRole('button', { name: '验证' }));
    if (r?.status() !== 200) throw new Error(`the code step answered ${r?.status()}`);
  } else if (pathOf(page) === '/console/account/totp') {
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    if (!/^[A-Z2-7]{16,}$/.test(secret)) throw new Error(`the TOTP secret is not shown as base32: ${secret}`);
    await page.getByLabel('动态口令').fill(await freshTotpCode(secret));
    const r = await clickAndWait(page, page.getByRole('button', { name: '完成绑定' }));
    if (r?.status() !== 200) throw new Error(`binding TOTP answered ${r?.status()}`);
    totpSecret = secret;
  }
  return { totpSecret, landed: pathOf(page) };
}

/** Waits for the flash message (role=status) that a redirect after a successful form shows. */
export async function flash(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('status').filter({ hasText: text }).first().waitFor();
}

/** The element's text with runs of white space made single spaces. */
export async function text(l: Locator): Promise<string> {
  return ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Selects the column option whose text (without the depth indentation) is `name`. */
export async function selectColumn(page: Page, name: string): Promise<void> {
  const value = await page
    .locator('#column_id option')
    .evaluateAll((opts, n) => opts.find((o) => (o.textContent ?? '').trim() === n)?.getAttribute('value'), name);
  if (!value) throw new Error(`the column select offers no ${name}`);
  await page.selectOption('#column_id', value);
}

/** A staff account a journey creates in the console: its role's Chinese label and its two passwords. */
export interface Staff {
  username: string;
  name: string;
  role: string;
  initial: string;
  password: string;
}

/** Creates the account in the console (as an administrator) and grants its role on the organization. */
export async function createStaff(page: Page, s: Staff, organization: string): Promise<void> {
  await page.goto('/console/users');
  await clickAndWait(page, page.getByRole('link', { name: '新建用户' }));
  await page.fill('[name="username"]', s.username);
  await page.fill('[name="display_name"]', s.name);
  await page.fill('[name="email"]', `${s.username}@huli.example.gov.cn`);
  await page.fill('[name="password"]', s.initial);
  const created = await clickAndWait(page, page.getByRole('button', { name: '创建用户' }));
  if (created?.status() !== 200 || !/^\/console\/users\/\d+$/.test(pathOf(page)))
    throw new Error(`creating ${s.username} answered ${created?.status()} at ${page.url()}`);
  await flash(page, `已创建用户“${s.name}”`);
  const grant = page.locator('form[action$="/grants"]');
  await grant.locator('[name="organization_id"]').selectOption({ label: organization });
  await grant.locator('[name="role"]').selectOption({ label: s.role });
  const granted = await clickAndWait(page, grant.getByRole('button', { name: '授予' }));
  if (granted?.status() !== 200) throw new Error(`granting ${s.role} answered ${granted?.status()}`);
  await flash(page, '已授予角色');
}

/** The first sign-in of a new account: it is sent to change the initial password, and does. */
export async function firstSignIn(page: Page, s: Staff): Promise<void> {
  const { landed } = await signIn(page, s.username, s.initial);
  if (landed !== '/console/account/password')
    throw new Error(`${s.username} must change the initial password first, landed on ${landed}`);
  await page.fill('#current', s.initial);
  await page.fill('#next', s.password);
  await page.fill('#confirm', s.password);
  const changed = await clickAndWait(page, page.getByRole('button', { name: '保存新密码' }));
  if (changed?.status() !== 200 || pathOf(page) !== '/console/account')
    throw new Error(`changing the password answered ${changed?.status()} at ${page.url()}`);
  await flash(page, '密码已修改');
}

// ---------------------------------------------------------------- journeys

/** Why a journey is skipped: there is no Chromium to drive (npm test skips or fails the e2e stage itself then). */
function missingChromium(): string | false {
  const p = chromiumPath();
  return fs.existsSync(p) ? false : `no Chromium at ${p} (npm test sets GONGKAI_E2E_CHROMIUM when it is installed)`;
}

// The journeys of a file share one browser: launched by the first journey that runs, closed after the file.
let fileBrowser: Promise<Browser> | null = null;
let closeHooked = false;

function browserOfFile(): Promise<Browser> {
  fileBrowser ??= launchBrowser();
  return fileBrowser;
}

export interface JourneyOptions {
  /** The server's database; default 'sqlite'. */
  engine?: Engine;
  /** Start a local SMTP sink (`j.sink`) and send the server's mail to it. */
  smtp?: boolean;
  /** More environment for the server, e.g. { JOBS: '1' }. */
  env?: StartServerOptions['env'];
}

/** What a journey's tests use; valid once its `before` hook has run (inside tests). */
export interface Journey {
  /** The file's browser. */
  readonly browser: Browser;
  /** The journey's own server, with a fresh database. */
  readonly server: TestServer;
  /** The SMTP sink the server sends its mail to (only with `{ smtp: true }`). */
  readonly sink: SmtpSink;
  /**
   * A page in a new context (newContext(): zh-CN, Asia/Shanghai, bypassCSP unless `{ bypassCSP: false }`)
   * whose baseURL is the server. The context is closed when the test that opened it ends.
   */
  open(opts?: BrowserContextOptions): Promise<Page>;
}

/**
 * A browser journey: a `describe(title)` whose tests (declared by `story`) get a server of their own (a fresh
 * database, and an SMTP sink when asked), the file's browser and `j.open()` for pages. Afterwards the pages'
 * contexts are closed, the server stopped (its database removed) and the sink closed. Without a Chromium to
 * drive, the journey is one skipped test. Call it at the top level of the file (it hooks the closing of the
 * browser to the end of the file).
 *
 * ```ts
 * for (const engine of e2eEngines())
 *   journey(`publishing on ${engine}`, { engine, smtp: true }, (j) => {
 *     test('…', async () => {
 *       const page = await j.open();
 *       await page.goto('/');
 *     });
 *   });
 * ```
 */
export function journey(title: string, opts: JourneyOptions, story: (j: Journey) => void): void {
  const skip = missingChromium();
  if (skip) {
    test(title, { skip }, () => {});
    return;
  }
  if (!closeHooked) {
    closeHooked = true;
    after(async () => {
      const launched = fileBrowser;
      fileBrowser = null;
      await (await launched?.catch(() => null))?.close();
    });
  }
  describe(title, () => {
    let browser: Browser | undefined;
    let server: TestServer | undefined;
    let sink: SmtpSink | undefined;
    let contexts: BrowserContext[] = [];
    const closeContexts = async () => {
      const open = contexts;
      contexts = [];
      for (const c of open) await c.close().catch(() => {});
    };
    before(async () => {
      browser = await browserOfFile();
      if (opts.smtp) sink = await startSmtpSink();
      server = await startServer({
        engine: opts.engine,
        env: { ...(sink ? { SMTP_URL: sink.url } : {}), ...opts.env },
      });
    });
    afterEach(closeContexts);
    after(async () => {
      await closeContexts();
      await server?.stop();
      await sink?.close();
    });
    const ready = <T>(value: T | undefined, what: string): T => {
      if (value === undefined)
        throw new Error(
          `journey “${title}”: no ${what} (${what === 'sink' ? 'pass { smtp: true }' : 'used outside a test'})`,
        );
      return value;
    };
    story({
      get browser() {
        return ready(browser, 'browser');
      },
      get server() {
        return ready(server, 'server');
      },
      get sink() {
        return ready(sink, 'sink');
      },
      async open(o: BrowserContextOptions = {}) {
        const context = await newContext(ready(browser, 'browser'), { baseURL: ready(server, 'server').url, ...o });
        contexts.push(context);
        return context.newPage();
      },
    });
  });
}

/** Opens a page for each new account and makes its first sign-in there (firstSignIn); the pages, in order. */
export async function firstSignIns(j: Journey, staff: Staff[]): Promise<Page[]> {
  const pages: Page[] = [];
  for (const s of staff) {
    const page = await j.open();
    await firstSignIn(page, s);
    pages.push(page);
  }
  return pages;
}

/**
 * Collects the axe violations of the pages a journey passes, so that one page's violations do not stop the
 * journey before the next page is checked; `assertNone()` at the end fails with all of them.
 */
export function a11yLog() {
  const failures: string[] = [];
  return {
    failures,
    /** Checks the page as it is now; `label` says which page it is in the report. */
    async check(page: Page, label: string, opts?: A11yOptions): Promise<void> {
      const v = await checkA11y(page, opts);
      if (v.length > 0) failures.push(`${label} (${page.url()}): ${formatA11y(v)}`);
    },
    assertNone(): void {
      assert.deepEqual(failures, [], failures.join('\n\n'));
    },
  };
}

/**
 * The confirmation mail of a subscription sent to `address` (waited for up to 60 s) and the confirmation link
 * it carries (asserted to be there).
 */
export async function confirmationMail(sink: SmtpSink, address: string): Promise<{ mail: SinkMessage; url: string }> {
  const mail = await sink.waitFor((m) => m.to.includes(address) && m.subject.includes('请确认订阅'), 60_000);
  const url = /https?:\/\/\S+\/subscriptions\/confirm\?token=[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
  assert.ok(url, `the confirmation mail carries a link:\n${mail.text}`);
  return { mail, url };
}
