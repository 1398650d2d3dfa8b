/**
 * Reads a .cpuprofile (pipeline-profile.ts) and prints where the samples went: self time by
 * package / plugin file, the top functions by self time, and the inclusive share of the
 * functions named on the command line (e.g. cloneMessage, HttpClient.request).
 *
 * PROFILE_WINDOW=a,b (pipeline-profile.ts prints it): only the samples from a ms to b ms before
 * the profile's end.
 *
 * npx tsx test/bench/profile-summary.ts /tmp/p.cpuprofile [functionName ...]
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function bucket(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : `(native) ${fn}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    if (pkg === 'node-red-contrib-sage-x3-shipping') return `plugin ${rest.slice(-2).join('/')}`;
    return pkg;
  }
  if (url.startsWith('node:')) return url;
  return url;
}

function main(): void {
  const [file, ...named] = process.argv.slice(2);
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // sample times (µs, the profile's clock); samples outside PROFILE_WINDOW count as zero
  const [fromMs, toMs] = (process.env.PROFILE_WINDOW ?? '').split(',').map(Number);
  const times: number[] = [];
  let at = p.endTime - p.timeDeltas.reduce((a, d) => a + d, 0);
  for (const d of p.timeDeltas) times.push((at += d));
  const inWindow = (i: number): boolean =>
    !Number.isFinite(fromMs) || (times[i] >= p.endTime - fromMs * 1000 && times[i] <= p.endTime - toMs * 1000);
  p.timeDeltas = p.timeDeltas.map((d, i) => (inWindow(i) ? d : 0));
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const idle = [...self]
    .filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)')
    .reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const pct = (t: number): string => `${((100 * t) / busy).toFixed(1).padStart(5)} %`;
  console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled (shares of busy time)`);

  const buckets = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, t] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const b = bucket(f.url, f.functionName);
    buckets.set(b, (buckets.get(b) ?? 0) + t);
    const k = `${f.functionName || '(anon)'} ${bucket(f.url, '')}:${f.lineNumber + 1}`;
    fns.set(k, (fns.get(k) ?? 0) + t);
  }
  console.log('\nself time by package / file');
  for (const [b, t] of [...buckets].sort((a, c) => c[1] - a[1]).slice(0, 40)) console.log(`${pct(t)}  ${b}`);
  console.log('\ntop functions by self time');
  for (const [k, t] of [...fns].sort((a, c) => c[1] - a[1]).slice(0, 40)) console.log(`${pct(t)}  ${k}`);

  // PROFILE_CALLERS=fsync: the stacks (plugin and Node-RED frames) that lead to it
  const callers = process.env.PROFILE_CALLERS;
  if (callers) {
    const stacks = new Map<string, number>();
    p.samples.forEach((id, i) => {
      if (byId.get(id)!.callFrame.functionName !== callers) return;
      const frames: string[] = [];
      for (
        let n = parent.get(id);
        n !== undefined && frames.length < Number(process.env.PROFILE_DEPTH ?? 6);
        n = parent.get(n)
      ) {
        const f = byId.get(n)!.callFrame;
        if (f.url.includes('node_modules/') || f.url.startsWith('node:'))
          frames.push(`${f.functionName || '(anon)'}@${bucket(f.url, '')}:${f.lineNumber + 1}`);
      }
      const k = frames.join(' < ');
      stacks.set(k, (stacks.get(k) ?? 0) + (p.timeDeltas[i] ?? 0));
    });
    console.log(`\ncallers of ${callers}`);
    for (const [k, t] of [...stacks].sort((a, c) => c[1] - a[1]).slice(0, 12)) console.log(`${pct(t)}  ${k}`);
  }

  if (named.length) {
    console.log('\ninclusive');
    for (const name of named) {
      let t = 0;
      p.samples.forEach((id, i) => {
        for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
          const f = byId.get(n)!.callFrame;
          if (f.functionName === name || `${f.functionName}@${bucket(f.url, '')}`.includes(name)) {
            t += p.timeDeltas[i] ?? 0;
            break;
          }
        }
      });
      console.log(`${pct(t)}  ${name}`);
    }
  }
}

main();
