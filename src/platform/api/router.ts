import type { Context } from 'hono';
import { Hono } from 'hono';
import type { z } from 'zod';
import type { AppEnv, Deps } from '../context.js';
import { AppError, UnauthorizedError, ValidationError } from '../errors.js';
import { fieldErrors } from '../http/forms.js';
import { RateLimiter } from '../security/rate-limit.js';
import { httpDate, notModified, weakEtag } from './http.js';
import { type ApiOperationSpec, apiOperations, honoPath, pathPattern, registerOperation } from './registry.js';
import { type ApiCaller, authenticateToken, type TokenRefusal } from './tokens.service.js';

// ApiRouter mounts operations declared as in registry.ts: it authenticates bearer tokens and checks scopes,
// validates path parameters, query and JSON body with the operation's zod schemas (422 with `fields`),
// serializes the answer through the declared response schema (unknown keys are dropped, a wrong shape is
// a server error), answers conditional GETs with 304, and sets CORS on public GETs only.

type In<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface ApiContext<S extends ApiOperationSpec> {
  c: Context<AppEnv>;
  params: In<S['params']>;
  query: In<S['query']>;
  body: In<S['body']>;
  /** The token's caller on operations with scopes; null on public ones. */
  caller: S['scopes'] extends string[] ? ApiCaller : null;
}

export interface ApiReply {
  /** One of the statuses the operation declares (default: the first declared). */
  status?: number;
  body?: unknown;
  /** For conditional GETs: the last change of what the answer shows (ISO instant). */
  lastModified?: string | null;
  headers?: Record<string, string>;
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Last-Modified, X-Request-Id, Retry-After',
};

const REFUSALS: Record<TokenRefusal, string> = {
  unknown: 'API 令牌无效。',
  revoked: 'API 令牌已被撤销。',
  expired: 'API 令牌已过期，请在管理后台创建新的令牌。',
  user_inactive: '令牌所属的用户已停用。',
  organization_inactive: '令牌所属的机构已停用。',
};

const isPublicRead = (op: ApiOperationSpec) => op.method === 'get' && !op.scopes;

/** Answers a CORS preflight: allowed (GET, HEAD) only where the path has a public GET operation. */
function preflight(c: Context<AppEnv>) {
  const path = c.req.path;
  const open = apiOperations().some((op) => isPublicRead(op) && pathPattern(op.path).test(path));
  if (!open) return c.body(null, 204, { Allow: 'GET, HEAD, OPTIONS' });
  return c.body(null, 204, {
    ...CORS_HEADERS,
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'Accept, Accept-Language, If-None-Match, If-Modified-Since',
    'Access-Control-Max-Age': '86400',
    Allow: 'GET, HEAD, OPTIONS',
  });
}

async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!/^application\/([\w.+-]+\+)?json\b/.test(type))
    throw new AppError(415, 'unsupported_media_type', '请求体须为 JSON（Content-Type: application/json）。');
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(400, 'invalid_json', '请求体不是有效的 JSON。');
  }
}

function parseInput<T extends z.ZodType>(schema: T, data: unknown, message: string): z.output<T> {
  const r = schema.safeParse(data);
  if (!r.success) throw new ValidationError(fieldErrors(r.error), message);
  return r.data;
}

// Failed token presentations per client address, and writes per token, for each application: a guessed
// or leaked token cannot be tried or used without bound. (Token-authenticated writes are exempt from the
// stricter public-write limit in app.ts.)
const limiters = new WeakMap<object, { failures: RateLimiter; writes: RateLimiter }>();

/** Operations of one module, registered in the API registry and mounted on `app`. */
export class ApiRouter {
  readonly app = new Hono<AppEnv>();
  private readonly preflights = new Set<string>();
  private readonly limits: { failures: RateLimiter; writes: RateLimiter };

  constructor(private readonly deps: Deps) {
    let l = limiters.get(deps);
    if (!l) {
      l = { failures: new RateLimiter(30, 60_000), writes: new RateLimiter(300, 60_000) };
      limiters.set(deps, l);
    }
    this.limits = l;
  }

  private async authenticate(c: Context<AppEnv>, op: ApiOperationSpec): Promise<ApiCaller> {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const ip = c.get('clientIp') ?? '';
    c.header('WWW-Authenticate', 'Bearer realm="gongkai"');
    if (!m) {
      this.limits.failures.hit(`ip:${ip}`);
      throw new UnauthorizedError('缺少 API 令牌：请在 Authorization 头中以 Bearer 方式提供。');
    }
    const r = await authenticateToken(this.deps, m[1], ip);
    if ('refused' in r) {
      this.limits.failures.hit(`ip:${ip}`);
      throw new UnauthorizedError(REFUSALS[r.refused]);
    }
    const missing = (op.scopes ?? []).filter((s) => !r.scopes.includes(s));
    if (missing.length)
      throw new AppError(403, 'insufficient_scope', `API 令牌缺少权限范围：${missing.join('、')}。`, { missing });
    if (op.method !== 'get') this.limits.writes.hit(`token:${r.tokenId}`);
    return r;
  }

  /** Declares an operation and mounts its handler. */
  add<const S extends ApiOperationSpec>(spec: S, handler: (ctx: ApiContext<S>) => Promise<ApiReply>): this {
    registerOperation(spec);
    const statuses = Object.keys(spec.responses)
      .map(Number)
      .sort((a, b) => a - b);
    const route = honoPath(spec.path);
    if (!this.preflights.has(route)) {
      this.preflights.add(route);
      this.app.options(route, (c) => preflight(c));
    }
    this.app.on(spec.method.toUpperCase(), route, async (c) => {
      const publicRead = isPublicRead(spec);
      if (publicRead) for (const [k, v] of Object.entries(CORS_HEADERS)) c.header(k, v);
      const caller = spec.scopes ? await this.authenticate(c, spec) : null;
      const params = spec.params ? parseInput(spec.params, c.req.param(), '路径参数有误。') : undefined;
      const query = spec.query ? parseInput(spec.query, c.req.query(), '查询参数有误。') : undefined;
      const body = spec.body ? parseInput(spec.body, await jsonBody(c), '提交的内容有误。') : undefined;
      const reply = await handler({ c, params, query, body, caller } as ApiContext<S>);
      const status = reply.status ?? statuses[0];
      const declared = spec.responses[status];
      if (!declared) throw new Error(`${spec.operationId} answered undeclared status ${status}`);
      const headers: Record<string, string> = { ...reply.headers };
      let text: string | null = null;
      if (declared.schema) {
        const out = declared.schema.safeParse(reply.body);
        if (!out.success)
          throw new Error(`${spec.operationId}: answer does not match its schema: ${out.error.message.slice(0, 500)}`);
        text = JSON.stringify(out.data);
        headers['Content-Type'] = 'application/json; charset=UTF-8';
      }
      if (spec.method === 'get' && spec.conditional && text !== null) {
        const etag = weakEtag(text);
        headers.ETag = etag;
        const lastModified = spec.conditional === 'etag' ? null : (reply.lastModified ?? null);
        if (lastModified) headers['Last-Modified'] = httpDate(lastModified);
        headers['Cache-Control'] = publicRead ? 'public, no-cache' : 'private, no-cache';
        const cond = { ifNoneMatch: c.req.header('if-none-match'), ifModifiedSince: c.req.header('if-modified-since') };
        if (notModified(cond, etag, lastModified)) {
          delete headers['Content-Type'];
          return c.body(null, 304, headers);
        }
      } else if (!headers['Cache-Control']) headers['Cache-Control'] = 'no-store';
      return text === null ? c.body(null, status as 204, headers) : c.body(text, status as 200, headers);
    });
    return this;
  }
}
