// CPU accounting for the benchmark scripts, from /proc: the whole machine, a child process, this
// process; and the load average.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** The 1-minute load average. */
export function load1(): number {
  return os.loadavg()[0];
}

let clkTck: number | undefined;
function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU seconds (user + system) a process has used so far; undefined if it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) per thread name of a process, from /proc/<pid>/task: what its main
 * thread (`node`), worker threads, V8 and libuv helpers and the embedded engine's pools each used.
 * Threads that ended are not counted; an empty map when the process is gone.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tasks) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Numbered pools ("QueryPipelineEx", "BgSchPool", "libuv-worker") are one entry each.
      const group = name.replace(/[\d.:-]+$/, '') || name;
      byName.set(group, (byName.get(group) ?? 0) + (Number(fields[11]) + Number(fields[12])) / clockTicks());
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName;
}

/** Per thread name, CPU seconds per wall second between two threadCpuSeconds samples; largest first. */
export function threadShares(before: Map<string, number>, after: Map<string, number>, wallSeconds: number): [string, number][] {
  return [...after]
    .map(([name, end]): [string, number] => [name, (end - (before.get(name) ?? 0)) / wallSeconds])
    .filter(([, share]) => share > 0)
    .sort((a, b) => b[1] - a[1]);
}

interface MachineCpu {
  busy: number;
  total: number;
}

/** Machine-wide CPU counters: busy and total jiffies over all cores. */
function machineCpu(): MachineCpu | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] || 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** CPU use over a measured period: the machine in % of all cores, the processes in % of one core. */
export type CpuUse<Name extends string> = { machineBusyPct: number; selfPct: number } & Record<`${Name}Pct`, number>;

/**
 * Samples CPU use between start() and stop(): the whole machine (% of all cores), this process and
 * the processes given by pid (each in % of one core).
 */
export class CpuMeter<Name extends string> {
  private t0 = 0n;
  private machine0: MachineCpu | undefined;
  private self0: NodeJS.CpuUsage | undefined;
  private proc0 = new Map<Name, number | undefined>();

  constructor(private readonly pids: Record<Name, number>) {}

  start(): this {
    this.t0 = process.hrtime.bigint();
    this.machine0 = machineCpu();
    this.self0 = process.cpuUsage();
    this.proc0 = new Map(this.entries().map(([name, pid]) => [name, processCpuSeconds(pid)]));
    return this;
  }

  stop(): CpuUse<Name> {
    const seconds = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const machine1 = machineCpu();
    const self = process.cpuUsage(this.self0);
    const out: Record<string, number> = {
      machineBusyPct: this.machine0 && machine1 ? (100 * (machine1.busy - this.machine0.busy)) / Math.max(1, machine1.total - this.machine0.total) : NaN,
      selfPct: (100 * (self.user + self.system)) / 1e6 / seconds,
    };
    for (const [name, pid] of this.entries()) {
      const after = processCpuSeconds(pid);
      const before = this.proc0.get(name);
      out[`${name}Pct`] = after === undefined || before === undefined ? NaN : (100 * (after - before)) / seconds;
    }
    return out as CpuUse<Name>;
  }

  private entries(): [Name, number][] {
    return Object.entries(this.pids) as [Name, number][];
  }
}
