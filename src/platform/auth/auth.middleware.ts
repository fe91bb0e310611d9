import type { MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv, Deps } from '../context.js';
import { type LoadedSession, loadSession } from './auth.service.js';
import { hasRole } from './permissions.js';

export const SESSION_COOKIE = 'gk_session';

export function setSessionCookie(c: Parameters<MiddlewareHandler<AppEnv>>[0], token: string, secure: boolean) {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Lax', secure, path: '/' });
}

export function clearSessionCookie(c: Parameters<MiddlewareHandler<AppEnv>>[0]) {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

const loaded = new WeakMap<Request, LoadedSession>();

/** The loaded session of this request (after staffGate), for account pages that need its flags. */
export function currentSession(c: Parameters<MiddlewareHandler<AppEnv>>[0]): LoadedSession | undefined {
  return loaded.get(c.req.raw);
}

const OPEN = new Set(['/console/sign-in']);
const MFA_STEP = new Set(['/console/sign-in/code', '/console/sign-out']);
const TOTP_SETUP = new Set(['/console/account/totp', '/console/sign-out']);
const PASSWORD_CHANGE = new Set(['/console/account/password', '/console/sign-out']);

/**
 * Guards every /console route: loads the session, sends the signed-out to sign-in, and holds a user at the
 * two-factor step, at a system administrator's required TOTP setup, or at a forced password change.
 */
export function staffGate(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('principal', null);
    c.set('session', null);
    const path = c.req.path.replace(/\/+$/, '') || '/';
    const token = getCookie(c, SESSION_COOKIE);
    const s = token ? await loadSession(deps, token) : null;
    if (s === 'expired' || (token && s === null)) clearSessionCookie(c);
    if (OPEN.has(path)) {
      if (s && s !== 'expired' && s.session.mfaPassed && c.req.method === 'GET') return c.redirect('/console', 303);
      return next();
    }
    if (!s || s === 'expired') {
      const nextUrl = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/console';
      const q = new URLSearchParams({ next: nextUrl });
      if (s === 'expired') q.set('expired', '1');
      return c.redirect(`/console/sign-in?${q}`, 303);
    }
    loaded.set(c.req.raw, s);
    c.set('session', s.session);
    if (!s.session.mfaPassed) {
      if (!MFA_STEP.has(path)) return c.redirect('/console/sign-in/code', 303);
      return next();
    }
    c.set('principal', s.principal);
    if (hasRole(s.principal, 'system_admin') && !s.totpEnabled && !TOTP_SETUP.has(path)) {
      return c.redirect('/console/account/totp?required=1', 303);
    }
    if (s.mustChangePassword && !PASSWORD_CHANGE.has(path) && !TOTP_SETUP.has(path)) {
      return c.redirect('/console/account/password?required=1', 303);
    }
    return next();
  };
}
