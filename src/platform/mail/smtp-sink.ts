import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

// A local SMTP server that accepts every message and keeps it in memory: for development
// (`gongkai mail-sink`) and for tests. It speaks plain SMTP on 127.0.0.1 only, without AUTH or TLS.
// The parser below is deliberately small: it reads what nodemailer writes (headers with RFC 2047
// encoded words; single-part or multipart bodies in quoted-printable, base64, 7bit or 8bit), which is
// all this project sends. It is not a general MIME parser.

export interface SinkMessage {
  /** The decoded From header, e.g. `gongkai <noreply@localhost>`. */
  from: string;
  /** The envelope recipients (RCPT TO), in order. */
  to: string[];
  /** The decoded Subject header. */
  subject: string;
  /** The text/plain body, decoded, with LF line endings; '' when there is none. */
  text: string;
  /** The text/html body, decoded, with LF line endings; null when there is none. */
  html: string | null;
  /** Every header, names in lower case, values decoded (the first of repeated headers). */
  headers: Record<string, string>;
  /** The message as received. */
  raw: string;
}

export interface SmtpSinkOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** Called for each message received, after it is stored. */
  onMessage?: (m: SinkMessage) => void;
  /** Reject a recipient with a permanent 550 when this returns a reason; to test bounced mail. */
  rejectRecipient?: (address: string) => string | null | undefined;
}

export interface SmtpSink {
  port: number;
  url: string;
  messages: SinkMessage[];
  /** Resolves with the first message (already received or arriving) that matches; rejects after the timeout. */
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  close(): Promise<void>;
}

/** Starts the sink on 127.0.0.1; resolves once it is listening. */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters = new Set<(m: SinkMessage) => void>();

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    // A reverse DNS lookup of 127.0.0.1 can take a second on machines without a resolver.
    disableReverseLookup: true,
    // Do not hold close() for 30 s when a client is still connected.
    closeTimeout: 500,
    size: 25 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const reason = opts.rejectRecipient?.(address.address);
      if (reason) {
        callback(Object.assign(new Error(reason), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        let m: SinkMessage;
        try {
          m = parseMessage(
            raw,
            session.envelope.rcptTo.map((r) => r.address),
          );
        } catch (err) {
          callback(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        messages.push(m);
        opts.onMessage?.(m);
        for (const w of [...waiters]) w(m);
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Errors on single connections (a client hanging up) must not crash the process.
  server.on('error', () => {});
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(predicate, timeoutMs = 5000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<SinkMessage>((resolve, reject) => {
        const waiter = (m: SinkMessage) => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching message arrived at the SMTP sink within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- A small MIME reader -------------------------------------------------------------------------
// Structure is parsed on a latin1 ("binary") string, one character per byte, so byte offsets survive;
// text is decoded from bytes with the declared charset only at the end.

interface Entity {
  headers: Record<string, string>; // raw (still encoded) values
  body: string; // latin1
}

/** Parses one message as nodemailer writes it; exported for tests of the parser itself. */
export function parseMessage(raw: Buffer, envelopeTo: string[] = []): SinkMessage {
  // The SMTP client ends the data with a line break before the terminating dot; it is not content.
  const top = splitEntity(raw.toString('latin1').replace(/\r?\n$/, ''));
  const parts = { text: null as string | null, html: null as string | null };
  collectBodies(top, parts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(top.headers)) headers[k] = decodeHeader(v);
  return {
    from: headers.from ?? '',
    to:
      envelopeTo.length > 0
        ? envelopeTo
        : (headers.to ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    subject: headers.subject ?? '',
    text: parts.text ?? '',
    html: parts.html,
    headers,
    raw: raw.toString('utf8'),
  };
}

function splitEntity(s: string): Entity {
  const m = /\r?\n\r?\n/.exec(s);
  const head = m ? s.slice(0, m.index) : s;
  const body = m ? s.slice(m.index + m[0].length) : '';
  const headers: Record<string, string> = {};
  // Unfold: a line break followed by white space continues the previous header.
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!(name in headers)) headers[name] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

interface ContentType {
  type: string;
  params: Record<string, string>;
}

function parseContentType(value: string | undefined): ContentType {
  if (!value) return { type: 'text/plain', params: { charset: 'us-ascii' } };
  const [type, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    let v = p.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, i).trim().toLowerCase()] = v;
  }
  return { type: type.trim().toLowerCase(), params };
}

function collectBodies(e: Entity, out: { text: string | null; html: string | null }) {
  const ct = parseContentType(e.headers['content-type']);
  if (ct.type.startsWith('multipart/') && ct.params.boundary) {
    for (const part of splitMultipart(e.body, ct.params.boundary)) collectBodies(splitEntity(part), out);
    return;
  }
  if (/^attachment/i.test(e.headers['content-disposition'] ?? '')) return;
  const decode = () =>
    decodeText(decodeTransfer(e.body, e.headers['content-transfer-encoding']), ct.params.charset).replace(
      /\r\n/g,
      '\n',
    );
  if (ct.type === 'text/plain' && out.text === null) out.text = decode();
  else if (ct.type === 'text/html' && out.html === null) out.html = decode();
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = [];
  const delimiter = `--${boundary}`;
  const lines = body.split(/\r?\n/);
  let current: string[] | null = null;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) parts.push(current.join('\r\n'));
      current = trimmed === delimiter ? [] : null;
      if (trimmed !== delimiter) break;
      continue;
    }
    current?.push(line);
  }
  return parts;
}

function decodeTransfer(body: string, encoding: string | undefined): Buffer {
  switch ((encoding ?? '7bit').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return Buffer.from(decodeQuotedPrintable(body), 'latin1');
    default:
      return Buffer.from(body, 'latin1');
  }
}

function decodeQuotedPrintable(s: string): string {
  return s
    .replace(/[ \t]+(?=\r?\n)/g, '') // trailing white space is padding added in transport
    .replace(/=\r?\n/g, '') // soft line breaks
    .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function decodeText(bytes: Buffer, charset: string | undefined): string {
  const label = (charset ?? 'utf-8').toLowerCase();
  try {
    // us-ascii is a subset of UTF-8; TextDecoder would read it as windows-1252.
    return new TextDecoder(label === 'us-ascii' ? 'utf-8' : label).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words in a header value. White space between two encoded words is dropped, and the bytes of
 * neighbouring words in the same charset are joined before decoding, because an encoder may split a
 * multi-byte character (a Chinese character is three bytes in UTF-8) across two words.
 */
export function decodeHeader(value: string): string {
  let out = '';
  let pending: { charset: string; bytes: Buffer[] } | null = null;
  const flush = () => {
    if (pending) out += decodeText(Buffer.concat(pending.bytes), pending.charset.replace(/\*.*$/, ''));
    pending = null;
  };
  let last = 0;
  for (const m of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, m.index);
    if (!(pending && /^\s*$/.test(between))) {
      flush();
      out += unencoded(between);
    }
    const charset = m[1].toLowerCase();
    const bytes =
      m[2].toUpperCase() === 'B'
        ? Buffer.from(m[3], 'base64')
        : Buffer.from(decodeQuotedPrintable(m[3].replace(/_/g, ' ')), 'latin1');
    const p = pending as { charset: string; bytes: Buffer[] } | null;
    if (p && p.charset === charset) p.bytes.push(bytes);
    else {
      flush();
      pending = { charset, bytes: [bytes] };
    }
    last = (m.index ?? 0) + m[0].length;
  }
  flush();
  out += unencoded(value.slice(last));
  return out;
}

// Text outside encoded words is raw bytes (SMTPUTF8 headers carry UTF-8) when read from the wire as
// latin1, or already text when a caller passes a decoded string.
function unencoded(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return s;
  return decodeText(Buffer.from(s, 'latin1'), 'utf-8');
}
