// `npm run bench`: gongkai's public pages against a raw node:http server sending the same bytes.
//
// For each page: start gongkai (SQLite in a fresh temp DATA_DIR, NODE_ENV=production, logs to a temp file),
// fetch the page once, start a raw node:http server and a minimal Hono app (each its own process) that answer
// with exactly those bytes and headers, then load all three from this process with autocannon in alternating
// rounds. Results go to docs/benchmarks.md (see bench/report.ts). Exit code 1 when any request failed.
//
// Knobs (environment; defaults keep the whole run near 3 minutes on 2 cores):
//   BENCH_PAGES=/org/wenti,/   BENCH_CONNECTIONS=32   BENCH_WARMUP=3   BENCH_DURATION=8   BENCH_ROUNDS=3
//   BENCH_HONO=0          leave out the minimal Hono app
//   BENCH_GONGKAI_ENV="LOG_LEVEL=warn JOBS=1"   extra environment for the gongkai child (investigations)
//   BENCH_CPU_PROF=DIR    run the gongkai child with --cpu-prof into DIR (see bench/profile-summary.ts)
//   BENCH_NO_DOCS=1       print only; leave docs/benchmarks.md alone (use with the two knobs above)
//   BENCH_KEEP=1          keep the temp directory (logs, database)
//   BENCH_SOURCE=head     run gongkai from a `git archive` copy of HEAD instead of the working tree
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  failures,
  gongkaiBaseEnv,
  loadRound,
  machineFacts,
  median,
  procStatusKb,
  rawGet,
  serverSource,
  sleep,
  spawnListening,
  startGongkai,
  stopChild,
} from './measure.js';
import { type PageResult, type RoundResult, type RunResult, type TargetName, writeDoc } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function intEnv(name: string, def: number, min: number, max: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer in ${min}..${max}`);
  return v;
}

const settings = {
  pages: (process.env.BENCH_PAGES || '/org/wenti,/')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
  connections: intEnv('BENCH_CONNECTIONS', 32, 1, 512),
  pipelining: 1,
  warmupSeconds: intEnv('BENCH_WARMUP', 3, 0, 30),
  roundSeconds: intEnv('BENCH_DURATION', 8, 1, 60),
  rounds: intEnv('BENCH_ROUNDS', 3, 1, 10),
  withHono: process.env.BENCH_HONO !== '0',
  gongkaiEnv: Object.fromEntries(
    (process.env.BENCH_GONGKAI_ENV ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ) as Record<string, string>,
  cpuProfDir: process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined,
  writeDocs: process.env.BENCH_NO_DOCS !== '1',
  keep: process.env.BENCH_KEEP === '1',
};

const targetNames: TargetName[] = settings.withHono ? ['gongkai', 'hono-min', 'raw'] : ['gongkai', 'raw'];
// Per page: warm-up and rounds for each target, plus about 15 s to start, seed and stop the servers.
const estimateSeconds =
  settings.pages.length *
  (targetNames.length * (settings.warmupSeconds + settings.rounds * settings.roundSeconds) + 15);
if (estimateSeconds > 420) {
  console.error(`bench: these settings would take about ${estimateSeconds} s; keep it under 420 s.`);
  process.exit(2);
}

// Headers that belong to one response or one connection, not to the page: the raw servers do not copy them.
const perResponseHeaders = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'x-request-id',
  'set-cookie',
]);

interface Running {
  name: TargetName;
  child: ChildProcess;
  url: string;
  maxRssKb: number;
}

let source = 'working tree';
const children = new Set<ChildProcess>();
async function stopAll() {
  await Promise.all([...children].map((c) => stopChild(c)));
  children.clear();
}
process.on('SIGINT', () => {
  void stopAll().then(() => process.exit(130));
});

function loadOnce(t: Running, seconds: number) {
  return loadRound({
    pid: t.child.pid!,
    url: t.url,
    seconds,
    connections: settings.connections,
    pipelining: settings.pipelining,
    onRss: (kb) => {
      if (kb > t.maxRssKb) t.maxRssKb = kb;
    },
  });
}

async function benchPage(page: string): Promise<PageResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-bench-'));
  const logFile = path.join(tmp, 'servers.log');
  const logFd = fs.openSync(logFile, 'a');
  const problems: string[] = [];
  const notes: string[] = [];
  try {
    const src = serverSource(root, tmp);
    source = src.source;
    const { child: gk, port: gkPort } = await startGongkai({
      root: src.dir,
      dataDir: path.join(tmp, 'data'),
      logFd,
      env: settings.gongkaiEnv,
      cpuProfDir: settings.cpuProfDir,
    });
    children.add(gk);
    const gkUrl = `http://127.0.0.1:${gkPort}${page}`;

    // The page's exact bytes and the headers that describe it (type, caching, security headers).
    const first = await rawGet(gkUrl);
    if (first.status !== 200) throw new Error(`GET ${page} answered ${first.status}`);
    if (first.headers['content-encoding']) throw new Error(`GET ${page} came back encoded; compare plain bytes`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(first.headers))
      if (!perResponseHeaders.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const dropped = Object.keys(first.headers).filter((k) => perResponseHeaders.has(k));
    const bodyFile = path.join(tmp, 'page.html');
    fs.writeFileSync(bodyFile, first.body);
    const specFile = path.join(tmp, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify({ bodyFile, headers }));

    const running: Running[] = [{ name: 'gongkai', child: gk, url: gkUrl, maxRssKb: 0 }];
    for (const name of targetNames.slice(1)) {
      const file = path.join(root, 'bench', name === 'raw' ? 'raw-server.mjs' : 'hono-min.mjs');
      const { child, port } = await spawnListening(file, [specFile], root, logFd);
      children.add(child);
      running.push({ name, child, url: `http://127.0.0.1:${port}${page}`, maxRssKb: 0 });
    }
    // Every server must send the same page before the numbers mean anything.
    for (const t of running) {
      const r = await rawGet(t.url);
      if (r.status !== 200 || !r.body.equals(first.body)) {
        const msg = `${t.name} sent ${r.status}, ${r.body.length} bytes (expected 200, ${first.body.length})`;
        if (t.name === 'gongkai') notes.push(`gongkai's page changed between two GETs: ${msg}`);
        else throw new Error(msg);
      }
    }

    console.log(
      `\n${page}: ${first.body.length} bytes; servers ${running.map((t) => `${t.name}=${t.child.pid}`).join(' ')}`,
    );
    if (settings.warmupSeconds) {
      for (const t of running) {
        const w = await loadOnce(t, settings.warmupSeconds);
        const f = failures(w.r);
        if (f.length) problems.push(`${t.name} warm-up: ${f.join(', ')}`);
        console.log(`  warm-up  ${t.name.padEnd(8)} ${w.reqPerSec.toFixed(0).padStart(6)} req/s`);
      }
    }
    const rounds: RoundResult[] = [];
    for (let i = 0; i < settings.rounds; i++) {
      // Rotate the order each round so no server always runs first, or right after the same other server.
      const order = running.map((_, j) => running[(i + j) % running.length]);
      for (const t of order) {
        await sleep(300);
        const m = await loadOnce(t, settings.roundSeconds);
        const f = failures(m.r);
        if (f.length) problems.push(`${t.name} round ${i + 1}: ${f.join(', ')}`);
        rounds.push({
          target: t.name,
          round: i + 1,
          reqPerSec: m.reqPerSec,
          requests: m.total,
          p50: m.r.latency.p50,
          p90: m.r.latency.p90,
          p99: m.r.latency.p99,
          errors: m.r.errors + m.r.timeouts + m.r.non2xx + m.r.mismatches,
          bytesPerResponse: m.bytesPerResponse,
          serverCpuUsPerReq: m.serverCpuUsPerReq,
          serverCpuPct: m.serverCpuPct,
          loadgenCpuPct: m.loadgenCpuPct,
          otherCores: m.otherCores,
        });
        console.log(
          `  round ${i + 1}  ${t.name.padEnd(8)} ${m.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${m.r.latency.p50} ms  p99 ${m.r.latency.p99} ms  server CPU ${m.serverCpuPct.toFixed(0)}%  load generator CPU ${m.loadgenCpuPct.toFixed(0)}%  other processes ${m.otherCores.toFixed(2)} cores${f.length ? `  FAILED: ${f.join(', ')}` : ''}`,
        );
      }
    }
    const memory = Object.fromEntries(
      running.map((t) => [t.name, { peakKb: procStatusKb(t.child.pid!, 'VmHWM'), maxSampledRssKb: t.maxRssKb }]),
    ) as PageResult['memory'];
    const ratios = Array.from({ length: settings.rounds }, (_, i) => {
      const g = rounds.find((r) => r.round === i + 1 && r.target === 'gongkai')!;
      const raw = rounds.find((r) => r.round === i + 1 && r.target === 'raw')!;
      return g.reqPerSec / raw.reqPerSec;
    });
    return {
      page,
      bodyBytes: first.body.length,
      copiedHeaders: Object.keys(headers),
      droppedHeaders: dropped,
      rounds,
      memory,
      ratios,
      ratio: median(ratios),
      problems,
      notes,
    };
  } catch (e) {
    settings.keep = true;
    throw new Error(`${page}: ${(e as Error).message} (logs: ${logFile})`);
  } finally {
    await stopAll();
    fs.closeSync(logFd);
    if (!settings.keep && !problems.length) fs.rmSync(tmp, { recursive: true, force: true });
    else console.log(`  logs kept in ${tmp}`);
  }
}

function summary(run: RunResult) {
  console.log(
    `\n=== gongkai vs raw node:http (${run.machine.cpus} cores, ${run.machine.cpuModel}, Node ${run.machine.node})`,
  );
  for (const p of run.pages) {
    console.log(`\n${p.page}  (${p.bodyBytes} bytes)`);
    for (const name of targetNames) {
      const rs = p.rounds.filter((r) => r.target === name);
      const mem = p.memory[name];
      console.log(
        `  ${name.padEnd(8)} ${median(rs.map((r) => r.reqPerSec))
          .toFixed(0)
          .padStart(
            6,
          )} req/s  p50 ${median(rs.map((r) => r.p50))} ms  p90 ${median(rs.map((r) => r.p90))} ms  p99 ${median(rs.map((r) => r.p99))} ms  CPU ${median(rs.map((r) => r.serverCpuUsPerReq)).toFixed(0)} µs/req  peak RSS ${(mem.peakKb / 1024).toFixed(0)} MB`,
      );
    }
    console.log(
      `  ratio gongkai/raw per round: ${p.ratios.map((r) => r.toFixed(2)).join(', ')}; median ${(p.ratio * 100).toFixed(0)}%`,
    );
    console.log(
      `  other processes on the machine: ${median(p.rounds.map((r) => r.otherCores)).toFixed(2)} cores (median of rounds)`,
    );
    for (const n of p.notes) console.log(`  note: ${n}`);
    for (const pr of p.problems) console.log(`  PROBLEM: ${pr}`);
  }
}

async function main() {
  const machine = machineFacts(root, os.availableParallelism(), os.release(), os.totalmem(), os.loadavg());
  console.log(
    `bench: pages ${settings.pages.join(' ')}; ${targetNames.join(' / ')}; ${settings.connections} connections, ` +
      `${settings.warmupSeconds} s warm-up, ${settings.rounds} × ${settings.roundSeconds} s rounds; about ${estimateSeconds} s`,
  );
  const started = Date.now();
  const pages: PageResult[] = [];
  for (const page of settings.pages) pages.push(await benchPage(page));
  const run: RunResult = {
    machine,
    settings: {
      connections: settings.connections,
      pipelining: settings.pipelining,
      warmupSeconds: settings.warmupSeconds,
      roundSeconds: settings.roundSeconds,
      rounds: settings.rounds,
      gongkaiEnv: { ...gongkaiBaseEnv, ...settings.gongkaiEnv },
      cpuProf: Boolean(settings.cpuProfDir),
    },
    source,
    targets: targetNames,
    pages,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  summary(run);
  const failed = pages.some((p) => p.problems.length);
  if (failed) {
    console.error('\nbench: FAILED — some requests errored (see PROBLEM lines); docs/benchmarks.md left unchanged.');
    process.exitCode = 1;
    return;
  }
  if (settings.writeDocs) {
    const doc = path.join(root, 'docs', 'benchmarks.md');
    writeDoc(doc, run);
    console.log(`\nwrote ${path.relative(root, doc)} (${run.seconds} s)`);
  }
  if (settings.cpuProfDir) console.log(`CPU profiles of the gongkai child: ${settings.cpuProfDir}`);
}

main().catch(async (e) => {
  console.error(`bench: FAILED — ${(e as Error).message}`);
  await stopAll();
  process.exitCode = 1;
});
