// `npx tsx bench/ablation.ts`: where gongkai's time per request goes on a cached page, measured rather than
// guessed. Captures /org/wenti from the real server, then loads, in alternating rounds, the raw server, Hono
// apps rebuilt from gongkai's request path piece by piece (bench/hono-variant.mjs), the same with proposed
// changes, and gongkai itself. Prints a table; writes nothing. About two minutes.
//
// Knobs: BENCH_SOURCE=head (see bench/measure.ts), ABL_PAGE=/org/wenti
//   ABL_SETS="bodylimit-fast,reqid-fast,log,sec;…": piece sets to try instead of the built-in list
//   ABL_ALSO=/dir1,/dir2: also load real gongkai servers run from these checkouts (e.g. HEAD with a proposed
//   change applied), alternating with the rest, for a like-for-like A/B on a busy machine.  ABL_CONNECTIONS=32  ABL_WARMUP=2  ABL_DURATION=5  ABL_ROUNDS=2
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  failures,
  loadRound,
  median,
  rawGet,
  serverSource,
  sleep,
  spawnListening,
  startGongkai,
  stopChild,
} from './measure.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const num = (name: string, def: number, max: number) => {
  const v = Number(process.env[name] || def);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${name} must be an integer in 1..${max}`);
  return v;
};
const page = process.env.ABL_PAGE || '/org/wenti';
const connections = num('ABL_CONNECTIONS', 32, 512);
const warmup = num('ABL_WARMUP', 2, 30);
const duration = num('ABL_DURATION', 5, 30);
const rounds = num('ABL_ROUNDS', 2, 5);

// ABL_SETS="a,b;c,d" replaces the built-in list of piece sets between hono-min and the real server;
// ABL_SETS=none leaves only raw, hono-min and the real servers.
const sets =
  process.env.ABL_SETS === 'none'
    ? []
    : process.env.ABL_SETS?.split(';').map((p) => ({ name: `pieces: ${p || '(none)'}`, pieces: p }));
const variants: { name: string; pieces?: string; dir?: string }[] = [
  { name: 'raw node:http' },
  { name: 'hono, cached-page route only', pieces: '' },
  ...(sets ?? [
    { name: '+ bodyLimit (as in app.ts)', pieces: 'bodylimit' },
    { name: '+ request-id mw, c.header() after next', pieces: 'reqid' },
    { name: '+ request-id mw, c.res.headers.set()', pieces: 'reqid-fast' },
    { name: '+ security headers', pieces: 'sec' },
    { name: 'app.ts path without the log line', pieces: 'bodylimit,reqid,sec' },
    { name: 'app.ts path (bodyLimit, reqid, log, sec)', pieces: 'bodylimit,reqid,log,sec' },
    { name: 'app.ts path with both fixes', pieces: 'bodylimit-fast,reqid-fast,log,sec' },
    { name: 'both fixes, no request log line', pieces: 'bodylimit-fast,reqid-fast,sec' },
  ]),
  { name: 'gongkai (real server)' },
  ...(process.env.ABL_ALSO ?? '')
    .split(',')
    .filter(Boolean)
    .map((dir) => ({ name: `gongkai from ${dir}`, dir })),
];
const est = variants.length * (warmup + rounds * duration) + 15;
if (est > 420) throw new Error(`about ${est} s; keep it under 420 s`);

const children = new Set<ChildProcess>();
const stopAll = () => Promise.all([...children].map((c) => stopChild(c)));
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-ablation-'));
  const logFd = fs.openSync(path.join(tmp, 'servers.log'), 'a');
  console.log(`ablation of ${page}: ${variants.length} servers, ${rounds} × ${duration} s each; about ${est} s`);
  try {
    const src = serverSource(root, tmp);
    console.log(`gongkai from the ${src.source}`);
    const gk = await startGongkai({ root: src.dir, dataDir: path.join(tmp, 'data'), logFd });
    children.add(gk.child);
    const first = await rawGet(`http://127.0.0.1:${gk.port}${page}`);
    if (first.status !== 200) throw new Error(`GET ${page} answered ${first.status}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(first.headers))
      if (!['date', 'connection', 'keep-alive', 'content-length', 'x-request-id', 'set-cookie'].includes(k) && v)
        headers[k] = Array.isArray(v) ? v.join(', ') : v;
    fs.writeFileSync(path.join(tmp, 'page.html'), first.body);
    const spec = path.join(tmp, 'spec.json');
    fs.writeFileSync(spec, JSON.stringify({ bodyFile: path.join(tmp, 'page.html'), headers }));

    const targets: { name: string; pid: number; url: string }[] = [];
    for (const v of variants) {
      if (v.dir) {
        const other = await startGongkai({
          root: path.resolve(v.dir),
          dataDir: path.join(tmp, `data-${targets.length}`),
          logFd,
        });
        children.add(other.child);
        targets.push({ name: v.name, pid: other.child.pid!, url: `http://127.0.0.1:${other.port}${page}` });
        continue;
      }
      if (v.name.startsWith('gongkai')) {
        targets.push({ name: v.name, pid: gk.child.pid!, url: `http://127.0.0.1:${gk.port}${page}` });
        continue;
      }
      const raw = v.pieces === undefined;
      const s = await spawnListening(
        path.join(root, 'bench', raw ? 'raw-server.mjs' : 'hono-variant.mjs'),
        raw ? [spec] : [spec, v.pieces!],
        root,
        logFd,
        raw ? 'stdout' : 'stderr',
      );
      children.add(s.child);
      targets.push({ name: v.name, pid: s.child.pid!, url: `http://127.0.0.1:${s.port}${page}` });
    }
    const results = new Map<string, { rps: number[]; cpu: number[]; p50: number[] }>();
    for (const t of targets) {
      const w = await loadRound({ pid: t.pid, url: t.url, seconds: warmup, connections, pipelining: 1 });
      if (failures(w.r).length) throw new Error(`${t.name}: ${failures(w.r).join(', ')}`);
      results.set(t.name, { rps: [], cpu: [], p50: [] });
    }
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 ? [...targets].reverse() : targets;
      for (const t of order) {
        await sleep(200);
        const m = await loadRound({ pid: t.pid, url: t.url, seconds: duration, connections, pipelining: 1 });
        if (failures(m.r).length) throw new Error(`${t.name}: ${failures(m.r).join(', ')}`);
        const r = results.get(t.name)!;
        r.rps.push(m.reqPerSec);
        r.cpu.push(m.serverCpuUsPerReq);
        r.p50.push(m.r.latency.p50);
        process.stdout.write('.');
      }
    }
    const rawRps = median(results.get(variants[0].name)!.rps);
    const w = Math.max(44, ...targets.map((t) => t.name.length));
    console.log(
      `\n\n${'server'.padEnd(w)} ${'req/s'.padStart(7)} ${'÷ raw'.padStart(6)} ${'CPU µs/req'.padStart(11)}  p50`,
    );
    for (const t of targets) {
      const r = results.get(t.name)!;
      console.log(
        `${t.name.padEnd(w)} ${median(r.rps).toFixed(0).padStart(7)} ${((median(r.rps) / rawRps) * 100).toFixed(0).padStart(5)}% ${median(r.cpu).toFixed(0).padStart(11)}  ${median(r.p50)} ms`,
      );
    }
  } finally {
    await stopAll();
    fs.closeSync(logFd);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch(async (e) => {
  console.error(`ablation: FAILED — ${(e as Error).message}`);
  await stopAll();
  process.exitCode = 1;
});
