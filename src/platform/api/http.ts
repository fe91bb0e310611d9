import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../errors.js';

// Small HTTP pieces of the JSON API: the error body, entity tags and conditional requests, opaque cursors.

/** The body of every API error, rendered by platform/http/errors.tsx. */
export const apiErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('稳定的错误代码，如 not_found、validation_failed、unauthorized'),
      message: z.string().describe('中文说明'),
      fields: z.record(z.string(), z.string()).optional().describe('校验失败时：字段名 → 错误说明'),
      details: z.unknown().optional(),
      request_id: z.string().optional().describe('服务器错误时的请求编号'),
    }),
  })
  .meta({ id: 'Error', description: '错误响应' });

/** A weak entity tag for a serialized body: equal bytes, equal tag. */
export function weakEtag(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** True when an If-None-Match header names the tag (weak comparison, as RFC 9110 asks for GET and HEAD). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === bare;
  });
}

/** An ISO instant as an HTTP date (whole seconds). */
export function httpDate(isoOrDate: string | Date): string {
  return new Date(isoOrDate).toUTCString();
}

/**
 * Whether a conditional GET may answer 304: If-None-Match decides when present (RFC 9110 §13.2.2);
 * otherwise If-Modified-Since against the last modification, compared in whole seconds.
 */
export function notModified(
  req: { ifNoneMatch?: string; ifModifiedSince?: string },
  etag: string,
  lastModified: string | null,
): boolean {
  if (req.ifNoneMatch) return etagMatches(req.ifNoneMatch, etag);
  if (req.ifModifiedSince && lastModified) {
    const since = Date.parse(req.ifModifiedSince);
    if (Number.isNaN(since)) return false;
    return Math.floor(Date.parse(lastModified) / 1000) * 1000 <= since;
  }
  return false;
}

/** The latest of some ISO instants (nulls ignored), or null. */
export function latest(...values: (string | null | undefined)[]): string | null {
  let out: string | null = null;
  for (const v of values) if (v && (out === null || v > out)) out = v;
  return out;
}

/** An opaque cursor: base64url of a JSON array of the sort key of the last row sent. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The sort key inside a cursor, checked against the expected shape; a cursor that was not made by
 * encodeCursor answers 422 on the `cursor` field.
 */
export function decodeCursor<T extends readonly (string | number)[]>(cursor: string, shape: z.ZodType<T>): T {
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw new ValidationError({ cursor: '分页游标无效，请使用上一页响应中的 next_cursor。' }, '请求参数有误。');
}
