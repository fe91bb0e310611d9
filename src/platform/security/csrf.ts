import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../context.js';
import { CsrfError } from '../errors.js';
import { hmac, safeEqual } from './crypto.js';

// Signed double-submit tokens: a random cookie, and in each form the HMAC of it under the server's key.
// A page on another site can neither read the cookie nor compute the token. Works for signed-out visitors
// (public forms) as well as staff.
const COOKIE = 'gk_csrf';

/** The token to put in a form's `_csrf` field; sets the cookie on first use. */
export function csrfToken(c: Context<AppEnv>, key: Buffer, secure: boolean): string {
  let v = getCookie(c, COOKIE);
  if (!v || v.length < 20) {
    v = randomBytes(24).toString('base64url');
    setCookie(c, COOKIE, v, { httpOnly: true, sameSite: 'Lax', secure, path: '/' });
  }
  return hmac(key, v);
}

/**
 * Paths a form on another site may legitimately POST to. Mail clients send the one-click unsubscribe of
 * RFC 8058 without any cookie; the link's own HMAC token is what authorizes it.
 */
const EXEMPT = new Set(['/subscriptions/one-click']);

/** Rejects every state-changing request outside /api/ (and EXEMPT) that lacks a valid token. */
export function csrfProtection(key: Buffer, secure: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const m = c.req.method;
    let token: string | undefined;
    c.set('csrf', () => {
      token ??= csrfToken(c, key, secure);
      return token;
    });
    if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || c.req.path.startsWith('/api/') || EXEMPT.has(c.req.path))
      return next();
    const cookie = getCookie(c, COOKIE);
    let sent = c.req.header('x-csrf-token');
    if (!sent) {
      const ct = c.req.header('content-type') ?? '';
      if (ct.startsWith('application/x-www-form-urlencoded') || ct.startsWith('multipart/form-data')) {
        const body = await c.req.parseBody({ all: true });
        const f = body._csrf;
        sent = typeof f === 'string' ? f : undefined;
      }
    }
    if (!cookie || !sent || !safeEqual(sent, hmac(key, cookie))) throw new CsrfError();
    return next();
  };
}
