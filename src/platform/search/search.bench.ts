// Search micro-benchmark (not part of npm test):
//
//   node --import tsx src/platform/search/search.bench.ts
//
// Indexes SEARCH_BENCH_N documents (default 100,000) built from the laws corpus into a file SQLite database in
// /tmp, and into a scratch PostgreSQL database when GONGKAI_TEST_PG_URL is set, then runs ~200 realistic
// queries through the search service and prints indexing throughput and query latency percentiles.
//
//   SEARCH_BENCH_N         documents (default 100000)
//   SEARCH_BENCH_PARAS     corpus paragraphs per document body (default 8, about 470 characters)
//   SEARCH_BENCH_QUERIES   measured queries (default 200, after 20 for warm-up)
//   SEARCH_BENCH_ENGINES   sqlite,postgres (default: both when GONGKAI_TEST_PG_URL is set)
//   SEARCH_BENCH_KEEP=1    keep the SQLite file and the PostgreSQL database (both named in the output)
//   SEARCH_BENCH_REUSE=FILE  query an SQLite file a run kept (same N) instead of building one
//   SEARCH_BENCH_MMAP=MB   also set SQLite's mmap_size (openDb leaves it off) to this many megabytes
//
// Latency is wall time per search() call. On SQLite the query runs in this process, so its CPU time is printed
// too: on a shared machine it shows the work apart from the waiting for a CPU.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { type Db, type Engine, openDb } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { rng } from '../../testing/random.js';
import { type LawParagraph, lawParagraphs, lawsCorpusPath } from './corpus.js';
import { countDocuments, indexDocuments, MAX_CANDIDATES, type SearchDocInput } from './search.repository.js';
import { search } from './search.service.js';

const N = Number(process.env.SEARCH_BENCH_N ?? 100_000);
const PARAS = Number(process.env.SEARCH_BENCH_PARAS ?? 8);
const QUERIES = Number(process.env.SEARCH_BENCH_QUERIES ?? 200);
const WARMUP = 20;
const ORGS = 20;
const COLUMNS_PER_ORG = 5;
const KINDS = ['policies', 'notices', 'news', 'list', 'policies'];
const NOW = new Date().toISOString();
const PG_ADMIN = process.env.GONGKAI_TEST_PG_URL;
const ENGINES = (process.env.SEARCH_BENCH_ENGINES ?? (PG_ADMIN ? 'sqlite,postgres' : 'sqlite'))
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is Engine => s === 'sqlite' || s === 'postgres');

// Deterministic pseudo-random numbers (rng, mulberry32), so every run indexes and asks the same things.
const TITLE_FORMS = [(s: string) => s, (s: string) => `关于印发${s}的通知`, (s: string) => `关于公布${s}的公告`];

/** N documents: a law's article as the title, PARAS consecutive corpus paragraphs (varied per round) as the body. */
function buildDocs(paras: LawParagraph[]): SearchDocInput[] {
  const rand = rng(42);
  const docs: SearchDocInput[] = [];
  const P = paras.length;
  for (let i = 0; i < N; i++) {
    const base = (i * PARAS) % P;
    const round = Math.floor((i * PARAS) / P);
    const body: string[] = [];
    for (let k = 0; k < PARAS; k++) {
      // After the first pass over the corpus, mix paragraphs from elsewhere so bodies are not repeated.
      const idx = k === 0 || round === 0 ? (base + k) % P : (base + k + round * 7919 * (k + 1)) % P;
      const p = paras[idx];
      body.push(p.article ? `${p.article} ${p.text}` : p.text);
    }
    const head = paras[base];
    const org = 1 + Math.floor(rand() * ORGS);
    const colIdx = Math.floor(rand() * COLUMNS_PER_ORG);
    const year = 2010 + Math.floor(rand() * 17);
    const month = String(1 + Math.floor(rand() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(rand() * 28)).padStart(2, '0');
    docs.push({
      itemId: i + 1,
      organizationId: org,
      columnId: (org - 1) * COLUMNS_PER_ORG + colIdx + 1,
      kind: KINDS[colIdx],
      publishedAt: `${year}-${month}-${day}T02:00:00.000Z`,
      title: TITLE_FORMS[round % TITLE_FORMS.length](`${head.lawTitle}${head.article ? ` ${head.article}` : ''}`),
      docNumber: rand() < 0.3 ? `厦府办〔${year}〕${1 + Math.floor(rand() * 200)}号` : undefined,
      body: body.join('\n'),
    });
  }
  return docs;
}

// Words people look for on a government portal, most of them frequent in the corpus.
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
  '国务院',
  '监督管理',
  '法律责任',
  '备案',
  '听证',
  '罚款',
  '税务',
  '社会保险',
  '消防',
  '交通运输',
  '义务教育',
  '卫生健康',
  '城乡规划',
  '知识产权',
  '公共卫生',
  '突发事件',
  '应急管理',
  '住房公积金',
  '劳动合同',
  '未成年人',
  '文物保护',
  '野生动物',
  '水污染',
  '招标投标',
  '政府采购',
  '统计调查',
  '审计',
  '价格',
  '档案',
  '信访',
  '征收',
  '补偿',
  '农村',
  '扶贫',
  '养老服务',
  '残疾人',
  '森林防火',
  '矿产资源',
  '海域使用',
  '网络安全',
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
const OTHERS = ['2019', '69号', '厦府办〔2018〕', 'ICP', '第十条', '第二十一条 罚款'];

interface BenchQuery {
  category: string;
  q: string;
  organizationId?: number;
  year?: number;
  offset: number;
}

function buildQueries(count: number): BenchQuery[] {
  const rand = rng(7);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const out: BenchQuery[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    let q: BenchQuery;
    if (r < 0.45) q = { category: 'word', q: pick(WORDS), offset: 0 };
    else if (r < 0.65) q = { category: 'two words', q: `${pick(WORDS)} ${pick(WORDS)}`, offset: 0 };
    else if (r < 0.77) q = { category: 'phrase', q: pick(PHRASES), offset: 0 };
    else if (r < 0.82) q = { category: 'one char', q: pick(SINGLES), offset: 0 };
    else if (r < 0.9) q = { category: 'number/latin', q: pick(OTHERS), offset: 0 };
    else q = { category: 'word+filters', q: pick(WORDS), organizationId: 1 + Math.floor(rand() * ORGS), offset: 0 };
    if (rand() < 0.2) q.year = 2010 + Math.floor(rand() * 17);
    if (rand() < 0.15) q.offset = 20 * (1 + Math.floor(rand() * 3));
    out.push(q);
  }
  return out;
}

function pct(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)];
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function seed(db: Db, docs: readonly SearchDocInput[]): Promise<void> {
  const k = db.kysely;
  await k
    .insertInto('organizations')
    .values(
      Array.from({ length: ORGS }, (_, i) => ({
        id: i + 1,
        parent_id: null,
        code: `B${i + 1}`,
        slug: `bench-${i + 1}`,
        name: `基准机关${i + 1}`,
        short_name: '',
        kind: 'department',
        functions: '',
        address: '',
        postcode: '',
        phone: '',
        fax: '',
        email: '',
        office_hours: '',
        website: '',
        leadership: '[]',
        sort_order: 0,
        active: 1,
        created_at: NOW,
        updated_at: NOW,
      })),
    )
    .execute();
  await k
    .insertInto('columns')
    .values(
      Array.from({ length: ORGS * COLUMNS_PER_ORG }, (_, i) => ({
        id: i + 1,
        organization_id: Math.floor(i / COLUMNS_PER_ORG) + 1,
        parent_id: null,
        code: `C${i + 1}`,
        slug: `c${i + 1}`,
        name: `栏目${i + 1}`,
        kind: KINDS[i % COLUMNS_PER_ORG],
        description: '',
        static_html: '',
        standard_key: null,
        sort_order: 0,
        retired: 0,
        retired_at: null,
        created_at: NOW,
        updated_at: NOW,
      })),
    )
    .execute();
  // Minimal items rows (search_docs has a foreign key to items); not part of the indexing figure.
  for (let i = 0; i < docs.length; i += 5_000) {
    await k.transaction().execute(async (trx) => {
      for (let j = i; j < Math.min(docs.length, i + 5_000); j += 500) {
        await trx
          .insertInto('items')
          .values(
            docs.slice(j, j + 500).map((d) => ({
              id: d.itemId,
              organization_id: d.organizationId,
              column_id: d.columnId,
              index_number: `B-${d.itemId}`,
              title: d.title,
              date_created: d.publishedAt.slice(0, 10),
              disclosure: 'proactive',
              five_category: 'result',
              status: 'published',
              published_version: 1,
              first_published_at: d.publishedAt,
              created_at: NOW,
              updated_at: NOW,
            })) as never,
          )
          .execute();
      }
    });
  }
}

async function openEngine(engine: Engine): Promise<{ db: Db; where: string; cleanup: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const reuse = process.env.SEARCH_BENCH_REUSE;
    const file = reuse ?? path.join(os.tmpdir(), `gongkai-search-bench-${process.pid}.sqlite`);
    if (!reuse) for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    const db = openDb(`sqlite:${file}`);
    if (process.env.SEARCH_BENCH_MMAP) db.sqlite?.pragma(`mmap_size = ${Number(process.env.SEARCH_BENCH_MMAP) * 1e6}`);
    await migrateToLatest(db);
    return {
      db,
      where: file,
      cleanup: async () => {
        await db.close();
        if (process.env.SEARCH_BENCH_KEEP !== '1' && !reuse)
          for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
      },
    };
  }
  if (!PG_ADMIN) throw new Error('GONGKAI_TEST_PG_URL is not set');
  const name = `gk_search_bench_${process.pid}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: PG_ADMIN });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`drop database if exists ${name}`);
  await admin(`create database ${name}`);
  // A larger GIN pending list speeds up bulk indexing; VACUUM after indexing merges it into the index.
  await admin(`alter database ${name} set gin_pending_list_limit = '32MB'`);
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  const db = openDb(u.toString(), { poolSize: 4 });
  await migrateToLatest(db);
  return {
    db,
    where: `database ${name}`,
    cleanup: async () => {
      await db.close();
      if (process.env.SEARCH_BENCH_KEEP !== '1') await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

async function sizeOf(db: Db, where: string): Promise<string> {
  if (db.engine === 'sqlite') {
    await sql`pragma wal_checkpoint(truncate)`.execute(db.kysely);
    return `${(fs.statSync(where).size / 1e6).toFixed(0)} MB file`;
  }
  const r = await sql<{ s: string }>`select pg_size_pretty(pg_database_size(current_database())) as s`.execute(
    db.kysely,
  );
  const t = await sql<{ s: string }>`select pg_size_pretty(pg_total_relation_size('search_docs')) as s`.execute(
    db.kysely,
  );
  return `${r.rows[0].s} database, search_docs with index and TOAST ${t.rows[0].s}`;
}

async function runEngine(engine: Engine, docs: readonly SearchDocInput[], queries: readonly BenchQuery[]) {
  const { db, where, cleanup } = await openEngine(engine);
  try {
    console.log(`\n== ${engine} (${where})`);
    const existing = await countDocuments(db.kysely);
    if (existing === 0) {
      let t0 = performance.now();
      await seed(db, docs);
      console.log(
        `setup (organizations, columns, ${docs.length} items rows): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      t0 = performance.now();
      const batch = 2_000;
      for (let i = 0; i < docs.length; i += batch) {
        await db.kysely.transaction().execute((trx) => indexDocuments(trx, docs.slice(i, i + batch)));
      }
      const indexS = (performance.now() - t0) / 1000;
      console.log(
        `indexing: ${docs.length} docs in ${indexS.toFixed(1)} s = ${Math.round(docs.length / indexS)} docs/s`,
      );
      if (engine === 'postgres') await sql`vacuum analyze search_docs`.execute(db.kysely);
      else await sql`analyze`.execute(db.kysely);
    } else if (existing !== docs.length) {
      throw new Error(`${where} holds ${existing} documents, not ${docs.length}: set SEARCH_BENCH_N=${existing}`);
    } else console.log(`reusing ${existing} indexed documents`);
    console.log(`size: ${await sizeOf(db, where)}`);

    for (const q of queries.slice(0, WARMUP))
      await search({ db }, { q: q.q, organizationId: q.organizationId, year: q.year, offset: q.offset, limit: 20 });
    const all: number[] = [];
    const cpu: number[] = [];
    const byKind = new Map<string, number[]>();
    let hits = 0;
    let capped = 0;
    let slowest = { ms: 0, q: '' };
    for (const q of queries.slice(WARMUP)) {
      const s = performance.now();
      const c = process.cpuUsage();
      const r = await search(
        { db },
        { q: q.q, organizationId: q.organizationId, year: q.year, offset: q.offset, limit: 20 },
      );
      const cu = process.cpuUsage(c);
      const ms = performance.now() - s;
      hits += r.total > 0 ? 1 : 0;
      capped += r.capped ? 1 : 0;
      all.push(ms);
      cpu.push((cu.user + cu.system) / 1000);
      byKind.set(q.category, [...(byKind.get(q.category) ?? []), ms]);
      if (ms > slowest.ms)
        slowest = {
          ms,
          q: `${q.q}${q.year ? ` year=${q.year}` : ''}${q.organizationId ? ` org=${q.organizationId}` : ''} (total ${r.total}${r.capped ? '+' : ''})`,
        };
    }
    all.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    console.log(
      `queries: ${all.length} (${hits} with results, ${capped} over the ${MAX_CANDIDATES} candidate cap)  p50 ${fmt(pct(all, 50))}  p95 ${fmt(pct(all, 95))}  p99 ${fmt(pct(all, 99))}  max ${fmt(all[all.length - 1])}`,
    );
    if (engine === 'sqlite')
      console.log(
        `  CPU time of the same queries: p50 ${fmt(pct(cpu, 50))}  p95 ${fmt(pct(cpu, 95))}  p99 ${fmt(pct(cpu, 99))}`,
      );
    for (const [kind, ms] of byKind) {
      ms.sort((a, b) => a - b);
      console.log(
        `  ${kind.padEnd(14)} n=${String(ms.length).padStart(3)}  p50 ${fmt(pct(ms, 50))}  p95 ${fmt(pct(ms, 95))}  max ${fmt(ms[ms.length - 1])}`,
      );
    }
    console.log(`  slowest: ${slowest.q} ${fmt(slowest.ms)}`);
  } finally {
    await cleanup();
  }
}

async function main() {
  const corpus = lawsCorpusPath();
  if (!corpus) {
    console.error(
      'search.bench: the laws corpus (../shared/data/laws-corpus.jsonl.gz or GONGKAI_LAWS_CORPUS) is required',
    );
    process.exit(2);
  }
  const started = performance.now();
  const paras: LawParagraph[] = [];
  for await (const p of lawParagraphs(corpus)) paras.push(p);
  const docs = buildDocs(paras);
  const chars = docs.reduce((a, d) => a + d.title.length + d.body.length, 0);
  const load = os.loadavg()[0].toFixed(1);
  console.log(
    `search benchmark: ${docs.length} docs from ${paras.length} corpus paragraphs, ${(chars / docs.length).toFixed(0)} characters a doc on average; ${QUERIES} queries after ${WARMUP} warm-up; node ${process.version}, ${os.cpus().length} CPUs, load average ${load}`,
  );
  const queries = buildQueries(QUERIES + WARMUP);
  for (const engine of ENGINES) await runEngine(engine, docs, queries);
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

await main();
