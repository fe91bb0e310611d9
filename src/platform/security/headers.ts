import type { MiddlewareHandler } from 'hono';

// No inline script anywhere: scripts come only from /static. Inline SVG (QR codes) needs no exception.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

const COMMON: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', CSP],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['Referrer-Policy', 'strict-origin-when-cross-origin'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=()'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
];
const HSTS = ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as const;

/** The security headers every response carries, computed once: the middleware and the page cache's
 * direct writes (platform/http/page-cache.ts) both send exactly this list. */
export function securityHeaderList(opts: { https: boolean }): readonly (readonly [string, string])[] {
  return opts.https ? [...COMMON, HSTS] : COMMON;
}

/** Sets the security headers on every response. */
export function securityHeaders(opts: { https: boolean }): MiddlewareHandler {
  const list = securityHeaderList(opts);
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [name, value] of list) h.set(name, value);
  };
}
