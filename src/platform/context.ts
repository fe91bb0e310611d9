import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Principal } from './auth/permissions.js';
import type { Calendar } from './calendar/calendar.js';
import type { Clock } from './time.js';

/** What every module's routes and services are built from. */
export interface Deps {
  config: Config;
  db: Db;
  logger: Logger;
  clock: Clock;
  calendar: Calendar;
}

export interface SessionInfo {
  id: string;
  userId: number;
  mfaPassed: boolean;
  createdAt: string;
}

/** Hono's per-request variables. */
export type AppEnv = {
  Variables: {
    requestId: string;
    /** The CSRF token for forms on this page (sets the cookie on first use). */
    csrf: () => string;
    elderly: boolean;
    principal: Principal | null;
    session: SessionInfo | null;
    clientIp: string;
  };
};
