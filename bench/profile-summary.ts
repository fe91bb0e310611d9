// Summarises a V8 .cpuprofile (from `BENCH_CPU_PROF=DIR npm run bench`): where the server's time went, by
// function (self time), by source (package or src/ file), and inclusive time of chosen frames.
//
// Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [TOP=25] [FRAME-NAME-SUBSTRING…]
//   A frame argument written `callers:NAME` lists the call paths (4 frames up) leading to functions named NAME.
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg, ...args] = process.argv.slice(2);
const frames = args.filter((a) => !a.startsWith('callers:'));
const callersOf = args.filter((a) => a.startsWith('callers:')).map((a) => a.slice(8));
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [TOP] [FRAME…]');
  process.exit(2);
}
const top = Number(topArg) || 25;
const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node, in microseconds.
const self = new Map<number, number>();
prof.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

function source(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\/.*/, 'node:internal');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const src = /\/(src\/.+)$/.exec(url);
  return src ? src[1] : url;
}
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${source(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

function table(title: string, m: Map<string, number>) {
  console.log(`\n${title}`);
  for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((v / total) * 100).toFixed(1).padStart(6)}%  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
}

const byFn = new Map<string, number>();
const bySrc = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  byFn.set(label(n), (byFn.get(label(n)) ?? 0) + us);
  const s = source(n.callFrame.url);
  bySrc.set(s, (bySrc.get(s) ?? 0) + us);
}
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
table('self time by function', byFn);
table('self time by source', bySrc);

// Inclusive time of frames whose name contains one of the given substrings (each sample counted once per frame).
if (frames.length) {
  const incl = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const l = label(n);
      if (!seen.has(l) && frames.some((f) => l.includes(f))) {
        seen.add(l);
        incl.set(l, (incl.get(l) ?? 0) + us);
      }
    }
  }
  table('inclusive time of chosen frames', incl);
}

for (const name of callersOf) {
  const paths = new Map<string, number>();
  for (const [id, us] of self) {
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName !== name) continue;
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < 4; cur = parent.get(cur))
      chain.push(label(byId.get(cur)!));
    const k = chain.join(' ← ');
    paths.set(k, (paths.get(k) ?? 0) + us);
  }
  table(`callers of ${name}`, paths);
}
