import type { z } from 'zod';

// The API's operations, declared once: each names its method, path, summary, the zod schemas of its path
// parameters, query and body, and the zod schemas of its answers. ApiRouter (router.ts) validates and
// serializes with these schemas, and openapi.ts turns the same declarations into the OpenAPI 3.1 document,
// so what is documented is what is checked. Feature modules add their operations the same way.

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiResponseSpec {
  description: string;
  /** The JSON body; omitted for bodiless answers. */
  schema?: z.ZodType;
}

// biome-ignore lint/suspicious/noExplicitAny: any object shape may be declared
export type AnyObject = z.ZodObject<any>;

export interface ApiOperationSpec {
  method: HttpMethod;
  /** OpenAPI-style path with {name} parameters, e.g. /api/v1/documents/{id}. */
  path: string;
  /** Unique across the API (used in the document and by client generators). */
  operationId: string;
  /** Short, Chinese is fine. */
  summary: string;
  description?: string;
  tags: string[];
  params?: AnyObject;
  query?: AnyObject;
  /** JSON request body. */
  body?: z.ZodType;
  /** Success answers by status (200, 201, …). Error answers are added from what the operation declares. */
  responses: Record<number, ApiResponseSpec>;
  /**
   * Bearer-token operations: the scopes the token must hold (all of them). Absent: a public operation,
   * open to anyone and, for GET, to other origins (CORS).
   */
  scopes?: string[];
  /**
   * GET answers carry ETag and Last-Modified and answer 304 to a matching conditional request (If-None-Match,
   * If-Modified-Since). `'etag'`: the ETag alone, for answers with no one time of last change to tell (a
   * search, a page of a list ranked by more than date): If-None-Match only.
   */
  conditional?: boolean | 'etag';
  /** Further error statuses the operation can answer (e.g. 409); 401/403/404/422/429 are inferred. */
  errors?: number[];
}

/** The scopes a token may be given, with their Chinese labels (modules register theirs). */
export const API_SCOPES = new Map<string, string>();

/** Adds a token scope (idempotent). */
export function registerScope(name: string, label: string) {
  if (!/^[a-z_]+:[a-z_]+$/.test(name)) throw new Error(`bad scope name ${name}`);
  API_SCOPES.set(name, label);
}

const operations: ApiOperationSpec[] = [];

/**
 * Adds an operation to the API registry (idempotent by method + path, so building the app twice in one
 * process — tests do — registers it once). Two different operations on one method + path, or one
 * operationId used twice, are programming errors and throw.
 */
export function registerOperation(spec: ApiOperationSpec): void {
  const same = operations.find((o) => o.method === spec.method && o.path === spec.path);
  if (same) {
    if (same.operationId !== spec.operationId)
      throw new Error(`${spec.method.toUpperCase()} ${spec.path} is already registered as ${same.operationId}`);
    return;
  }
  if (operations.some((o) => o.operationId === spec.operationId))
    throw new Error(`operationId ${spec.operationId} is already used`);
  operations.push(spec);
}

/** Every registered operation, in registration order. */
export function apiOperations(): readonly ApiOperationSpec[] {
  return operations;
}

/** The regular expression matching concrete paths of an OpenAPI path template. */
export function pathPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, '[^/]+')}/?$`);
}

/** The Hono route path of an OpenAPI path template: /a/{id} → /a/:id. */
export const honoPath = (template: string) => template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');

/** True when the method and concrete path are those of an operation that requires a bearer token. */
export function isTokenOperation(method: string, path: string): boolean {
  if (!path.startsWith('/api/')) return false;
  const m = method.toLowerCase();
  return operations.some((o) => o.scopes && o.method === m && pathPattern(o.path).test(path));
}
