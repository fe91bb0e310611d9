import type { Hono } from 'hono';
import { calendarRoutes } from './platform/calendar/calendar.routes.js';
import type { AppEnv, Deps } from './platform/context.js';

/** Console pages of the platform's background machinery (calendar, jobs, mail). */
export function wireConsoleRoutes(deps: Deps): Hono<AppEnv>[] {
  return [calendarRoutes(deps)];
}

// Background machinery (jobs, mail) and the console pages that come with it.
export function wirePlatform(deps: Deps): { routes: Hono<AppEnv>[]; start(): void; stop(): Promise<void> } {
  return { routes: wireConsoleRoutes(deps), start() {}, stop: async () => {} };
}
