import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono as HonoT } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { isReachable } from './db/database.js';
import { dashboardRoutes } from './modules/console/dashboard.routes.js';
import { organizationRoutes } from './modules/organizations/organizations.routes.js';
import { portalRoutes } from './modules/portal/portal.routes.js';
import { moduleRoutes, registerModules } from './modules/register.js';
import { userRoutes } from './modules/users/users.routes.js';
import { isTokenOperation } from './platform/api/registry.js';
import { auditRoutes } from './platform/audit/audit.routes.js';
import { staffGate } from './platform/auth/auth.middleware.js';
import { authRoutes } from './platform/auth/auth.routes.js';
import type { AppEnv, Deps } from './platform/context.js';
import { NotFoundError, PayloadTooLargeError } from './platform/errors.js';
import { accessLogged } from './platform/http/access-log.js';
import { renderError } from './platform/http/errors.js';
import { clearPageCache, elderlyFromCookie } from './platform/http/page-cache.js';
import { deriveKey } from './platform/security/crypto.js';
import { csrfProtection } from './platform/security/csrf.js';
import { securityHeaders } from './platform/security/headers.js';
import { RateLimiter } from './platform/security/rate-limit.js';

export interface AppExtras {
  /** Extra route groups mounted after the platform's (feature modules, console pages of jobs and mail). */
  routes?: HonoT<AppEnv>[];
}

/** Builds the HTTP application: platform middleware first, then each module's routes. */
export function createApp(deps: Deps, extras: AppExtras = {}) {
  const app = new Hono<AppEnv>();
  clearPageCache(); // pages cached for another app instance (tests build several in one process)
  const https = deps.config.publicBaseUrl.startsWith('https:');

  app.use('*', async (c, next) => {
    const start = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('principal', null);
    c.set('session', null);
    // Read from the raw request where the Node adapter gives it: building a web Headers object (as
    // getCookie does) costs more than the rest of a cached page view.
    const incoming = (c.env as { incoming?: { headers: Record<string, string | string[] | undefined> } } | undefined)
      ?.incoming;
    c.set(
      'elderly',
      incoming ? elderlyFromCookie(incoming.headers.cookie as string | undefined) : getCookie(c, 'gk_elderly') === '1',
    );
    let ip = '';
    if (deps.config.trustProxy) ip = (c.req.header('x-forwarded-for') ?? '').split(',')[0].trim();
    if (!ip) {
      try {
        ip = getConnInfo(c).remote.address ?? '';
      } catch {
        ip = '';
      }
    }
    c.set('clientIp', ip);
    await next();
    // After next(), headers go on the finished response: c.header() would rebuild it (and turn a cached
    // page's string body into a stream).
    c.res.headers.set('X-Request-Id', requestId);
    const ms = performance.now() - start;
    // The path only: query strings may carry search terms or tracking codes.
    if (accessLogged(deps.config.accessLog, c.req.method, c.res.status, ms))
      deps.logger.info(
        { reqId: requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms) },
        'request',
      );
  });
  app.use('*', securityHeaders({ https }));
  // Uploads (paths ending in /attachments or /uploads) may carry files up to the attachment limit plus
  // the form around them; everything else is held to the general body limit.
  const overLimit = () => {
    throw new PayloadTooLargeError();
  };
  const smallBodies = bodyLimit({ maxSize: deps.config.bodyLimitBytes, onError: overLimit });
  const uploads = bodyLimit({ maxSize: deps.config.attachmentMaxBytes + 1024 * 1024, onError: overLimit });
  app.use('*', (c, next) => {
    // Bodyless methods skip the check: reading the body would make the adapter build a full web Request.
    const m = c.req.method;
    if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return next();
    return /\/(attachments|uploads)$/.test(c.req.path) ? uploads(c, next) : smallBodies(c, next);
  });
  app.use(
    '/static/*',
    serveStatic({
      root: './',
      onFound: (_p, c) => {
        c.header('Cache-Control', 'public, max-age=3600');
      },
    }),
  );
  app.use('*', csrfProtection(deriveKey(deps.config.secretKey, 'csrf'), https));
  // Public submissions (forms and API writes outside the console) are limited per client address. API
  // operations that require a staff token are limited per token instead, and failed tokens per address
  // (platform/api/router.ts), so an integrator's system is not held to a citizen's pace.
  const publicWrites = new RateLimiter(30, 60_000);
  app.use('*', async (c, next) => {
    const m = c.req.method;
    if (
      m !== 'GET' &&
      m !== 'HEAD' &&
      m !== 'OPTIONS' &&
      !c.req.path.startsWith('/console') &&
      !isTokenOperation(m, c.req.path)
    )
      publicWrites.hit(c.get('clientIp'));
    await next();
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const ok = await isReachable(deps.db);
    return c.json({ status: ok ? 'ok' : 'unavailable', database: deps.db.engine }, ok ? 200 : 503);
  });

  app.get('/elderly-mode', (c) => {
    const on = c.req.query('on') === '1';
    const back = c.req.query('back') ?? '/';
    setCookie(c, 'gk_elderly', on ? '1' : '0', {
      path: '/',
      sameSite: 'Lax',
      maxAge: 365 * 86400,
      httpOnly: true,
      secure: https,
    });
    return c.redirect(/^\/(?!\/)/.test(back) ? back : '/', 303);
  });

  app.use('/console/*', staffGate(deps));
  app.use('/console', staffGate(deps));
  app.route('/', authRoutes(deps));
  app.route('/', dashboardRoutes(deps));
  app.route('/', organizationRoutes(deps));
  app.route('/', userRoutes(deps));
  app.route('/', auditRoutes(deps));
  app.route('/', portalRoutes(deps));
  registerModules();
  for (const r of moduleRoutes(deps)) app.route('/', r);
  for (const r of extras.routes ?? []) app.route('/', r);

  app.notFound((c) => renderError(c, deps, new NotFoundError()));
  app.onError((err, c) => renderError(c, deps, err));
  return app;
}
