import type { Hono } from 'hono';
import { registerPolicyJobs } from './modules/policies/policies.service.js';
import { registerDueDigestJob } from './modules/requests/requests.deadlines.js';
import { registerRequestJobs } from './modules/requests/requests.service.js';
import { registerSearchQueueJob } from './modules/search/search-queue.js';
import { registerSubscriptionJobs } from './modules/subscriptions/subscriptions.service.js';
import { registerWebhookJobs } from './modules/webhooks/webhooks.service.js';
import { deleteIdleSessions } from './platform/auth/auth.repository.js';
import { IDLE_MINUTES } from './platform/auth/auth.service.js';
import { calendarRoutes } from './platform/calendar/calendar.routes.js';
import type { AppEnv, Deps } from './platform/context.js';
import { jobsRoutes } from './platform/jobs/jobs.routes.js';
import { JobRunner, registerJobHousekeeping, scheduleRecurring } from './platform/jobs/jobs.service.js';
import { mailRoutes } from './platform/mail/mail.routes.js';
import { mailSenderFromConfig, registerMailJob } from './platform/mail/mail.service.js';
import { addMinutes } from './platform/time.js';

/** Console pages of the platform's background machinery (calendar, jobs, mail). */
export function wireConsoleRoutes(deps: Deps, runner = new JobRunner(deps.db)): Hono<AppEnv>[] {
  return [calendarRoutes(deps), jobsRoutes(deps, runner), mailRoutes(deps)];
}

export interface Platform {
  routes: Hono<AppEnv>[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The job runner with the platform's own recurring jobs (mail delivery, session and job-history cleanup,
 * calendar reload so every server sees an administrator's calendar edits), and the console pages.
 */
export function wirePlatform(deps: Deps): Platform {
  const runner = new JobRunner(deps.db, { logger: deps.logger.child({ component: 'jobs' }), clock: deps.clock });
  const sender = mailSenderFromConfig(deps.db, deps.config, deps.logger.child({ component: 'mail' }));
  let started = false;
  let reloadTimer: NodeJS.Timeout | undefined;
  return {
    routes: wireConsoleRoutes(deps, runner),
    async start() {
      if (started) return;
      started = true;
      await registerMailJob(runner, sender);
      await registerJobHousekeeping(runner);
      registerSubscriptionJobs(runner, deps);
      registerWebhookJobs(runner, deps);
      await registerRequestJobs(runner, deps);
      await registerDueDigestJob(runner, deps);
      await registerPolicyJobs(runner, deps);
      await registerSearchQueueJob(runner);
      runner.register('sessions.prune', async (_p, ctx) => {
        await deleteIdleSessions(ctx.db.kysely, addMinutes(ctx.now, -IDLE_MINUTES).toISOString());
      });
      await scheduleRecurring(deps.db, 'sessions.prune', 'sessions.prune', 3600, deps.clock());
      // Each server keeps the calendar in memory, so each reloads it on its own timer: a job in the shared
      // table would run on one server only.
      reloadTimer = setInterval(
        () => void deps.calendar.reload().catch((e) => deps.logger.warn({ err: e }, 'calendar reload failed')),
        60_000,
      );
      reloadTimer.unref();
      if (deps.config.jobs) runner.start(5000);
    },
    async stop() {
      clearInterval(reloadTimer);
      await runner.stop();
      sender.close();
    },
  };
}
