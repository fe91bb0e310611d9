import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { openDb } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { registerModules } from './modules/register.js';
import { ensureFirstAdmin } from './modules/seed/bootstrap.js';
import { seedDemo } from './modules/seed/demo.js';
import { createCalendar } from './platform/calendar/calendar.service.js';
import type { Deps } from './platform/context.js';
import { pageCacheListener } from './platform/http/page-cache.js';
import { createLogger } from './platform/logger.js';
import { securityHeaderList } from './platform/security/headers.js';
import { systemClock } from './platform/time.js';
import { wirePlatform } from './wiring.js';

export interface StartOptions {
  migrate: boolean;
  seedDemo: boolean;
}

/** Opens the database, prepares it, and serves the portal until SIGTERM/SIGINT. */
export async function startServer(config: Config, opts: StartOptions) {
  const logger = createLogger(config.logLevel);
  const db = openDb(config.databaseUrl);
  if (opts.migrate) {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const calendar = await createCalendar(db);
  const deps: Deps = { config, db, logger, clock: systemClock, calendar };
  registerModules();
  if (opts.seedDemo && (await seedDemo(deps))) logger.info('demo data loaded');
  const admin = await ensureFirstAdmin(deps);

  const platform = wirePlatform(deps);
  const app = createApp(deps, { routes: platform.routes });
  // Cached public pages are answered before the app (pageCacheListener); everything else goes through it.
  const server = serve({
    fetch: app.fetch,
    port: config.port,
    hostname: config.host,
    createServer: ((options: ServerOptions, listener: RequestListener) =>
      createServer(
        options,
        pageCacheListener(listener, {
          securityHeaders: securityHeaderList({ https: config.publicBaseUrl.startsWith('https:') }),
          logger,
          accessLog: config.accessLog,
        }),
      )) as typeof createServer,
  }) as Server;
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  await platform.start();

  const lines = [
    '',
    `gongkai 政务公开平台已启动：${config.publicBaseUrl}${config.port !== port ? `（监听端口 ${port}）` : ''}`,
    `  数据库：${db.engine === 'sqlite' ? `SQLite ${config.databaseUrl.slice(7)}` : 'PostgreSQL'}`,
    `  管理后台：${config.publicBaseUrl}/console`,
  ];
  if (admin) {
    lines.push(`  首个系统管理员账户：用户名 ${admin.username}`);
    if (admin.generatedPassword) lines.push(`  初始密码（只显示这一次，请妥善保存）：${admin.generatedPassword}`);
    else lines.push('  初始密码：环境变量 GONGKAI_ADMIN_PASSWORD 的值');
    lines.push('  首次登录后需绑定手机身份验证器（两步验证）。');
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      logger.warn('requests still open after 10 s; closing anyway');
      server.closeAllConnections();
    }, 10_000);
    force.unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await platform.stop();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return { server, port, deps, stop };
}
