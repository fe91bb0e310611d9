import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { SESSION_COOKIE } from '../auth/auth.middleware.js';
import { loadSession } from '../auth/auth.service.js';
import type { AppEnv, Deps } from '../context.js';
import { NotFoundError } from '../errors.js';
import {
  contentDisposition,
  downloadName,
  findStoredFile,
  isPubliclyReferenced,
  openFile,
  SHA256_PATTERN,
} from './files.service.js';

// GET /files/:sha256/:filename — the bytes of a stored file with the type detected at upload, never a
// type guessed from the URL. The public gets only files attached to published items; staff get any file
// (drafts' attachments, body images before publication). Anything else answers 404, so the existence
// of an unpublished file is not revealed. Range requests let a video player seek.

type Range = { start: number; end: number };

/**
 * The single byte range asked for: a range, 'unsatisfiable' (416), or null to send the whole file
 * (no Range header, another unit, or several ranges — allowed by RFC 9110, and simpler than multipart).
 */
export function parseRange(header: string | undefined, size: number): Range | 'unsatisfiable' | null {
  if (!header) return null;
  const h = header.trim();
  if (!/^bytes=/i.test(h)) return null;
  const spec = h.slice(6).trim();
  if (spec.includes(',')) return null;
  const m = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!m || (m[1] === '' && m[2] === '')) return 'unsatisfiable';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size) return 'unsatisfiable';
  if (m[2] === '') return { start, end: size - 1 };
  const last = Number(m[2]);
  if (last < start) return 'unsatisfiable';
  return { start, end: Math.min(last, size - 1) };
}

/** True when an If-None-Match header names this entity tag (weak comparison, as RFC 9110 asks for GET). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === etag;
  });
}

const INLINE = (mime: string) => mime.startsWith('image/') || mime.startsWith('video/') || mime === 'application/pdf';

/** The file route, mounted by the application at the root. */
export function fileRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Public pages do not load the session (only /console does); a staff member previewing a draft's
  // attachment from the console still carries the cookie, so it is read here, only when needed.
  const isStaff = async (c: Context<AppEnv>): Promise<boolean> => {
    if (c.get('principal')) return true;
    const token = getCookie(c, SESSION_COOKIE);
    if (!token) return false;
    const s = await loadSession(deps, token);
    return s !== null && s !== 'expired' && s.session.mfaPassed;
  };

  app.get('/files/:sha256/:filename', async (c) => {
    const sha256 = c.req.param('sha256');
    if (!SHA256_PATTERN.test(sha256)) throw new NotFoundError();
    const isPublic = await isPubliclyReferenced(deps.db, sha256);
    if (!isPublic && !(await isStaff(c))) throw new NotFoundError();
    const row = await findStoredFile(deps.db, sha256);
    const file = row ? await openFile(deps.config.dataDir, sha256) : null;
    if (!row || !file) throw new NotFoundError();

    const etag = `"${sha256}"`;
    const name = downloadName(c.req.param('filename'), row.ext);
    const headers: Record<string, string> = {
      'Content-Type': row.mime === 'text/vtt' ? 'text/vtt; charset=utf-8' : row.mime,
      'Content-Disposition': contentDisposition(INLINE(row.mime) ? 'inline' : 'attachment', name),
      'X-Content-Type-Options': 'nosniff',
      // The URL names the content, so a public file never changes; an unpublished one must not sit in a
      // shared cache, where it would outlive the staff member's session.
      'Cache-Control': isPublic ? 'public, max-age=31536000, immutable' : 'private, no-cache',
      ETag: etag,
      'Accept-Ranges': 'bytes',
    };
    if (matchesEtag(c.req.header('If-None-Match'), etag)) return c.body(null, 304, headers);

    const ifRange = c.req.header('If-Range');
    const range = ifRange && ifRange.trim() !== etag ? null : parseRange(c.req.header('Range'), file.size);
    if (range === 'unsatisfiable') {
      return c.body(null, 416, { ...headers, 'Content-Range': `bytes */${file.size}` });
    }
    const head = c.req.method === 'HEAD'; // no stream to open and leave unread
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${file.size}`;
      headers['Content-Length'] = String(range.end - range.start + 1);
      return head ? c.body(null, 206, headers) : c.body(file.stream(range), 206, headers);
    }
    headers['Content-Length'] = String(file.size);
    return head ? c.body(null, 200, headers) : c.body(file.stream(), 200, headers);
  });

  return app;
}
