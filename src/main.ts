import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { openDb } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { AppError, ValidationError } from './platform/errors.js';

// The `gongkai` command. Each subcommand opens what it needs and closes it again.
const program = new Command();
program.name('gongkai').description('gongkai 政务公开平台').showHelpAfterError();

function config() {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

async function withDeps<T>(run: (deps: import('./platform/context.js').Deps) => Promise<T>): Promise<T> {
  const cfg = config();
  const { createLogger } = await import('./platform/logger.js');
  const { createCalendar } = await import('./platform/calendar/calendar.service.js');
  const { systemClock } = await import('./platform/time.js');
  const db = openDb(cfg.databaseUrl);
  try {
    await migrateToLatest(db);
    (await import('./modules/register.js')).registerModules();
    const deps = {
      config: cfg,
      db,
      logger: createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel),
      clock: systemClock,
      calendar: await createCalendar(db),
    };
    return await run(deps);
  } finally {
    await db.close();
  }
}

/** A file's name and size for the import's reading notice (the name alone when it cannot be read). */
async function describeFile(file: string): Promise<string> {
  const { humanSize } = await import('./platform/files/size.js');
  try {
    return `${path.basename(file)}（${humanSize((await fs.promises.stat(file)).size)}）`;
  } catch {
    return path.basename(file);
  }
}

function fail(msg: string): never {
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}

async function reportValidation<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ValidationError)
      fail(
        `错误：${Object.entries(e.fields)
          .map(([k, v]) => `${k}: ${v}`)
          .join('；')}`,
      );
    if (e instanceof AppError) fail(`错误：${e.message}`);
    throw e;
  }
}

const cliActor = { userId: null, name: `cli:${process.env.USER ?? 'operator'}`, ip: 'localhost' };

program
  .command('serve')
  .description('启动门户和管理后台 (serve the portal and the console)')
  .option('--migrate', '启动前执行数据库迁移 (migrate first)', false)
  .option('--seed-demo', '数据库为空时载入演示数据 (load demo data into an empty database)', false)
  .action(async (o: { migrate: boolean; seedDemo: boolean }) => {
    // Loaded here, not at the top: the other commands do not need the web application.
    const { startServer } = await import('./server.js');
    await startServer(config(), { migrate: o.migrate, seedDemo: o.seedDemo });
  });

program
  .command('migrate')
  .description('把数据库结构升级到最新版本 (apply pending migrations)')
  .action(async () => {
    const cfg = config();
    const db = openDb(cfg.databaseUrl);
    try {
      const applied = await migrateToLatest(db);
      process.stdout.write(applied.length ? `已执行迁移：${applied.join(', ')}\n` : '数据库已是最新版本。\n');
    } finally {
      await db.close();
    }
  });

program
  .command('compact-bodies')
  .description('让升级前已发布信息的正文只存一份（指向其发布版本）；可随时中断、重复执行 (store published bodies once)')
  .option('--batch <items>', '每条语句处理的信息数', '1000')
  .action(async (o: { batch: string }) => {
    const batch = Number(o.batch);
    if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) fail('--batch 须为 1 到 100000 之间的整数。');
    await withDeps(async (deps) => {
      const { compactPublishedBodies } = await import('./modules/publishing/publishing.service.js');
      const { progressOnStderr } = await import('./modules/import/import.progress.js');
      const progress = progressOnStderr(process.stderr, 3000, '整理正文', '条');
      let r: Awaited<ReturnType<typeof compactPublishedBodies>>;
      try {
        r = await compactPublishedBodies(deps, {
          batch,
          onProgress: (looked, total) => progress.update(looked, total),
        });
      } finally {
        progress.stop();
      }
      process.stdout.write(
        `已检查 ${r.looked} 条仍自存正文的已发布信息：${r.changed} 条改为引用发布版本，${r.looked - r.changed} 条正文与发布版本不同，保持不变。\n`,
      );
    });
  });

program
  .command('seed')
  .description('载入数据 (load data)')
  .addOption(
    new Option('--demo', '载入来自源文档的演示数据 (demo data from the source document)').makeOptionMandatory(),
  )
  .action(async () => {
    await withDeps(async (deps) => {
      const { seedDemo } = await import('./modules/seed/demo.js');
      const { ensureFirstAdmin } = await import('./modules/seed/bootstrap.js');
      const seeded = await seedDemo(deps);
      process.stdout.write(seeded ? '已载入演示数据。\n' : '数据库中已有机构，未重复载入。\n');
      const admin = await ensureFirstAdmin(deps);
      if (admin?.generatedPassword)
        process.stdout.write(
          `已创建系统管理员 ${admin.username}，初始密码（只显示这一次）：${admin.generatedPassword}\n`,
        );
    });
  });

const user = program.command('user').description('管理工作人员账户 (staff accounts)');

user
  .command('create <username>')
  .description('新建用户；密码从环境变量 GONGKAI_NEW_PASSWORD 读取，未设置时自动生成')
  .requiredOption('--name <displayName>', '姓名')
  .option('--email <email>', '电子邮箱', '')
  .action(async (username: string, o: { name: string; email: string }) => {
    await withDeps(async (deps) => {
      const { createUser } = await import('./modules/users/users.service.js');
      const { generatePassword } = await import('./platform/auth/password.js');
      const password = process.env.GONGKAI_NEW_PASSWORD ?? generatePassword();
      const id = await reportValidation(
        createUser(deps, cliActor, { username, display_name: o.name, email: o.email, password }),
      );
      process.stdout.write(
        `已创建用户 ${username}（编号 ${id}）。${process.env.GONGKAI_NEW_PASSWORD ? '' : `初始密码：${password}\n`}首次登录时须修改密码。\n`,
      );
    });
  });

user
  .command('passwd <username>')
  .description('重置用户密码并解除锁定；新密码从 GONGKAI_NEW_PASSWORD 读取，未设置时自动生成')
  .action(async (username: string) => {
    await withDeps(async (deps) => {
      const { resetPassword } = await import('./modules/users/users.service.js');
      const { findUserByUsername } = await import('./platform/auth/auth.repository.js');
      const { generatePassword } = await import('./platform/auth/password.js');
      const u = await findUserByUsername(deps.db.kysely, username);
      if (!u) fail(`用户 ${username} 不存在。`);
      const password = process.env.GONGKAI_NEW_PASSWORD ?? generatePassword();
      await reportValidation(resetPassword(deps, null, cliActor, u.id, password));
      process.stdout.write(
        `已重置 ${username} 的密码${process.env.GONGKAI_NEW_PASSWORD ? '' : `：${password}`}。用户登录后须立即修改。\n`,
      );
    });
  });

user
  .command('grant <username> <role> <organization>')
  .description(
    '授予角色：role 为 drafter|reviewer|approver|disclosure_officer|org_admin|system_admin|auditor，organization 为机构代码或网址标识',
  )
  .action(async (username: string, role: string, organization: string) => {
    await withDeps(async (deps) => {
      const { grantRole } = await import('./modules/users/users.service.js');
      const { findUserByUsername } = await import('./platform/auth/auth.repository.js');
      const { orgTree } = await import('./modules/organizations/organizations.service.js');
      const u = await findUserByUsername(deps.db.kysely, username);
      if (!u) fail(`用户 ${username} 不存在。`);
      const org = (await orgTree(deps)).all.find((o) => o.code === organization || o.slug === organization);
      if (!org) fail(`机构 ${organization} 不存在（请使用机构代码或网址标识）。`);
      await reportValidation(grantRole(deps, null, cliActor, u.id, { organization_id: org.id, role }));
      process.stdout.write(`已授予 ${username} 在“${org.name}”的 ${role} 角色。\n`);
    });
  });

program
  .command('import')
  .description('导入数据 (import data)')
  .command('documents <file>')
  .description('从 CSV 或 XLSX 导入已发布的政府信息；按“来源编号”去重，可重复执行 (import published items)')
  .requiredOption('--org <organization>', '机构代码或网址标识')
  .option('--attachments <dir>', '附件所在目录（“附件”列中的文件名相对于此目录）')
  .option('--dry-run', '只检查，不写入', false)
  .option('--strict', '有任何错误行时以退出码 1 结束', false)
  .option('--batch <rows>', '每个事务提交的行数', '500')
  .option('--index-now', '导入后立即建立搜索索引并等待完成（默认交给服务器的后台任务）', false)
  .action(
    async (
      file: string,
      o: { org: string; attachments?: string; dryRun: boolean; strict: boolean; batch: string; indexNow: boolean },
    ) => {
      // The preparation thread starts, and reads the file, while the database is opened and checked.
      const { threadRowSource } = await import('./modules/import/import.source.js');
      const source = threadRowSource(file, Number(o.batch) || 500, { maxBytes: config().importMaxBytes });
      try {
        await withDeps(async (deps) => {
          const { importDocuments, ImportFileError, formatRowError, summaryLine } = await import(
            './modules/import/import.service.js'
          );
          const { progressOnStderr } = await import('./modules/import/import.progress.js');
          const progress = progressOnStderr();
          progress.reading(await describeFile(file));
          let indexProgress: ReturnType<typeof progressOnStderr> | null = null;
          let report: Awaited<ReturnType<typeof importDocuments>>;
          try {
            report = await reportValidation(
              importDocuments(deps, cliActor, {
                file,
                organization: o.org,
                attachmentsDir: o.attachments,
                dryRun: o.dryRun,
                batchSize: Number(o.batch) || undefined,
                source,
                onProgress: (done, total) => progress.update(done, total),
                indexNow: o.indexNow,
                onIndexProgress: (done, total) => {
                  if (!indexProgress) {
                    progress.stop();
                    indexProgress = progressOnStderr(process.stderr, 3000, '建立搜索索引', '条');
                  }
                  indexProgress.update(done, total);
                },
              }),
            );
          } catch (e) {
            progress.stop();
            (indexProgress as ReturnType<typeof progressOnStderr> | null)?.stop();
            if (e instanceof ImportFileError) fail(`无法导入 ${file}：${e.message}`);
            throw e;
          }
          progress.stop();
          (indexProgress as ReturnType<typeof progressOnStderr> | null)?.stop();
          const out = process.stdout;
          out.write(
            `文件：${file}（${report.format === 'csv' ? `CSV，${report.detail}` : report.detail}，${report.rows} 行数据）→ ${report.organization.name}\n`,
          );
          if (report.unknownHeaders.length)
            out.write(`提示：以下列不认识，已忽略：${report.unknownHeaders.map((h) => `「${h}」`).join('、')}\n`);
          for (const e of report.errors) out.write(`${formatRowError(e)}\n`);
          const rate = report.created / Math.max(report.seconds, 0.001);
          // How the time went: the CPU of the run and of its threads, and what the writer waited for.
          const how: string[] = [`${Math.round(rate)} 条/秒`, `CPU ${report.cpuSeconds.toFixed(1)} 秒`];
          if (report.mainThreadCpuSeconds !== null)
            how.push(`其中写入线程 ${report.mainThreadCpuSeconds.toFixed(1)} 秒`);
          if (report.prepareThreadCpuSeconds !== null)
            how.push(`准备线程 ${report.prepareThreadCpuSeconds.toFixed(1)} 秒`);
          if (report.prepareWaitSeconds >= 0.05)
            how.push(`写入线程等待准备 ${report.prepareWaitSeconds.toFixed(1)} 秒`);
          if (report.checkpoints && report.checkpoints.waitedMs >= 50)
            how.push(`等待检查点 ${(report.checkpoints.waitedMs / 1000).toFixed(1)} 秒`);
          out.write(
            `${summaryLine(report)}。用时 ${report.seconds.toFixed(1)} 秒${report.created && !report.dryRun ? `（${how.join('，')}）` : ''}。\n`,
          );
          if (report.indexed)
            out.write(
              `搜索索引：已建立 ${report.indexed} 条，用时 ${report.indexSeconds.toFixed(1)} 秒（${Math.round(report.indexed / Math.max(report.indexSeconds, 0.001))} 条/秒）。\n`,
            );
          if (report.queued)
            out.write(
              `搜索索引队列中有 ${report.queued} 条信息：页面、栏目、订阅源和接口已可见，站内搜索要等后台任务（search.index-queue，服务器运行时每 10 秒一次）建立索引后才能查到；如需立即建立，请加 --index-now 重新运行（不会重复导入）。\n`,
            );
          if (o.strict && report.errors.length) process.exitCode = 1;
        });
      } finally {
        await source.close();
      }
    },
  );

const audit = program.command('audit').description('审计日志 (audit trail)');
audit
  .command('verify')
  .description('校验审计日志哈希链，报告第一条被篡改或缺失的记录')
  .action(async () => {
    const cfg = config();
    const db = openDb(cfg.databaseUrl);
    try {
      const { verifyAuditChain } = await import('./platform/audit/audit.service.js');
      const r = await verifyAuditChain(db.kysely);
      if (r.ok) {
        process.stdout.write(`审计日志完整：已校验 ${r.checked} 条记录。\n`);
      } else {
        process.stdout.write(
          `审计日志校验失败：第 ${r.firstBad?.seq} 条 — ${r.firstBad?.reason}（此前 ${r.checked} 条完好）。\n`,
        );
        process.exitCode = 1;
      }
    } finally {
      await db.close();
    }
  });

program
  .command('mail-sink')
  .description('启动本地 SMTP 收信服务，打印收到的邮件（开发和测试用）')
  .option('--port <port>', '端口', '2525')
  .action(async (o: { port: string }) => {
    const { startSmtpSink } = await import('./platform/mail/smtp-sink.js');
    const sink = await startSmtpSink({
      port: Number(o.port),
      onMessage: (m) => process.stdout.write(`\n收到邮件 → ${m.to.join(', ')}\n主题：${m.subject}\n${m.text}\n`),
    });
    process.stdout.write(`SMTP 收信服务已启动。在另一个终端设置 SMTP_URL=${sink.url} 后启动 gongkai。\n`);
    const stop = () => void sink.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('backup <file>')
  .description('备份 SQLite 数据库（服务运行时也可执行，得到一致的副本）；PostgreSQL 请使用 pg_dump')
  .action(async (file: string) => {
    const cfg = config();
    if (cfg.engine === 'postgres') {
      fail(
        '当前使用 PostgreSQL：请使用 pg_dump 备份，例如 pg_dump --format=custom --file=gongkai.dump "$DATABASE_URL"。',
      );
    }
    const target = path.resolve(file);
    if (fs.existsSync(target)) fail(`目标文件已存在：${target}。请换一个文件名，避免覆盖已有备份。`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const db = openDb(cfg.databaseUrl);
    try {
      // SQLite's online backup API copies a consistent snapshot while other connections keep writing.
      await db.sqlite!.backup(target);
      process.stdout.write(`已备份到 ${target}（${fs.statSync(target).size} 字节）。\n`);
    } finally {
      await db.close();
    }
  });

program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
