// `npm run bench:seed`: the benchmark database — the demo organizations and BENCH_ITEMS (default 1,000,000)
// published items of realistic Chinese text (bench/corpus-items.ts), loaded through the import path
// (importPublished, BENCH_BATCH items per transaction), so items, versions, events, index numbers and the
// search index are written exactly as `gongkai import documents` writes them.
//
// Resumable: item i is a pure function of i and its source reference is bench-i, so a second run counts what
// is there and continues (Ctrl-C loses at most the batch in flight).
//
//   BENCH_ITEMS=1000000        how many generated items the database should hold
//   BENCH_DATA_DIR=/tmp/gongkai-bench-items   DATA_DIR of the database (gongkai.sqlite in it)
//   BENCH_DATABASE_URL=postgres://…           seed this database instead (PostgreSQL; DATA_DIR still used for files)
//   BENCH_BATCH=1000           items per transaction
//
// Serve it with `DATA_DIR=/tmp/gongkai-bench-items npm start` (the demo data is already there).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { openDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { directoryOf } from '../src/modules/directory/directory.service.js';
import { orgTree } from '../src/modules/organizations/organizations.service.js';
import { importPublished } from '../src/modules/publishing/publishing.service.js';
import { registerModules } from '../src/modules/register.js';
import { seedDemo } from '../src/modules/seed/demo.js';
import type { Actor } from '../src/platform/audit/audit.service.js';
import { createCalendar } from '../src/platform/calendar/calendar.service.js';
import type { Deps } from '../src/platform/context.js';
import { systemClock } from '../src/platform/time.js';
import { generateItem, loadTextSource, type Target } from './corpus-items.js';

export const DEFAULT_BENCH_DATA_DIR = path.join(os.tmpdir(), 'gongkai-bench-items');
export const SEED_PREFIX = 'bench';

function intEnv(name: string, def: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number`);
  return v;
}

/** Deps for a script: the configuration of DATA_DIR (and DATABASE_URL when given), a silent logger. */
export async function scriptDeps(dataDir: string, databaseUrl?: string): Promise<Deps> {
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  });
  const db = openDb(config.databaseUrl);
  await migrateToLatest(db);
  registerModules();
  return { config, db, logger: pino({ level: 'warn' }), clock: systemClock, calendar: await createCalendar(db) };
}

/**
 * Where benchmark items go: every leaf column of every demo organization that takes items (not static, not
 * retired), so the bureaus' pages, lists and search filters all see data.
 */
export async function benchTargets(deps: Pick<Deps, 'db'>): Promise<Target[]> {
  const tree = await orgTree(deps);
  const out: Target[] = [];
  for (const org of tree.all) {
    const dir = await directoryOf(deps, org.id);
    for (const c of dir.all) {
      if (c.retired || c.kind === 'static' || dir.children(c.id).length > 0) continue;
      out.push({ organizationId: org.id, orgCode: org.code, columnId: c.id, columnSlug: c.slug });
    }
  }
  if (!out.length) throw new Error('no columns to seed into (demo organizations missing?)');
  return out;
}

const fmtS = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
    : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;

/** One session of bench:seed, kept in DATA_DIR/bench-seed.json so bench:items can cite how the data was made. */
export interface SeedSession {
  date: string;
  engine: string;
  from: number;
  to: number;
  seconds: number;
  itemsPerSecond: number;
  batch: number;
  text: string;
}

export const seedLogFile = (dataDir: string) => path.join(dataDir, 'bench-seed.json');

export function readSeedSessions(dataDir: string): SeedSession[] {
  try {
    return JSON.parse(fs.readFileSync(seedLogFile(dataDir), 'utf8')) as SeedSession[];
  } catch {
    return [];
  }
}

/** How many generated items the database holds. */
export async function countSeeded(deps: Deps): Promise<number> {
  const r = await deps.db.kysely
    .selectFrom('items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('source_ref', 'like', `${SEED_PREFIX}-%`)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Fills the database of `deps` up to `total` generated items (demo organizations first), resuming where an
 * earlier run stopped; logs progress every 10 s and records the session in DATA_DIR/bench-seed.json.
 */
export async function seedBenchItems(
  deps: Deps,
  o: { total: number; batch: number; log?: (line: string) => void; shouldStop?: () => boolean },
): Promise<SeedSession | null> {
  const log = o.log ?? console.log;
  const where = deps.db.engine === 'sqlite' ? deps.config.databaseUrl.slice('sqlite:'.length) : 'PostgreSQL';
  if (await seedDemo(deps)) log('demo organizations and items loaded');
  const targets = await benchTargets(deps);
  const k = deps.db.kysely;
  const have = await countSeeded(deps);
  log(
    `bench:seed → ${where}: ${have.toLocaleString('en-US')} generated items present, target ${o.total.toLocaleString('en-US')}; ${targets.length} columns in ${new Set(targets.map((t) => t.organizationId)).size} organizations; ${o.batch} items per transaction`,
  );
  if (have >= o.total) return null;
  const t0 = performance.now();
  const src = await loadTextSource();
  log(`text: ${src.label}, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const actor: Actor = { userId: null, name: 'bench:seed', ip: '' };
  const started = performance.now();
  let last = started;
  let lastDone = 0;
  let done = 0;
  let created = 0;
  for (let i = have; i < o.total && !o.shouldStop?.(); i += o.batch) {
    const end = Math.min(o.total, i + o.batch);
    await k.transaction().execute(async (trx) => {
      for (let j = i; j < end; j++) {
        const g = generateItem(src, targets, j, SEED_PREFIX);
        const r = await importPublished(
          deps,
          actor,
          g.target.organizationId,
          {
            sourceRef: g.sourceRef,
            columnId: g.target.columnId,
            title: g.title,
            docNumber: g.docNumber,
            dateCreated: g.dateCreated,
            publishedAt: g.publishedAt,
            theme: g.theme,
            genre: g.genre,
            keywords: g.keywords,
            summary: g.summary,
            bodyHtml: g.bodyHtml,
          },
          trx,
        );
        if (r.created) created++;
      }
    });
    done = end - have;
    const now = performance.now();
    if (now - last > 10_000 || end === o.total) {
      const rate = (done * 1000) / (now - started);
      const recent = ((done - lastDone) * 1000) / (now - last);
      log(
        `${end.toLocaleString('en-US')} / ${o.total.toLocaleString('en-US')}  ${Math.round(rate)} items/s (last ${((now - last) / 1000).toFixed(0)} s: ${Math.round(recent)})  elapsed ${fmtS((now - started) / 1000)}  left ≈ ${fmtS((o.total - end) / rate)}`,
      );
      last = now;
      lastDone = done;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  log(
    `done: ${done.toLocaleString('en-US')} items (${created.toLocaleString('en-US')} new) in ${fmtS(seconds)} = ${Math.round(done / seconds)} items/s`,
  );
  if (deps.db.engine === 'sqlite') {
    await sql`pragma wal_checkpoint(truncate)`.execute(k);
    log(`database file: ${(fs.statSync(where).size / 1e9).toFixed(2)} GB`);
  } else await sql`vacuum analyze`.execute(k);
  const session: SeedSession = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    engine: deps.db.engine,
    from: have,
    to: have + done,
    seconds: Math.round(seconds),
    itemsPerSecond: Math.round(done / seconds),
    batch: o.batch,
    text: src.label,
  };
  if (deps.db.engine === 'sqlite') {
    const file = seedLogFile(deps.config.dataDir);
    fs.writeFileSync(file, `${JSON.stringify([...readSeedSessions(deps.config.dataDir), session], null, 2)}\n`);
  }
  return session;
}

async function main() {
  const total = intEnv('BENCH_ITEMS', 1_000_000);
  const batch = Math.max(1, intEnv('BENCH_BATCH', 1000));
  const dataDir = path.resolve(process.env.BENCH_DATA_DIR || DEFAULT_BENCH_DATA_DIR);
  fs.mkdirSync(dataDir, { recursive: true });
  const deps = await scriptDeps(dataDir, process.env.BENCH_DATABASE_URL || undefined);
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
    console.log('\nstopping after this batch (run again to resume)…');
  });
  try {
    await seedBenchItems(deps, { total, batch, shouldStop: () => stop });
  } finally {
    await deps.db.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((e) => {
    console.error(`bench:seed: FAILED — ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  });
}
