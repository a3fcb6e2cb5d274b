// Summarizes V8 CPU profiles (`node --cpu-prof`, what the benchmarks' `--profile DIR` writes): self time
// per function and per package, so that a benchmark section can show where the CPU goes. One profile is
// one thread (the standalone process writes one for its main thread and one per worker thread).
// `node scripts/bench/dist/profile-top.js [--top=N] [--skip-s=S] DIR|FILE…` prints the tables;
// `node scripts/bench/dist/profile-top.js --write "LABEL=DIR" …` writes them, one part per labelled
// directory (e.g. before and after a change), into the "bench-profile" section of docs/benchmarks.md.
import fs from 'node:fs';
import path from 'node:path';
import * as report from './report';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  /** `function (file:line)`, or a V8 pseudo-frame such as `(idle)` or `(garbage collector)`. */
  name: string;
  /** Self time, microseconds. */
  selfUs: number;
  /** Share of the profile's duration, 0..1. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  durationUs: number;
  /** Self time per function, largest first. */
  functions: ProfileEntry[];
  /** Self time per origin: a package under node_modules, a workspace of this repository, Node's own code
   *  or a V8 pseudo-frame; largest first. */
  origins: ProfileEntry[];
}

const PSEUDO = new Set(['(idle)', '(garbage collector)', '(program)', '(root)']);

/** What a frame's code belongs to: `kafkajs`, `services/aggregator`, `node:internal`, `(idle)` … */
export function originOf(frame: CallFrame): string {
  if (PSEUDO.has(frame.functionName)) return frame.functionName;
  const url = frame.url;
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    const pkg = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    // The workspaces are symlinked into node_modules; call them by their folder.
    return pkg.startsWith('@meterstream/') ? `services/${pkg.slice('@meterstream/'.length)}` : pkg;
  }
  const services = url.indexOf('/services/');
  if (services >= 0) return url.slice(services + 1).split('/').slice(0, 2).join('/');
  return path.basename(url);
}

function frameName(frame: CallFrame): string {
  if (PSEUDO.has(frame.functionName) || !frame.url) return frame.functionName || '(anonymous)';
  const file = frame.url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  const short = modules >= 0 ? file.slice(modules + '/node_modules/'.length) : file.replace(/^.*?\/(services|scripts)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} (${short}:${frame.lineNumber + 1})`;
}

function ranked(totals: Map<string, number>, durationUs: number): ProfileEntry[] {
  return [...totals.entries()]
    .map(([name, selfUs]) => ({ name, selfUs, share: durationUs > 0 ? selfUs / durationUs : 0 }))
    .sort((a, b) => b.selfUs - a.selfUs);
}

/** `skipUs`: leave out the first microseconds of the profile (a process's start, before what is measured). */
export function summarizeProfile(file: string, skipUs = 0): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const functions = new Map<string, number>();
  const origins = new Map<string, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at - profile.startTime < skipUs) continue;
    const frame = byId.get(profile.samples[i]);
    if (!frame) continue;
    const name = frameName(frame);
    functions.set(name, (functions.get(name) ?? 0) + us);
    const origin = originOf(frame);
    origins.set(origin, (origins.get(origin) ?? 0) + us);
  }
  const durationUs = Math.max(0, profile.endTime - profile.startTime - skipUs);
  return { file, durationUs, functions: ranked(functions, durationUs), origins: ranked(origins, durationUs) };
}

/** The profiles a run wrote into a directory, oldest first. */
export function profilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** Which thread a profile is of, from the name node --cpu-prof gives it (CPU.<date>.<time>.<pid>.<thread>.<seq>). */
function threadOf(file: string): string {
  const thread = path.basename(file).split('.')[4];
  return thread === '0' ? 'main thread' : `worker thread ${thread}`;
}

/** Markdown: per profile (thread), the top origins and the top functions by self time. */
export function profileMarkdown(summaries: readonly ProfileSummary[], top = 12): string {
  const out: string[] = [];
  for (const s of summaries) {
    out.push(`${threadOf(s.file)}, profile \`${path.basename(s.file)}\` (${(s.durationUs / 1e6).toFixed(1)} s), self time:`);
    out.push('');
    out.push('| origin | share | | function | share |');
    out.push('| --- | ---: | --- | --- | ---: |');
    for (let i = 0; i < top; i++) {
      const o = s.origins[i];
      const f = s.functions[i];
      if (!o && !f) break;
      out.push(`| ${o ? `\`${o.name}\`` : ''} | ${o ? pct(o.share) : ''} | | ${f ? `\`${f.name}\`` : ''} | ${f ? pct(f.share) : ''} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

function writeSection(parts: readonly string[], top: number): void {
  const body = [`Written ${report.isoSeconds(new Date())} on ${report.machine()} by \`node scripts/bench/dist/profile-top.js --write …\` from V8 CPU profiles (\`node --cpu-prof\`, the \`--profile DIR\` of the benchmarks). Self time per origin (a package, a workspace of this repository, Node's own modules, or V8's idle, garbage collector and native frames) and per function, as shares of the thread's wall time; idle is time the thread waited. In the standalone process the main thread runs the gateway, the aggregator and billing, worker thread 1 the meter-router.`, ''];
  for (const part of parts) {
    const at = part.lastIndexOf('=');
    if (at < 0) throw new Error(`--write takes "LABEL=DIR", got ${part}`);
    const [label, dir] = [part.slice(0, at), part.slice(at + 1)];
    body.push(`**${label}**`, '', profileMarkdown(profilesIn(dir).map((f) => summarizeProfile(f)), top));
  }
  report.writeDocSection('bench-profile', 'CPU profile of the standalone process', 'Where the standalone process spends its CPU under ingest load (`node scripts/bench-ingest.js --modes standalone --profile DIR`).', body.join('\n'));
  console.log(`profile-top: wrote the bench-profile section of ${report.DOC}`);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--write') {
    writeSection(args.slice(1).filter((a) => !a.startsWith('--top=')), Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 12));
    process.exit(0);
  }
  const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  const skipUs = Number(args.find((a) => a.startsWith('--skip-s='))?.slice(9) ?? 0) * 1e6;
  const targets = args.filter((a) => !a.startsWith('--'));
  const files = targets.flatMap((t) => (fs.statSync(t).isDirectory() ? profilesIn(t) : [t]));
  console.log(profileMarkdown(files.map((f) => summarizeProfile(f, skipUs)), top));
}
