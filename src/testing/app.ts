import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import * as OTPAuth from 'otpauth';
import pino from 'pino';
import { createApp } from '../app.js';
import { type Config, loadConfig } from '../config.js';
import type { Engine } from '../db/database.js';
import { registerModules } from '../modules/register.js';
import { sessionIdOf } from '../platform/auth/auth.service.js';
import { hashPassword } from '../platform/auth/password.js';
import type { Role } from '../platform/auth/permissions.js';
import { createCalendar } from '../platform/calendar/calendar.service.js';
import type { AppEnv, Deps } from '../platform/context.js';
import { deriveKey, FieldCipher } from '../platform/security/crypto.js';
import type { Clock } from '../platform/time.js';
import { createTestDb, type TestDb } from './db.js';

export const TEST_PASSWORD = 'Test-Passw0rd!';

export interface TestApp {
  deps: Deps;
  db: TestDb;
  app: Hono<AppEnv>;
  /** Moves the test clock. */
  setNow(d: Date): void;
  dispose(): Promise<void>;
}

/** A full application on a fresh database, with a settable clock. */
export async function createTestApp(
  engine: Engine,
  opts: { env?: Record<string, string>; routes?: (deps: Deps) => Hono<AppEnv>[] } = {},
): Promise<TestApp> {
  const db = await createTestDb(engine);
  let now = new Date('2026-11-25T02:00:00Z');
  const clock: Clock = () => new Date(now);
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY: randomBytes(32).toString('hex'),
    PUBLIC_BASE_URL: 'http://gk.test',
    DATA_DIR: '/tmp/gongkai-test-data',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const deps: Deps = { config, db, logger: pino({ level: 'silent' }), clock, calendar: await createCalendar(db) };
  registerModules();
  const app = createApp(deps, { routes: opts.routes?.(deps) ?? [] });
  return { deps, db, app, setNow: (d) => (now = d), dispose: () => db.dispose() };
}

/** A cookie-keeping client that submits forms with their CSRF token, like a browser. */
export class TestClient {
  private cookies = new Map<string, string>();

  constructor(private readonly app: Hono<AppEnv>) {}

  setCookie(name: string, value: string) {
    this.cookies.set(name, value);
  }

  cookie(name: string) {
    return this.cookies.get(name);
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await this.app.request(`http://gk.test${path}`, { ...init, headers, redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(path: string) {
    return this.request(path);
  }

  private token?: string;

  /** The form token for this client's CSRF cookie (fetched once from the sign-in page). */
  async csrf(): Promise<string> {
    if (this.token && this.cookies.has('gk_csrf')) return this.token;
    let res = await this.request('/console/sign-in');
    // Signed in, the sign-in page redirects to the console, whose sign-out form carries the token too.
    if (res.status === 303) res = await this.request(res.headers.get('location')!);
    const html = await res.text();
    const m = html.match(/name="_csrf" value="([^"]+)"/);
    if (!m) throw new Error('no CSRF token found on the sign-in page or the console');
    this.token = m[1];
    return this.token;
  }

  async post(path: string, fields: Record<string, string> = {}, opts: { csrf?: string | false } = {}) {
    const body = new URLSearchParams(fields);
    const token = opts.csrf === false ? undefined : (opts.csrf ?? (await this.csrf()));
    if (token) body.set('_csrf', token);
    return this.request(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}

export interface StaffUser {
  id: number;
  username: string;
  totpSecret?: string;
}

/** Inserts a user with the given roles directly (test setup, not the code under test). */
export async function insertStaff(
  t: TestApp,
  username: string,
  grants: { role: Role; organizationId: number }[],
  opts: { totp?: boolean } = {},
): Promise<StaffUser> {
  const k = t.db.kysely;
  const now = t.deps.clock().toISOString();
  let totpSecret: string | undefined;
  let stored: string | null = null;
  if (opts.totp) {
    totpSecret = new OTPAuth.Secret({ size: 20 }).base32;
    stored = new FieldCipher([{ id: 'k1', key: deriveKey(t.deps.config.secretKey, 'totp') }]).encrypt(totpSecret);
  }
  const r = await k
    .insertInto('users')
    .values({
      username,
      display_name: username,
      email: `${username}@example.test`,
      password_hash: await hashPassword(TEST_PASSWORD),
      failed_logins: 0,
      totp_enabled: opts.totp ? 1 : 0,
      totp_secret: stored,
      must_change_password: 0,
      active: 1,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const g of grants) {
    await k
      .insertInto('role_grants')
      .values({ user_id: r.id, organization_id: g.organizationId, role: g.role, created_at: now })
      .execute();
  }
  return { id: r.id, username, totpSecret };
}

/** A signed-in client for the user, through a session row (bypasses the sign-in form). */
export async function signedInClient(t: TestApp, user: StaffUser): Promise<TestClient> {
  const token = randomBytes(32).toString('base64url');
  const now = t.deps.clock().toISOString();
  await t.db.kysely
    .insertInto('sessions')
    .values({
      id: sessionIdOf(token),
      user_id: user.id,
      mfa_passed: 1,
      created_at: now,
      last_seen_at: now,
      ip: '127.0.0.1',
      user_agent: 'test',
    })
    .execute();
  const c = new TestClient(t.app);
  c.setCookie('gk_session', token);
  return c;
}

export function totpNow(secret: string, at: Date): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
    timestamp: at.getTime(),
  });
}
