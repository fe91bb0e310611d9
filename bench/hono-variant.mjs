// A Hono app rebuilt from gongkai's request path one piece at a time, for bench/ablation.ts: each piece copies
// what src/app.ts (and src/platform/http/portal.tsx's page cache) does on a cached GET, so switching pieces on
// and off shows what each costs, and what a proposed change would save.
//
// Usage: node bench/hono-variant.mjs SPEC.json PIECES   (PIECES: comma-separated, see below; "" for none)
// Prints "listening PORT" on stderr: stdout is the log, as in gongkai, and the bench points it at a file.
//   bodylimit       hono/body-limit on every request, as src/app.ts does (reads c.req.raw.body, even on a GET)
//   bodylimit-fast  the same limit, skipped for GET/HEAD/OPTIONS (no body to limit)
//   reqid           src/app.ts's first middleware: request id, cookie, client address; X-Request-Id set with
//                   c.header() after next()
//   reqid-fast      the same, but X-Request-Id set with c.res.headers.set() after next()
//   log             the pino request line of src/app.ts (same options, same default destination: stdout)
//   log-plain       the same line from a pino logger without the redaction list
//   sec             src/platform/security/headers.ts: security headers set after next()
//   als             an AsyncLocalStorage used once at start-up, as hono/jsx does on gongkai's first page render:
//                   from then on Node 20 runs async-hooks callbacks for every promise
//   csrf            src/app.ts's CSRF and rate-limit middleware on a GET (a closure in c.set, method checks)
// The route always answers like cachedPage on a hit: Map lookup, then c.body(html, 200, headers).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import pino from 'pino';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const pieces = new Set((process.argv[3] ?? '').split(',').filter(Boolean));
const html = fs.readFileSync(spec.bodyFile, 'utf8');
// With the `sec` piece the middleware adds the security headers, as gongkai does; without it the route sends
// them, as hono-min does.
const securityHeaderNames = new Set([
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'permissions-policy',
  'cross-origin-opener-policy',
  'strict-transport-security',
]);
const pageHeaders = Object.fromEntries(
  Object.entries(spec.headers).filter(([k]) => !pieces.has('sec') || !securityHeaderNames.has(k)),
);

// `log-plain`: the same line from a logger without the redaction list (the request line has none of its keys).
const logger = pieces.has('log-plain')
  ? pino({ level: 'info', base: undefined })
  : pino({
      level: 'info',
      base: undefined,
      redact: {
        paths: [
          'password',
          '*.password',
          'token',
          '*.token',
          'secret',
          '*.secret',
          'headers.cookie',
          'headers.authorization',
          '*.id_number',
          'id_number',
          'req.headers.cookie',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    });

if (pieces.has('als')) new AsyncLocalStorage().run(new Map(), () => {});

const app = new Hono();
if (pieces.has('reqid') || pieces.has('reqid-fast')) {
  const fast = pieces.has('reqid-fast');
  const log = pieces.has('log') || pieces.has('log-plain');
  app.use('*', async (c, next) => {
    const start = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('principal', null);
    c.set('session', null);
    c.set('elderly', getCookie(c, 'gk_elderly') === '1');
    let ip = '';
    try {
      ip = getConnInfo(c).remote.address ?? '';
    } catch {
      ip = '';
    }
    c.set('clientIp', ip);
    await next();
    if (fast) c.res.headers.set('X-Request-Id', requestId);
    else c.header('X-Request-Id', requestId);
    if (log)
      logger.info(
        {
          reqId: requestId,
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round(performance.now() - start),
        },
        'request',
      );
  });
}
if (pieces.has('sec')) {
  const CSP = spec.headers['content-security-policy'] ?? "default-src 'self'";
  app.use('*', async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('Content-Security-Policy', CSP);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('X-Frame-Options', 'SAMEORIGIN');
    h.set('Referrer-Policy', 'strict-origin-when-cross-origin');
    h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
  });
}
if (pieces.has('bodylimit') || pieces.has('bodylimit-fast')) {
  const limit = bodyLimit({ maxSize: 1024 * 1024 });
  const fast = pieces.has('bodylimit-fast');
  app.use('*', (c, next) => {
    const m = c.req.method;
    if (fast && (m === 'GET' || m === 'HEAD' || m === 'OPTIONS')) return next();
    return limit(c, next);
  });
}

if (pieces.has('csrf')) {
  app.use('*', async (c, next) => {
    const m = c.req.method;
    let token;
    c.set('csrf', () => {
      token ??= 'token';
      return token;
    });
    if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || c.req.path.startsWith('/api/')) return next();
    throw new Error('not in this benchmark');
  });
  app.use('*', async (c, next) => {
    const m = c.req.method;
    if (m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS' && !c.req.path.startsWith('/console')) throw new Error('no');
    await next();
  });
}

const cache = new Map();
app.get('*', (c) => {
  const key = `${c.get('elderly') ? 'e' : 'n'}|${c.req.url}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = { at: Date.now(), body: html, status: 200 };
    cache.set(key, hit);
  }
  return c.body(hit.body, hit.status, pageHeaders);
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stderr.write(`listening ${info.port}\n`);
});
server.keepAliveTimeout = 5000;
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
