/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by package
 * (or app folder, or Node internals) and the hottest functions, as text.
 * Also usable alone: npx ts-node --transpile-only bench/http/profile-summary.ts FILE
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<pkg> (scoped too), dist/src/<folder>, node:<internal>, or the V8 pseudo-frames. */
function bucket(url: string, functionName: string): string {
  if (!url) return functionName || '(anonymous native)';
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (mod) return mod[1];
  const app = /\/dist\/src\/([^/]+)/.exec(url) ?? /\/src\/([^/]+)/.exec(url);
  if (app) return `app:${app[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*$/, 'node:$1');
  return url;
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs.entries()]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
    .reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;

  const byBucket = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const b = bucket(url, functionName);
    byBucket.set(b, (byBucket.get(b) ?? 0) + us);
    const f = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : ''}`;
    byFunction.set(f, (byFunction.get(f) ?? 0) + us);
  }
  const pct = (us: number): string => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  const rows = (m: Map<string, number>): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${pct(us)}  ${k}`);
  return [
    `busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled (idle ${((idle / total) * 100).toFixed(1)} %)`,
    'self time by package / app folder (share of busy time):',
    ...rows(byBucket),
    'hottest functions (self time):',
    ...rows(byFunction),
    '',
  ].join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: profile-summary.ts FILE.cpuprofile\n');
    process.exit(2);
  }
  process.stdout.write(summarizeProfile(file));
}
