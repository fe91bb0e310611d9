import { type ChildProcess, execFileSync, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';

// Process plumbing for the benchmark: free ports, child processes, /proc readings, one exact GET.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One GET with no extra request headers (like autocannon's), returning the exact bytes received. */
export function rawGet(url: string, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Polls `url` until it answers 200; fails early if the child exits, or after `deadlineMs`. */
export async function waitReady(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`server exited early (code ${child.exitCode}, signal ${child.signalCode})`);
    try {
      const r = await rawGet(url, 1000);
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${url} not ready after ${deadlineMs} ms (${last})`);
}

/** Starts `node file args…` and waits for the "listening PORT" line it prints (on stdout, or stderr). */
export async function spawnListening(
  file: string,
  args: string[],
  cwd: string,
  logFd: number,
  portOn: 'stdout' | 'stderr' = 'stdout',
): Promise<{ child: ChildProcess; port: number }> {
  const stdio: ['ignore', 'pipe' | number, 'pipe' | number] =
    portOn === 'stdout' ? ['ignore', 'pipe', logFd] : ['ignore', logFd, 'pipe'];
  const child = spawn(process.execPath, [file, ...args], { cwd, stdio });
  const out = portOn === 'stdout' ? child.stdout : child.stderr;
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${file} did not report its port within 15 s`)), 15_000);
    out?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening (\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with code ${code} before listening`));
    });
  });
  out?.resume();
  return { child, port };
}

/** The environment gongkai runs with in the benchmark. JOBS=0 keeps the job runner's polling out of the rounds. */
export const gongkaiBaseEnv: Record<string, string> = { NODE_ENV: 'production', LOG_LEVEL: 'info', JOBS: '0' };

/**
 * Starts the real server (`node --import tsx src/main.ts serve --migrate --seed-demo`) on a free loopback port
 * with SQLite in `dataDir`, stdout and stderr to `logFd`, and waits until /readyz answers 200.
 */
export async function startGongkai(o: {
  root: string;
  dataDir: string;
  logFd: number;
  env?: Record<string, string>;
  cpuProfDir?: string;
}): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DATABASE_URL', 'SMTP_URL', 'TRUST_PROXY', 'SECRET_KEY', 'HOST']) delete env[k];
  Object.assign(env, gongkaiBaseEnv, o.env ?? {}, {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: o.dataDir,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    // Meets the password policy (four kinds of character); nobody signs in during the benchmark.
    GONGKAI_ADMIN_PASSWORD: `Bench-${randomBytes(9).toString('base64url')}-a1A!`,
  });
  const prof = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const child = spawn(
    process.execPath,
    [...prof, '--import', 'tsx', path.join('src', 'main.ts'), 'serve', '--migrate', '--seed-demo'],
    { cwd: o.root, env, stdio: ['ignore', o.logFd, o.logFd] },
  );
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`, child, 60_000);
  } catch (e) {
    await stopChild(child);
    throw new Error(`gongkai from ${o.root}: ${(e as Error).message}`);
  }
  return { child, port };
}

/**
 * Where to run gongkai from. BENCH_SOURCE=worktree (default): this checkout as it is, uncommitted changes
 * included. BENCH_SOURCE=head: a copy of the committed HEAD (`git archive`) under `tmp`, sharing this
 * checkout's node_modules, so a run measures exactly one commit while others edit the working tree.
 * BENCH_SOURCE=/some/dir: a checkout elsewhere (e.g. HEAD with a change under trial); it needs node_modules.
 */
export function serverSource(root: string, tmp: string): { dir: string; source: string } {
  const which = process.env.BENCH_SOURCE || 'worktree';
  if (which === 'worktree') return { dir: root, source: 'working tree' };
  if (which.includes('/')) {
    if (!fs.existsSync(path.join(which, 'src', 'main.ts'))) throw new Error(`BENCH_SOURCE: no src/main.ts in ${which}`);
    return { dir: path.resolve(which), source: `the checkout in ${path.resolve(which)}` };
  }
  if (which !== 'head') throw new Error('BENCH_SOURCE must be worktree, head or a directory');
  const dir = path.join(tmp, 'head');
  fs.mkdirSync(dir, { recursive: true });
  execSync(`git archive --format=tar HEAD | tar -x -C '${dir}'`, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  return { dir, source: `committed HEAD ${commit} (git archive)` };
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = sleep(graceMs).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** A field of /proc/PID/status in kB (VmRSS, VmHWM), or NaN when the process is gone. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

let clockTicks = 0;
/** User + system CPU time of a process (all its threads) in milliseconds, from /proc/PID/stat. */
export function procCpuMs(pid: number): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** CPU time the whole machine spent busy (all cores, all processes) in milliseconds, from /proc/stat. */
export function machineBusyMs(): number {
  procCpuMs(process.pid); // sets clockTicks
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    return ((f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memTotalMb: number;
  node: string;
  kernel: string;
  commit: string;
  srcDirty: boolean;
  loadAvg: string;
}

export function machineFacts(
  cwd: string,
  cpus: number,
  kernel: string,
  memTotalBytes: number,
  loadAvg: number[],
): Machine {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    /* not Linux */
  }
  let commit = 'unknown';
  let srcDirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    srcDirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd, encoding: 'utf8' }).trim().length > 0;
  } catch {
    /* not a git checkout */
  }
  let nproc = cpus;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || cpus;
  } catch {
    /* keep os.availableParallelism() */
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: nproc,
    cpuModel,
    memTotalMb: Math.round(memTotalBytes / 2 ** 20),
    node: process.version,
    kernel,
    commit,
    srcDirty,
    loadAvg: loadAvg.map((l) => l.toFixed(1)).join(' / '),
  };
}

/**
 * One autocannon run from this process against a server child: its req/s, CPU time per request (all the
 * child's threads, from /proc), and this process's own CPU use. `onRss` gets the child's RSS every 250 ms.
 */
export async function loadRound(o: {
  pid: number;
  url: string;
  seconds: number;
  connections: number;
  pipelining: number;
  onRss?: (kb: number) => void;
}) {
  const cpu0 = procCpuMs(o.pid);
  const busy0 = machineBusyMs();
  const lg0 = process.cpuUsage();
  const wall0 = performance.now();
  const sampler = setInterval(() => o.onRss?.(procStatusKb(o.pid, 'VmRSS')), 250);
  try {
    const r = await autocannon({
      url: o.url,
      connections: o.connections,
      pipelining: o.pipelining,
      duration: o.seconds,
      timeout: 10,
    });
    const wallMs = performance.now() - wall0;
    const lg = process.cpuUsage(lg0);
    const serverCpuMs = procCpuMs(o.pid) - cpu0;
    const lgMs = (lg.user + lg.system) / 1000;
    // Whatever else ran on the machine meanwhile (other people's tests, idle servers), in cores.
    const otherCores = Math.max(0, machineBusyMs() - busy0 - serverCpuMs - lgMs) / wallMs;
    const total = r.requests.total;
    return {
      r,
      total,
      reqPerSec: total / r.duration,
      serverCpuUsPerReq: total ? (serverCpuMs * 1000) / total : Number.NaN,
      serverCpuPct: (serverCpuMs / wallMs) * 100,
      loadgenCpuPct: (lgMs / wallMs) * 100,
      otherCores,
      bytesPerResponse: total ? r.throughput.total / total : Number.NaN,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** What went wrong in a run: connection errors, timeouts, non-2xx answers, mismatches; empty when nothing. */
export function failures(r: autocannon.Result): string[] {
  const out: string[] = [];
  if (r.errors) out.push(`${r.errors} connection errors`);
  if (r.timeouts) out.push(`${r.timeouts} timeouts`);
  if (r.non2xx) out.push(`${r.non2xx} non-2xx responses ${JSON.stringify(r.statusCodeStats ?? {})}`);
  if (r.mismatches) out.push(`${r.mismatches} body mismatches`);
  if (!r.requests.total) out.push('no completed requests');
  return out;
}
