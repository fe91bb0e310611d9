import type { Context, Handler, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import type { Actor } from '../audit/audit.service.js';
import { can, type Permission } from '../auth/permissions.js';
import type { AppEnv } from '../context.js';
import { ForbiddenError } from '../errors.js';
import { ConsoleLayout, type SiteInfo } from '../render/layouts.js';

// Console routes are registered through StaffRouter so each names its permission, and the registry below
// lists every staff route for the permission-matrix test.

export interface StaffRouteSpec {
  method: 'GET' | 'POST';
  path: string;
  permission: Permission;
}

export const STAFF_ROUTES: StaffRouteSpec[] = [];

function register(spec: StaffRouteSpec) {
  if (!STAFF_ROUTES.some((r) => r.method === spec.method && r.path === spec.path)) STAFF_ROUTES.push(spec);
}

/** Rejects the request with 403 unless the signed-in principal holds the permission somewhere. */
export function requirePermission(perm: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!can(c.get('principal'), perm)) throw new ForbiddenError();
    await next();
  };
}

export class StaffRouter {
  readonly app = new Hono<AppEnv>();

  get(path: string, permission: Permission, handler: Handler<AppEnv>): this {
    register({ method: 'GET', path, permission });
    this.app.get(path, requirePermission(permission), handler);
    return this;
  }

  post(path: string, permission: Permission, handler: Handler<AppEnv>): this {
    register({ method: 'POST', path, permission });
    this.app.post(path, requirePermission(permission), handler);
    return this;
  }
}

const FLASH = 'gk_flash';

/** Redirects after a successful POST, carrying a one-time message to the next page. */
export function redirectWithFlash(c: Context<AppEnv>, location: string, message: string) {
  setCookie(c, FLASH, encodeURIComponent(message), { httpOnly: true, sameSite: 'Lax', path: '/console', maxAge: 60 });
  return c.redirect(location, 303);
}

function takeFlash(c: Context<AppEnv>): string | null {
  const v = getCookie(c, FLASH);
  if (!v) return null;
  deleteCookie(c, FLASH, { path: '/console' });
  try {
    return decodeURIComponent(v);
  } catch {
    return null;
  }
}

/** Renders a console page in the console layout; `status` 422 for a form with errors. */
export function consolePage(
  c: Context<AppEnv>,
  site: SiteInfo,
  title: string,
  children: Child,
  status: 200 | 422 | 403 | 404 = 200,
) {
  c.header('Cache-Control', 'no-store');
  return c.html(
    <ConsoleLayout
      title={title}
      site={site}
      principal={c.get('principal')}
      csrf={c.get('csrf')()}
      path={c.req.path}
      flash={takeFlash(c)}
    >
      {children}
    </ConsoleLayout>,
    status,
  );
}

/** The audit actor of this request: the signed-in principal (or anonymous) and the client address. */
export function actorOf(c: Context<AppEnv>): Actor {
  const p = c.get('principal');
  return { userId: p?.userId ?? null, name: p?.displayName ?? 'anonymous', ip: c.get('clientIp') ?? '' };
}
