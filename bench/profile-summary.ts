import fs from 'node:fs';
import path from 'node:path';

/**
 * node dist/bench/profile-summary.js <file.cpuprofile> [top] [skip-seconds]
 * Summarises a `node --cpu-prof` profile: self time by function and by package/source file, and
 * inclusive time of our own functions, as shares of the busy (non-idle) samples, so a bottleneck
 * can be named. `skip-seconds` drops the start (boot, migrations, initdb) from the count.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArg, skipArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.js <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const skipMicros = Number(skipArg ?? 0) * 1e6;
const hits = new Map<number, number>();
let elapsed = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  elapsed += profile.timeDeltas[i] ?? 0;
  if (elapsed < skipMicros) {
    return;
  }
  if (byId.get(id)?.callFrame.functionName === '(idle)') {
    idle++;
    return;
  }
  hits.set(id, (hits.get(id) ?? 0) + 1);
});
const total = [...hits.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (!url) {
    return '(native/vm)';
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) {
    return modules[1];
  }
  if (url.startsWith('node:')) {
    return url;
  }
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6) : path.basename(url);
}

const label = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const selfByFunction = new Map<string, number>();
const selfByPlace = new Map<string, number>();
for (const [id, count] of hits) {
  const node = byId.get(id)!;
  selfByFunction.set(label(node), (selfByFunction.get(label(node)) ?? 0) + count);
  const place = where(node.callFrame.url);
  selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + count);
}

// Inclusive time of each function: every sample counts once per distinct function on its stack.
const parent = new Map<number, number>();
for (const n of profile.nodes) {
  for (const c of n.children ?? []) {
    parent.set(c, n.id);
  }
}
const inclusive = new Map<string, number>();
for (const [id, count] of hits) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = label(byId.get(at)!);
    if (!seen.has(key)) {
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + count);
    }
  }
}

const pct = (n: number): string => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
const print = (title: string, entries: Map<string, number>, filter: (k: string) => boolean = () => true): void => {
  console.log(`\n${title}`);
  [...entries]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, n]) => console.log(`  ${pct(n)}  ${k}`));
};
console.log(`${file}: ${total} busy samples, ${idle} idle (${((100 * total) / (total + idle)).toFixed(1)}% busy)`);
print('Self time by package / file', selfByPlace);
print('Self time by function', selfByFunction);
print('Inclusive time of our code (src/)', inclusive, (k) => k.includes(' src/'));
print('Inclusive time, everything', inclusive, (k) => !k.startsWith('(root)'));
