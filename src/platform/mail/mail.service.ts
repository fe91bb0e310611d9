import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../audit/audit.service.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { type JobRunner, scheduleRecurring } from '../jobs/jobs.service.js';
import { addSeconds } from '../time.js';
import {
  claimMail,
  countByStatus,
  countUnsent,
  dueMailIds,
  findMailSummary,
  insertMail,
  type MailRow,
  type MailSummary,
  markFailed,
  markRetry,
  markSent,
  resetForRetry,
  selectOutbox,
} from './mail.repository.js';

export type { MailSummary } from './mail.repository.js';

// Mail goes through an outbox table: a message is written in the same transaction as the change it
// reports, and a sender drains the table over SMTP. Nothing is lost when SMTP is down or not configured
// yet; a message is sent at least once (a sender that dies after the SMTP server accepted a message but
// before recording it will have it sent again by the next sender).

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  /** Extra header lines, only those of LIST_HEADERS (the rest of a message's headers belong to the sender). */
  headers?: Partial<Record<ListHeader, string>>;
}

/** Header lines a message may carry besides the sender's own: the mailing-list ones of RFC 2369 and RFC 8058. */
export const LIST_HEADERS = ['List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Id'] as const;
export type ListHeader = (typeof LIST_HEADERS)[number];

export class InvalidMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMailError';
  }
}

const mailSchema = z.object({
  to: z
    .string()
    .trim()
    .pipe(z.email({ message: 'invalid recipient address' })),
  subject: z
    .string()
    .trim()
    .min(1, { message: 'subject is empty' })
    .max(300, { message: 'subject is longer than 300 characters' })
    .refine((s) => !/[\r\n]/.test(s), { message: 'subject contains a line break' }),
  text: z.string(),
  html: z.string().nullish(),
  headers: z
    .partialRecord(
      z.enum(LIST_HEADERS),
      z
        .string()
        .max(2000, { message: 'header value is longer than 2000 characters' })
        .refine((s) => !/[\r\n]/.test(s), { message: 'header value contains a line break' }),
    )
    .optional(),
});

/**
 * Queues a message inside the caller's transaction, so it is sent exactly when the caller's write
 * commits; throws InvalidMailError for a bad address or subject. Returns the outbox id.
 */
export async function enqueueMail(trx: Kysely<Database>, mail: OutgoingMail, now: Date): Promise<number> {
  const r = mailSchema.safeParse(mail);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.');
    const shown = field === 'to' ? ` ${JSON.stringify(mail.to)}` : '';
    throw new InvalidMailError(`cannot queue mail: ${issue.message}${shown} (field "${field}")`);
  }
  const headers = r.data.headers && Object.keys(r.data.headers).length > 0 ? JSON.stringify(r.data.headers) : null;
  return insertMail(trx, { ...r.data, html: r.data.html ?? null, headers, now: now.toISOString() });
}

/** The outbox without message bodies, newest first, optionally of one status. */
export function listOutbox(
  db: Db,
  filter: { status?: string; limit?: number; beforeId?: number } = {},
): Promise<MailSummary[]> {
  return selectOutbox(db.kysely, { ...filter, limit: Math.min(Math.max(filter.limit ?? 100, 1), 500) });
}

/** How many messages are in each status. */
export function outboxCounts(db: Db): Promise<Record<string, number>> {
  return countByStatus(db.kysely);
}

/**
 * Makes a failed or waiting message due now with a fresh count of attempts, and records who asked, in
 * one transaction. Refuses a message already sent or being sent under a live lease.
 */
export async function retryMailNow(db: Db, actor: Actor, id: number, now: Date): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    const m = await lockedSummary(trx, db.engine, id);
    if (!m) throw new NotFoundError('邮件不存在。');
    if (m.status === 'sent') throw new ConflictError('该邮件已发送，不能重试。');
    if (m.status === 'sending' && m.lease_until !== null && m.lease_until >= now.toISOString()) {
      throw new ConflictError('该邮件正在发送，请稍后再试。');
    }
    await resetForRetry(trx, id, now.toISOString());
    await recordAudit(
      trx,
      db.engine,
      actor,
      {
        action: 'mail.retry',
        entityType: 'mail',
        entityId: id,
        summary: `手动重新发送邮件 #${id}`,
        before: { status: m.status, attempts: m.attempts, last_error: m.last_error },
        after: { status: 'pending', attempts: 0, next_attempt_at: now.toISOString() },
      },
      now,
    );
  });
}

async function lockedSummary(trx: Kysely<Database>, engine: Db['engine'], id: number) {
  if (engine === 'postgres') {
    // Lock the row so a sender cannot claim it between our check and our update.
    await trx.selectFrom('mail_outbox').select('id').where('id', '=', id).forUpdate().execute();
  }
  return findMailSummary(trx, id);
}

export interface MailSenderOptions {
  /** smtp:// or smtps:// URL; absent: mail is held in the outbox. */
  smtpUrl?: string;
  from: string;
  logger: Logger;
  /** Tries before a message is given up as 'failed'. Default 8 (about two hours with the backoff). */
  maxAttempts?: number;
  /** How long a claimed message is reserved for this sender. Default 120 s. */
  leaseSeconds?: number;
  /** The most messages one drain sends. Default 50. */
  batchSize?: number;
  /** SMTP connection and greeting timeout; default 15 s. */
  timeoutMs?: number;
}

export interface SendResult {
  sent: number;
  /** Tries that failed in this drain, whether they will be retried or were given up. */
  failed: number;
}

const MAX_ERROR_LENGTH = 1000;

/** Seconds before the next try after `failures` failed tries: 1, 2, 4, … minutes, up to one hour. */
export function mailBackoffSeconds(failures: number): number {
  return Math.min(3600, 60 * 2 ** Math.max(0, failures - 1));
}

interface SmtpError {
  message?: string;
  code?: string;
  responseCode?: number;
  permanent?: boolean;
}

// The server cannot be reached or is shutting down: no point trying the rest of the batch now.
const UNREACHABLE = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNREFUSED']);

/**
 * Drains the outbox over SMTP. Safe with several servers sharing PostgreSQL: each message is claimed
 * with a lease by a conditional UPDATE before it is sent.
 */
export class MailSender {
  private readonly db: Db;
  private readonly transport: Transporter | null;
  private readonly from: string;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly leaseSeconds: number;
  private readonly batchSize: number;
  private heldLogged = -1;

  constructor(db: Db, opts: MailSenderOptions) {
    this.db = db;
    this.from = opts.from;
    this.logger = opts.logger;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.leaseSeconds = opts.leaseSeconds ?? 120;
    this.batchSize = opts.batchSize ?? 50;
    const timeout = opts.timeoutMs ?? 15_000;
    this.transport = opts.smtpUrl
      ? nodemailer.createTransport({
          url: opts.smtpUrl,
          connectionTimeout: timeout,
          greetingTimeout: timeout,
          socketTimeout: timeout * 4,
        })
      : null;
  }

  /** Whether an SMTP server is configured; without one, messages wait in the outbox. */
  get configured(): boolean {
    return this.transport !== null;
  }

  /** Sends what is due at `now` (up to the batch size); never throws for SMTP errors, only for database ones. */
  async sendDue(now: Date): Promise<SendResult> {
    const result: SendResult = { sent: 0, failed: 0 };
    if (!this.transport) {
      const waiting = await countUnsent(this.db.kysely);
      // Say it once per change, not every 15 seconds.
      if (waiting > 0 && waiting !== this.heldLogged) {
        this.logger.warn(
          { waiting },
          'SMTP_URL is not set: mail is held in the outbox and will be sent once an SMTP server is configured',
        );
      }
      this.heldLogged = waiting;
      return result;
    }
    const nowIso = now.toISOString();
    const started = performance.now();
    const elapsedNow = () => new Date(now.getTime() + Math.round(performance.now() - started));
    for (const id of await dueMailIds(this.db.kysely, nowIso, this.batchSize)) {
      // Claim each message just before sending it, so its lease starts when the work does.
      const at = elapsedNow();
      const leaseUntil = addSeconds(at, this.leaseSeconds).toISOString();
      const m = await claimMail(this.db.kysely, id, at.toISOString(), leaseUntil);
      if (!m) continue; // another sender has it
      const outcome = await this.sendOne(m, leaseUntil, now, elapsedNow);
      if (outcome === 'sent') result.sent++;
      else result.failed++;
      if (outcome === 'unreachable') break;
    }
    return result;
  }

  /** Closes the SMTP transport. */
  close(): void {
    this.transport?.close();
  }

  private async sendOne(
    m: MailRow,
    leaseUntil: string,
    drainStart: Date,
    elapsedNow: () => Date,
  ): Promise<'sent' | 'failed' | 'unreachable'> {
    const db = this.db.kysely;
    const log = this.logger.child({ mailId: m.id });
    // Only a reclaimed message arrives with its attempts used up: its senders kept dying.
    if (m.attempts >= this.maxAttempts) {
      await markFailed(db, m.id, leaseUntil, {
        attempts: m.attempts,
        lastError: `gave up after ${m.attempts} tries that did not finish`,
      });
      return 'failed';
    }
    try {
      await this.transport!.sendMail({
        from: this.from,
        to: m.to_address,
        subject: m.subject,
        text: m.text_body,
        ...(m.html_body ? { html: m.html_body } : {}),
        ...(m.headers ? { headers: JSON.parse(m.headers) as Record<string, string> } : {}),
      });
    } catch (raw) {
      const err = raw as SmtpError;
      const failures = m.attempts + 1;
      const text = (err.message ?? String(raw)).slice(0, MAX_ERROR_LENGTH);
      // A 5xx reply is permanent (RFC 5321 §4.2.1): sending the same message again will not help.
      const permanent =
        err.permanent === true || (err.responseCode !== undefined && err.responseCode >= 500 && err.responseCode < 600);
      if (permanent || failures >= this.maxAttempts) {
        await markFailed(db, m.id, leaseUntil, { attempts: failures, lastError: text });
        log.error({ err: raw, attempts: failures }, 'mail could not be delivered and was given up');
        return 'failed';
      }
      await markRetry(db, m.id, leaseUntil, {
        attempts: failures,
        nextAttemptAt: addSeconds(drainStart, mailBackoffSeconds(failures)).toISOString(),
        lastError: text,
      });
      const unreachable = (err.code !== undefined && UNREACHABLE.has(err.code)) || err.responseCode === 421;
      log.warn({ err: raw, attempts: failures }, 'mail not sent; it will be retried');
      return unreachable ? 'unreachable' : 'failed';
    }
    const recorded = await markSent(db, m.id, leaseUntil, elapsedNow().toISOString());
    if (!recorded) log.warn('mail was sent after its lease expired; another sender may send it again');
    return 'sent';
  }
}

/** A sender configured from the application's config (SMTP_URL, MAIL_FROM). */
export function mailSenderFromConfig(
  db: Db,
  config: { smtpUrl?: string; mailFrom: string },
  logger: Logger,
): MailSender {
  return new MailSender(db, { smtpUrl: config.smtpUrl, from: config.mailFrom, logger });
}

export const MAIL_JOB = 'mail.send';

/** Registers the 'mail.send' handler on the runner and schedules it to drain the outbox every 15 seconds. */
export async function registerMailJob(runner: JobRunner, sender: MailSender, intervalSeconds = 15): Promise<void> {
  runner.register(MAIL_JOB, async (_payload, ctx) => {
    const r = await sender.sendDue(ctx.now);
    if (r.sent + r.failed > 0) ctx.logger.info(r, 'mail outbox drained');
  });
  await scheduleRecurring(runner.db, MAIL_JOB, MAIL_JOB, intervalSeconds, runner.clock());
}
