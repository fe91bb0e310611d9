// `npm run bench:items`: item pages, search and import against the benchmark database of `npm run bench:seed`.
//
//   (a) import throughput: a fresh CSV of BENCH_IMPORT_ROWS generated rows through `gongkai import documents`,
//       BENCH_IMPORT_RUNS times (each run's items removed again before the next); the figure is the median run,
//       as the page figures are the median round; the first run, on whatever the OS page cache holds, is shown too
//   (b) one item page from gongkai's page cache against bench/raw-server.mjs sending the same bytes
//       (the method and helpers of `npm run bench`, bench/measure.ts)
//   (c) uncached item pages: BENCH_DISTINCT different items, one request each, one at a time
//   (d) search: BENCH_QUERIES realistic queries on GET /search, one at a time; on PostgreSQL too when
//       GONGKAI_TEST_PG_URL is set (a database seeded with BENCH_PG_ITEMS items, resumed if it exists)
//
// Results go to their own block of docs/benchmarks.md (bench/items-report.ts).
//
//   BENCH_DATA_DIR=/tmp/gongkai-bench-items   the seeded SQLite DATA_DIR
//   BENCH_IMPORT_ROWS=20000  BENCH_PG_IMPORT_ROWS=5000  BENCH_IMPORT_RUNS=3  BENCH_DISTINCT=2000  BENCH_QUERIES=200
//   BENCH_SEARCH_WARMUP=200  search queries of the same mix (other paths) sent first; their latency is the cold figure
//   BENCH_CONNECTIONS=32  BENCH_WARMUP=3  BENCH_DURATION=8  BENCH_ROUNDS=3
//   BENCH_PG_ITEMS=100000   BENCH_PG_DB=gk_bench_items
//   BENCH_ONLY=import,cached,uncached,search,pg   (default: all)
//   BENCH_NO_DOCS=1   print only
//   BENCH_CPU_PROF=DIR   write V8 CPU profiles of the gongkai server and the import command (bench/profile-summary.ts)
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from '../src/db/database.js';
import { GENRES } from '../src/modules/publishing/publishing.schema.js';
import { rng } from '../src/testing/random.js';
import { generateItem, loadTextSource, type Target, type TextSource } from './corpus-items.js';
import {
  type CachedResult,
  type ImportResult,
  type ItemsRun,
  type Latency,
  median,
  type SearchResultFigures,
  writeItemsDoc,
} from './items-report.js';
import {
  failures,
  loadRound,
  machineBusyMs,
  machineFacts,
  procCpuMs,
  rawGet,
  sleep,
  spawnListening,
  startGongkai,
  stopChild,
} from './measure.js';
import {
  benchTargets,
  countSeeded,
  DEFAULT_BENCH_DATA_DIR,
  readSeedSessions,
  scriptDeps,
  seedBenchItems,
} from './seed.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function intEnv(name: string, def: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number`);
  return v;
}

const only = new Set(
  (process.env.BENCH_ONLY || 'import,cached,uncached,search,pg')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const settings = {
  dataDir: path.resolve(process.env.BENCH_DATA_DIR || DEFAULT_BENCH_DATA_DIR),
  importRows: intEnv('BENCH_IMPORT_ROWS', 20_000),
  pgImportRows: intEnv('BENCH_PG_IMPORT_ROWS', 5_000),
  importRuns: Math.max(1, intEnv('BENCH_IMPORT_RUNS', 3)),
  distinct: intEnv('BENCH_DISTINCT', 2_000),
  queries: intEnv('BENCH_QUERIES', 200),
  searchWarmup: intEnv('BENCH_SEARCH_WARMUP', 200),
  connections: intEnv('BENCH_CONNECTIONS', 32),
  warmup: intEnv('BENCH_WARMUP', 3),
  roundSeconds: intEnv('BENCH_DURATION', 8),
  rounds: intEnv('BENCH_ROUNDS', 3),
  pgItems: intEnv('BENCH_PG_ITEMS', 100_000),
  pgAdmin: process.env.GONGKAI_TEST_PG_URL,
  pgDb: process.env.BENCH_PG_DB || 'gk_bench_items',
  writeDocs: process.env.BENCH_NO_DOCS !== '1',
};
const IMPORT_PREFIX = 'benchcsv';
const IMPORT_ORG = 'wenti';

const children = new Set<ChildProcess>();
process.on('SIGINT', () => {
  void Promise.all([...children].map((c) => stopChild(c))).then(() => process.exit(130));
});

function pctl(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Published items spread over the whole id range: [path, id] for `count` distinct items. */
async function sampleItemPaths(db: Db, count: number, seed: number): Promise<string[]> {
  const k = db.kysely;
  const range = await k
    .selectFrom('items')
    .select((eb) => [eb.fn.min<number>('id').as('lo'), eb.fn.max<number>('id').as('hi')])
    .executeTakeFirstOrThrow();
  const slugs = new Map(
    (await k.selectFrom('organizations').select(['id', 'slug']).execute()).map((o) => [o.id, o.slug]),
  );
  const rand = rng(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(count * 2, Number(range.hi) - Number(range.lo) + 1))
    picked.add(Number(range.lo) + Math.floor(rand() * (Number(range.hi) - Number(range.lo) + 1)));
  const out: string[] = [];
  const ids = [...picked];
  for (let i = 0; i < ids.length && out.length < count; i += 500) {
    const rows = await k
      .selectFrom('items')
      .select(['id', 'organization_id'])
      .where('id', 'in', ids.slice(i, i + 500))
      .where('published_version', '>', 0)
      .where('withdrawn', '=', 0)
      .execute();
    for (const r of rows) if (out.length < count) out.push(`/org/${slugs.get(r.organization_id)}/items/${r.id}`);
  }
  return out;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function timedGet(url: string): Promise<{ status: number; ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, timeout: 30_000 }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Sequential GETs (one at a time): latency percentiles, server CPU per request, other processes' CPU. */
async function sequential(base: string, paths: string[], pid: number, warmup: string[]) {
  // The warm-up requests are timed too: their latencies show the cold start (pages not yet in any cache).
  const warm: number[] = [];
  for (const p of warmup) warm.push((await timedGet(base + p)).ms);
  const cpu0 = procCpuMs(pid);
  const busy0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const wall0 = performance.now();
  const per: { path: string; ms: number; status: number }[] = [];
  for (const p of paths) {
    const r = await timedGet(base + p);
    per.push({ path: p, ms: r.ms, status: r.status });
  }
  const wall = performance.now() - wall0;
  const server = procCpuMs(pid) - cpu0;
  const self = process.cpuUsage(self0);
  const other = Math.max(0, machineBusyMs() - busy0 - server - (self.user + self.system) / 1000) / wall;
  const sorted = per.map((x) => x.ms).sort((a, b) => a - b);
  const lat: Latency = {
    n: per.length,
    p50: pctl(sorted, 50),
    p95: pctl(sorted, 95),
    p99: pctl(sorted, 99),
    max: sorted[sorted.length - 1],
    serverCpuMs: server / per.length,
    otherCores: other,
    errors: per.filter((x) => x.status !== 200).length,
  };
  return { lat, per, warm };
}

// Queries people type on a government portal, most of them frequent in the corpus.
const WORDS = [
  '预算',
  '公开',
  '行政许可',
  '政府信息公开',
  '安全生产',
  '环境保护',
  '食品安全',
  '土地管理',
  '行政处罚',
  '人民政府',
  '监督管理',
  '法律责任',
  '备案',
  '听证',
  '罚款',
  '社会保险',
  '消防',
  '交通运输',
  '义务教育',
  '城乡规划',
  '知识产权',
  '突发事件',
  '应急管理',
  '住房公积金',
  '劳动合同',
  '未成年人',
  '文物保护',
  '野生动物',
  '招标投标',
  '政府采购',
  '审计',
  '档案',
  '信访',
  '征收',
  '补偿',
  '养老服务',
  '残疾人',
  '森林防火',
  '网络安全',
  '旅游市场',
  '全民健身',
  '营商环境',
];
const PHRASES = [
  '"县级以上人民政府"',
  '"依法给予处分"',
  '"责令改正"',
  '“由有关主管部门责令改正”',
  '"构成犯罪的，依法追究刑事责任"',
  '「政府信息公开」',
  '"自公布之日起施行"',
];
const SINGLES = ['税', '林', '矿', '药', '港'];
const OTHERS = ['2019', '厦湖WT〔2021〕', '第十条', '第二十一条 罚款', '解读', '专项检查结果公示'];

export function buildQueries(count: number, orgIds: number[]): { category: string; path: string }[] {
  const rand = rng(7);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const out: { category: string; path: string }[] = [];
  const seen = new Set<string>();
  let guard = 0;
  while (out.length < count && guard++ < count * 20) {
    const r = rand();
    let category: string;
    let q: string;
    if (r < 0.45) [category, q] = ['word', pick(WORDS)];
    else if (r < 0.65) [category, q] = ['two words', `${pick(WORDS)} ${pick(WORDS)}`];
    else if (r < 0.77) [category, q] = ['phrase', pick(PHRASES)];
    else if (r < 0.82) [category, q] = ['one character', pick(SINGLES)];
    else [category, q] = ['number/other', pick(OTHERS)];
    const params = new URLSearchParams({ q });
    if (rand() < 0.15) params.set('org', String(pick(orgIds)));
    if (rand() < 0.2) params.set('year', String(2017 + Math.floor(rand() * 10)));
    if (rand() < 0.15) params.set('page', String(2 + Math.floor(rand() * 2)));
    const p = `/search?${params}`;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push({ category, path: p });
  }
  return out;
}

async function searchRun(
  engine: 'sqlite' | 'postgres',
  items: number,
  base: string,
  pid: number,
  orgIds: number[],
): Promise<SearchResultFigures> {
  const queries = buildQueries(settings.queries + settings.searchWarmup, orgIds);
  const warm = queries.slice(0, settings.searchWarmup).map((q) => q.path);
  const measured = queries.slice(settings.searchWarmup);
  const {
    lat,
    per,
    warm: warmMs,
  } = await sequential(
    base,
    measured.map((q) => q.path),
    pid,
    warm,
  );
  // Which queries found something: one more request each would disturb nothing now, but the count is cheap
  // to get from the page itself on a second pass, so it is left to the slowest-query note instead.
  const byCategory: Record<string, { n: number; p95: number }> = {};
  for (const cat of new Set(measured.map((q) => q.category))) {
    const ms = per
      .filter((_, i) => measured[i].category === cat)
      .map((x) => x.ms)
      .sort((a, b) => a - b);
    byCategory[cat] = { n: ms.length, p95: pctl(ms, 95) };
  }
  // The slowest few on the console (not in the docs), for whoever looks into them next; the first in the figures.
  const slowest = per
    .map((x, i) => ({ ms: x.ms, q: measured[i] }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 8);
  for (const x of slowest)
    console.log(`  slow: ${x.ms.toFixed(1)} ms  ${x.q.category}  ${decodeURIComponent(x.q.path)}`);
  let withResults = 0;
  for (const q of measured) {
    const r = await rawGet(base + q.path, 30_000);
    if (r.status === 200 && !/没有找到|未找到/.test(r.body.toString('utf8'))) withResults++;
  }
  return {
    engine,
    items,
    ...lat,
    withResults,
    slowest: `\`${decodeURIComponent(slowest[0].q.path)}\` ${slowest[0].ms.toFixed(0)} ms`,
    warmup:
      warmMs.length > 0
        ? {
            n: warmMs.length,
            p50: pctl(
              [...warmMs].sort((a, b) => a - b),
              50,
            ),
            p95: pctl(
              [...warmMs].sort((a, b) => a - b),
              95,
            ),
          }
        : undefined,
    byCategory,
  };
}

async function cachedVsRaw(base: string, gk: ChildProcess, itemPath: string, tmp: string, logFd: number) {
  const first = await rawGet(base + itemPath);
  if (first.status !== 200) throw new Error(`GET ${itemPath} answered ${first.status}`);
  const perResponse = new Set([
    'date',
    'connection',
    'keep-alive',
    'content-length',
    'transfer-encoding',
    'x-request-id',
    'set-cookie',
  ]);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(first.headers))
    if (!perResponse.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const bodyFile = path.join(tmp, 'item.html');
  fs.writeFileSync(bodyFile, first.body);
  const specFile = path.join(tmp, 'item-spec.json');
  fs.writeFileSync(specFile, JSON.stringify({ bodyFile, headers }));
  const raw = await spawnListening(path.join(root, 'bench', 'raw-server.mjs'), [specFile], root, logFd);
  children.add(raw.child);
  try {
    const targets = [
      { name: 'gongkai', pid: gk.pid!, url: base + itemPath },
      { name: 'raw', pid: raw.child.pid!, url: `http://127.0.0.1:${raw.port}${itemPath}` },
    ];
    const check = await rawGet(targets[1].url);
    if (!check.body.equals(first.body)) throw new Error('raw server sent different bytes');
    const problems: string[] = [];
    const run = (t: (typeof targets)[number], seconds: number) =>
      loadRound({ pid: t.pid, url: t.url, seconds, connections: settings.connections, pipelining: 1 });
    for (const t of targets) if (settings.warmup) await run(t, settings.warmup);
    const res: Record<string, { rps: number; cpu: number; p99: number; other: number }[]> = { gongkai: [], raw: [] };
    for (let i = 0; i < settings.rounds; i++) {
      for (const t of i % 2 ? [...targets].reverse() : targets) {
        await sleep(300);
        const m = await run(t, settings.roundSeconds);
        const f = failures(m.r);
        if (f.length) problems.push(`${t.name} round ${i + 1}: ${f.join(', ')}`);
        res[t.name].push({ rps: m.reqPerSec, cpu: m.serverCpuUsPerReq, p99: m.r.latency.p99, other: m.otherCores });
        console.log(
          `  round ${i + 1} ${t.name.padEnd(8)} ${m.reqPerSec.toFixed(0).padStart(6)} req/s  p99 ${m.r.latency.p99} ms  CPU ${m.serverCpuUsPerReq.toFixed(0)} µs/req  other ${m.otherCores.toFixed(2)} cores`,
        );
      }
    }
    const ratios = res.gongkai.map((g, i) => g.rps / res.raw[i].rps);
    const out: CachedResult = {
      path: itemPath,
      bodyBytes: first.body.length,
      gongkai: res.gongkai.map((x) => x.rps),
      raw: res.raw.map((x) => x.rps),
      ratios,
      ratio: median(ratios),
      gongkaiCpuUs: median(res.gongkai.map((x) => x.cpu)),
      rawCpuUs: median(res.raw.map((x) => x.cpu)),
      gongkaiP99: median(res.gongkai.map((x) => x.p99)),
      rawP99: median(res.raw.map((x) => x.p99)),
      otherCores: median([...res.gongkai, ...res.raw].map((x) => x.other)),
      problems,
    };
    return out;
  } finally {
    await stopChild(raw.child);
    children.delete(raw.child);
  }
}

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** A CSV as an agency would export it: Chinese headers, one row per item, bodies as HTML. */
function writeImportCsv(file: string, src: TextSource, targets: Target[], rows: number, prefix: string) {
  const out: string[] = ['来源编号,栏目,标题,文号,生成日期,发布日期,主题分类,体裁分类,关键词,内容概述,正文'];
  for (let i = 0; i < rows; i++) {
    const g = generateItem(src, targets, 5_000_000 + i, prefix);
    const published = new Date(new Date(g.publishedAt).getTime() + 8 * 3600_000)
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ');
    const genre = (GENRES as readonly string[]).includes(g.genre) ? g.genre : '其他';
    out.push(
      [
        g.sourceRef,
        g.target.columnSlug,
        g.title,
        g.docNumber,
        g.dateCreated,
        published,
        g.theme,
        genre,
        g.keywords,
        g.summary,
        g.bodyHtml,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  fs.writeFileSync(file, `\ufeff${out.join('\r\n')}\r\n`);
}

// GNU time reports the command's own CPU time (user + system), the figure to trust on a busy machine.
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  script = path.join('src', 'main.ts'),
): Promise<{ code: number; stdout: string; stderr: string; seconds: number; cpuSeconds: number | null }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const argv = [process.execPath, ...prof, '--import', 'tsx', script, ...args];
    const [cmd, ...rest] = GNU_TIME ? [GNU_TIME, '-f', 'gnu-time-cpu %U %S', ...argv] : argv;
    const child = spawn(cmd, rest, {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('exit', (code) => {
      children.delete(child);
      const m = /gnu-time-cpu ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({
        code: code ?? 1,
        stdout,
        stderr,
        seconds: (performance.now() - t0) / 1000,
        cpuSeconds: m ? Number(m[1]) + Number(m[2]) : null,
      });
    });
  });
}

/**
 * Deletes the items a benchmark import created, with their versions, events and index entries. Foreign-key
 * checks are off meanwhile: nothing indexes items.replacement_item_id, so checking each deleted item would
 * scan the whole items table once per item (20,000 × 1,000,000 rows).
 */
export async function removeImported(db: Db, organizationId: number, prefix: string) {
  const t0 = performance.now();
  const ids = (
    await db.kysely
      .selectFrom('items')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('source_ref', 'like', `${prefix}%`)
      .execute()
  ).map((r) => r.id);
  if (!ids.length) return;
  if (db.sqlite) db.sqlite.pragma('foreign_keys = OFF');
  try {
    await db.kysely.transaction().execute(async (trx) => {
      if (!db.sqlite) await sql`set local session_replication_role = replica`.execute(trx);
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        await trx.deleteFrom('search_docs').where('item_id', 'in', chunk).execute();
        await trx.deleteFrom('search_queue').where('item_id', 'in', chunk).execute();
        await trx.deleteFrom('item_events').where('item_id', 'in', chunk).execute();
        await trx.deleteFrom('item_attachments').where('item_id', 'in', chunk).execute();
        await trx.deleteFrom('item_versions').where('item_id', 'in', chunk).execute();
        await trx.deleteFrom('items').where('id', 'in', chunk).execute();
      }
    });
  } finally {
    if (db.sqlite) db.sqlite.pragma('foreign_keys = ON');
  }
  console.log(`  removed the ${ids.length} imported items again (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

/** settings.importRuns imports of `rows` fresh rows, one after another, each removed again before the next. */
async function importRuns(
  engine: 'sqlite' | 'postgres',
  db: Db,
  env: NodeJS.ProcessEnv,
  rows: number,
  tmp: string,
): Promise<ImportResult[]> {
  const out: ImportResult[] = [];
  for (let run = 1; run <= settings.importRuns; run++) {
    if (settings.importRuns > 1) console.log(`  run ${run} of ${settings.importRuns}`);
    out.push({ ...(await importRun(engine, db, env, rows, tmp)), run });
  }
  return out;
}

async function importRun(
  engine: 'sqlite' | 'postgres',
  db: Db,
  env: NodeJS.ProcessEnv,
  rows: number,
  tmp: string,
): Promise<Omit<ImportResult, 'run'>> {
  const tree = await db.kysely
    .selectFrom('organizations')
    .select(['id', 'code'])
    .where('slug', '=', IMPORT_ORG)
    .executeTakeFirstOrThrow();
  const targets = (await benchTargets({ db })).filter((t) => t.organizationId === tree.id);
  const src = await loadTextSource();
  const prefix = `${IMPORT_PREFIX}${Date.now().toString(36)}`;
  const file = path.join(tmp, `import-${engine}.csv`);
  writeImportCsv(file, src, targets, rows, prefix);
  console.log(`  ${engine}: ${rows} rows, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB CSV`);
  const busy0 = machineBusyMs();
  const t0 = performance.now();
  // --index-now: the command then also builds the search entries, timed on their own (its second line).
  const first = await runCli(['import', 'documents', file, '--org', IMPORT_ORG, '--index-now'], env);
  const wall = performance.now() - t0;
  const other = Math.max(0, machineBusyMs() - busy0 - wall) / wall; // the import uses about one core itself
  if (first.code !== 0) throw new Error(`import failed (${first.code}): ${first.stderr.slice(-2000)}`);
  const m = /新建 (\d+) 条.*用时 ([\d.]+) 秒/.exec(first.stdout);
  // The command's own rate, from its unrounded time (its "用时" is rounded to 0.1 s).
  const rate = /（(\d+) 条\/秒/.exec(first.stdout);
  if (!m) throw new Error(`unexpected import output: ${first.stdout.slice(-500)}`);
  console.log(
    `  ${first.stdout.trim()} (command wall time ${first.seconds.toFixed(1)} s, CPU ${first.cpuSeconds?.toFixed(1)} s = ${first.cpuSeconds === null ? '?' : Math.round((first.cpuSeconds * 1e6) / rows)} µs/row; other processes ${other.toFixed(2)} cores; load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')})`,
  );
  const again = await runCli(['import', 'documents', file, '--org', IMPORT_ORG], env);
  console.log(
    `  again: ${again.stdout.trim().split('\n').slice(-1)[0]} (wall ${again.seconds.toFixed(1)} s, CPU ${again.cpuSeconds?.toFixed(1)} s)`,
  );
  // Leave the benchmark database as it was.
  await removeImported(db, tree.id, prefix);
  // SQLite: the same rows by bare statements, right after, into the same database (bench/import-baseline.ts).
  let baseline: { itemsPerSecond: number; writeSeconds: number; checkpointSeconds: number } | null = null;
  if (engine === 'sqlite') {
    const b = await runCli([file, IMPORT_ORG], env, path.join('bench', 'import-baseline.ts'));
    const line = /^baseline (.*)$/m.exec(b.stdout);
    if (b.code !== 0 || !line) throw new Error(`import baseline failed (${b.code}): ${b.stderr.slice(-2000)}`);
    baseline = JSON.parse(line[1]);
    console.log(
      `  baseline (bare statements): ${Math.round(baseline!.itemsPerSecond)} items/s (writing ${baseline!.writeSeconds.toFixed(1)} s, last checkpoint ${baseline!.checkpointSeconds.toFixed(1)} s)`,
    );
    await removeImported(db, tree.id, prefix);
  }
  const created = Number(m[1]);
  const importSeconds = Number(m[2]);
  const cpu = /CPU ([\d.]+) 秒/.exec(first.stdout);
  const writer = /写入线程 ([\d.]+) 秒/.exec(first.stdout);
  const ix = /搜索索引：已建立 (\d+) 条，用时 ([\d.]+) 秒/.exec(first.stdout);
  return {
    engine,
    rows,
    created,
    itemsPerSecond: rate ? Number(rate[1]) : created / importSeconds,
    importCpuUsPerItem: cpu ? (Number(cpu[1]) * 1e6) / created : null,
    writerCpuUsPerItem: writer ? (Number(writer[1]) * 1e6) / created : null,
    commandCpuSeconds: first.cpuSeconds,
    indexed: ix ? Number(ix[1]) : 0,
    indexSeconds: ix ? Number(ix[2]) : null,
    rerunCpuSeconds: again.cpuSeconds,
    importSeconds,
    wallSeconds: first.seconds,
    rerunSeconds: again.seconds,
    rerunOutput: again.stdout.trim().split('\n').slice(-1)[0],
    otherCores: other,
    baseline,
  };
}

async function pgDatabaseUrl(): Promise<string> {
  const admin = new pg.Client({ connectionString: settings.pgAdmin });
  await admin.connect();
  try {
    const r = await admin.query('select 1 from pg_database where datname = $1', [settings.pgDb]);
    if (!r.rowCount) await admin.query(`create database ${settings.pgDb}`);
  } finally {
    await admin.end();
  }
  const u = new URL(settings.pgAdmin!);
  u.pathname = `/${settings.pgDb}`;
  return u.toString();
}

async function serveAndMeasure(
  engine: 'sqlite' | 'postgres',
  db: Db,
  items: number,
  env: Record<string, string>,
  dataDir: string,
  tmp: string,
  logFd: number,
  run: ItemsRun,
) {
  const paths = only.has('uncached')
    ? await sampleItemPaths(db, settings.distinct + 200, engine === 'sqlite' ? 11 : 12)
    : [];
  const orgIds = (await db.kysely.selectFrom('organizations').select('id').execute()).map((o) => o.id);
  const { child, port } = await startGongkai({
    root,
    dataDir,
    logFd,
    env,
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
  });
  children.add(child);
  const base = `http://127.0.0.1:${port}`;
  try {
    if (engine === 'sqlite' && only.has('cached')) {
      const itemPath = paths[0] ?? (await sampleItemPaths(db, 1, 5))[0];
      console.log(`\n(b) cached item page ${itemPath}: gongkai vs raw node:http`);
      run.cached = await cachedVsRaw(base, child, itemPath, tmp, logFd);
      console.log(`  ratio ${(run.cached.ratio * 100).toFixed(0)}%`);
    }
    if (only.has('uncached')) {
      console.log(`\n(c) uncached item pages on ${engine}: ${settings.distinct} distinct items, one at a time`);
      const { lat } = await sequential(base, paths.slice(200), child.pid!, paths.slice(1, 200));
      run.uncached.push({ engine, items, lat });
      if (lat.errors) run.notes.push(`${lat.errors} of the uncached ${engine} item pages did not answer 200.`);
      console.log(
        `  p50 ${lat.p50.toFixed(2)} ms  p95 ${lat.p95.toFixed(2)} ms  p99 ${lat.p99.toFixed(2)} ms  errors ${lat.errors}`,
      );
    }
    if (only.has('search')) {
      console.log(`\n(d) search on ${engine}: ${settings.queries} queries, one at a time`);
      const s = await searchRun(engine, items, base, child.pid!, orgIds);
      run.search.push(s);
      console.log(
        `  p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  slowest ${s.slowest}`,
      );
    }
  } finally {
    await stopChild(child);
    children.delete(child);
  }
}

async function main() {
  const started = Date.now();
  const machine = machineFacts(root, os.availableParallelism(), os.release(), os.totalmem(), os.loadavg());
  const dbFile = path.join(settings.dataDir, 'gongkai.sqlite');
  if (!fs.existsSync(dbFile)) throw new Error(`no benchmark database at ${dbFile}: run \`npm run bench:seed\` first`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-bench-items-'));
  const logFile = path.join(tmp, 'servers.log');
  const logFd = fs.openSync(logFile, 'a');
  const sqliteDeps = await scriptDeps(settings.dataDir);
  const sqliteItems = await countSeeded(sqliteDeps);
  const sessions = readSeedSessions(settings.dataDir).filter((s) => s.engine === 'sqlite');
  const seedNote = sessions.length
    ? sessions
        .map(
          (s) =>
            `${s.from.toLocaleString('en-US')}→${s.to.toLocaleString('en-US')} in ${Math.round(s.seconds / 60)} min at ${s.itemsPerSecond} items/s (${s.date.slice(0, 10)}, ${s.text})`,
        )
        .join('; ')
    : 'seed timing not recorded';
  console.log(`bench:items: ${sqliteItems.toLocaleString('en-US')} generated items in ${dbFile}`);
  const run: ItemsRun = {
    machine,
    seconds: 0,
    sqliteItems,
    sqliteFileGb: fs.statSync(dbFile).size / 1e9,
    seedNote,
    pgItems: null,
    settings: {
      connections: settings.connections,
      warmup: settings.warmup,
      roundSeconds: settings.roundSeconds,
      rounds: settings.rounds,
      distinctItems: settings.distinct,
      queries: settings.queries,
      searchWarmup: settings.searchWarmup,
    },
    imports: [],
    cached: null,
    uncached: [],
    search: [],
    notes: [],
  };
  try {
    const sqliteEnv = { LOG_LEVEL: 'warn' };
    await serveAndMeasure('sqlite', sqliteDeps.db, sqliteItems, sqliteEnv, settings.dataDir, tmp, logFd, run);
    if (only.has('import') && settings.importRows > 0) {
      console.log(`\n(a) import throughput on sqlite: ${settings.importRows} rows`);
      const env = { ...process.env, DATA_DIR: settings.dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' };
      run.imports.push(...(await importRuns('sqlite', sqliteDeps.db, env, settings.importRows, tmp)));
    }
    await sqliteDeps.db.close();

    if (settings.pgAdmin && only.has('pg')) {
      const url = await pgDatabaseUrl();
      const pgDir = path.join(tmp, 'pg-data');
      const pgDeps = await scriptDeps(pgDir, url);
      try {
        console.log(
          `\nPostgreSQL (${settings.pgDb}): seeding up to ${settings.pgItems.toLocaleString('en-US')} items if needed`,
        );
        await seedBenchItems(pgDeps, { total: settings.pgItems, batch: 1000, log: (l) => console.log(`  ${l}`) });
        run.pgItems = await countSeeded(pgDeps);
        await serveAndMeasure(
          'postgres',
          pgDeps.db,
          run.pgItems,
          { DATABASE_URL: url, LOG_LEVEL: 'warn' },
          pgDir,
          tmp,
          logFd,
          run,
        );
        if (only.has('import') && settings.pgImportRows > 0) {
          console.log(`\n(a) import throughput on postgres: ${settings.pgImportRows} rows`);
          const env = { ...process.env, DATA_DIR: pgDir, DATABASE_URL: url, LOG_LEVEL: 'warn' };
          run.imports.push(...(await importRuns('postgres', pgDeps.db, env, settings.pgImportRows, tmp)));
        }
        await sql`vacuum analyze items`.execute(pgDeps.db.kysely);
      } finally {
        await pgDeps.db.close();
      }
    }
  } finally {
    fs.closeSync(logFd);
  }
  run.seconds = Math.round((Date.now() - started) / 1000);
  if (settings.writeDocs) {
    const doc = path.join(root, 'docs', 'benchmarks.md');
    writeItemsDoc(doc, run);
    console.log(`\nwrote ${path.relative(root, doc)} (${run.seconds} s); server logs in ${logFile}`);
  } else console.log(JSON.stringify(run, null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch(async (e) => {
    console.error(`bench:items: FAILED — ${(e as Error).stack ?? e}`);
    await Promise.all([...children].map((c) => stopChild(c)));
    process.exitCode = 1;
  });
}
