import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from '../context.js';
import { type AccessLogPolicy, accessLogged } from './access-log.js';

// Rendered public pages kept for a few seconds: the portal's busiest pages (homes, item pages) are read far
// more often than anything on them changes. Writes in this process clear it at once; other servers see
// changes within the TTL. Only pages that are the same for every visitor go here (public portal pages: no
// principal, no CSRF token, no cookie set), keyed by the elderly-mode cookie and the request's path and query.
interface Entry {
  at: number;
  status: number;
  body: string;
  bytes: Buffer;
  /** The response's header list for a direct write (without X-Request-Id), built on the first direct hit. */
  head?: string[];
}
const pageCache = new Map<string, Entry>();
// Renders in progress: requests arriving while a page renders wait for that render instead of starting
// their own (on PostgreSQL they would otherwise all render at once when the entry expires).
const inflight = new Map<string, Promise<{ body: string; status: number }>>();
const PAGE_TTL_MS = 5000;
const MAX_ENTRIES = 2000;

// Pages differ by the elderly-mode cookie, so browsers and proxies must revalidate rather than reuse a copy
// rendered for the other mode; the server-side cache carries the load.
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=UTF-8',
  'Cache-Control': 'private, no-cache',
  Vary: 'Cookie',
} as const;

export function clearPageCache() {
  pageCache.clear();
}

const ELDERLY = /(?:^|;\s*)gk_elderly=1(?:;|$)/;
/** Whether the raw Cookie header turns elderly mode (适老化) on. */
export function elderlyFromCookie(cookie: string | undefined): boolean {
  return typeof cookie === 'string' && ELDERLY.test(cookie);
}

const keyOf = (elderly: boolean, url: string) => `${elderly ? 'e' : 'n'}|${url}`;

/** Serves a public page from the short-lived cache, rendering it on a miss. */
export async function cachedPage(c: Context<AppEnv>, render: () => Promise<Response>): Promise<Response> {
  // The raw request target when the Node adapter gives it, so that pageCacheListener finds the entry by the
  // same string; otherwise (app.request in tests) the path and query of the parsed URL.
  const raw = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.url;
  let target = raw;
  if (target === undefined) {
    const u = new URL(c.req.url);
    target = u.pathname + u.search;
  }
  const key = keyOf(c.get('elderly'), target);
  const hit = pageCache.get(key);
  if (hit && Date.now() - hit.at < PAGE_TTL_MS) return c.body(hit.body, hit.status as 200, PAGE_HEADERS);
  let pending = inflight.get(key);
  if (!pending) {
    pending = (async () => {
      const res = await render();
      return { body: await res.text(), status: res.status };
    })();
    inflight.set(key, pending);
    try {
      const done = await pending;
      if (done.status === 200) {
        if (pageCache.size >= MAX_ENTRIES) pageCache.clear();
        pageCache.set(key, { at: Date.now(), status: done.status, body: done.body, bytes: Buffer.from(done.body) });
      }
    } finally {
      inflight.delete(key);
    }
  }
  const { body, status } = await pending;
  return c.body(body, status as 200, PAGE_HEADERS);
}

export interface PageCacheListenerOptions {
  /** The headers every response carries (security headers), as the app's middleware sets them. */
  securityHeaders: readonly (readonly [string, string])[];
  logger: Pick<Logger, 'info'>;
  accessLog: AccessLogPolicy;
}

/**
 * Wraps the HTTP server's request listener: a GET for a page in the cache is answered directly — the stored
 * bytes and a prebuilt header list written with one writeHead/end, the same headers the app would send
 * (page headers, security headers, X-Request-Id), without building web Request/Response objects or running
 * the middleware chain. Everything else (misses, expired entries, other methods) goes to `next`, the app.
 * Nothing on this path is per-visitor: the entry was rendered by the app for any visitor with the same
 * elderly-mode cookie, and a GET needs no CSRF check.
 */
export function pageCacheListener(next: RequestListener, opts: PageCacheListenerOptions): RequestListener {
  const base: string[] = [];
  for (const [k, v] of Object.entries(PAGE_HEADERS)) base.push(k, v);
  for (const [k, v] of opts.securityHeaders) base.push(k, v);
  const { logger, accessLog } = opts;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && pageCache.size > 0) {
      const url = req.url ?? '';
      const hit = pageCache.get(keyOf(elderlyFromCookie(req.headers.cookie), url));
      if (hit !== undefined) {
        if (Date.now() - hit.at < PAGE_TTL_MS) {
          const start = performance.now();
          if (hit.head === undefined) hit.head = [...base, 'Content-Length', String(hit.bytes.length)];
          const requestId = randomUUID();
          const head = hit.head.slice();
          head.push('X-Request-Id', requestId);
          res.writeHead(hit.status, head);
          res.end(hit.bytes);
          const ms = performance.now() - start;
          if (accessLogged(accessLog, 'GET', hit.status, ms)) {
            const q = url.indexOf('?');
            logger.info(
              {
                reqId: requestId,
                method: 'GET',
                path: q < 0 ? url : url.slice(0, q),
                status: hit.status,
                ms: Math.round(ms),
              },
              'request',
            );
          }
          return;
        }
      }
    }
    next(req, res);
  };
}
