// Small measurement helpers for the benchmark scripts: percentiles, load average, CPU accounting
// from /proc (machine, a child process, this process).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');

/** The p-th percentile (0..100) of an ascending array, nearest rank; NaN when empty. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** `uptime`'s line, e.g. "23:25:20 up 1:06, 0 user, load average: 8.66, 9.31, 5.79". */
function uptimeLine() {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/\s+/g, ' ');
  } catch {
    return `load average: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`;
  }
}

/** The 1-minute load average. */
function load1() {
  return os.loadavg()[0];
}

let clkTck;
function clockTicks() {
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
function processCpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU counters: busy and total jiffies over all cores. */
function machineCpu() {
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

/**
 * Samples CPU use between start() and stop(): the whole machine (% of all cores), this process and
 * the processes given by pid (each in % of one core).
 */
class CpuMeter {
  constructor(pids = {}) {
    this.pids = pids;
  }

  start() {
    this.t0 = process.hrtime.bigint();
    this.machine0 = machineCpu();
    this.self0 = process.cpuUsage();
    this.proc0 = Object.fromEntries(Object.entries(this.pids).map(([name, pid]) => [name, processCpuSeconds(pid)]));
    return this;
  }

  stop() {
    const seconds = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const machine1 = machineCpu();
    const self = process.cpuUsage(this.self0);
    const out = {
      machineBusyPct: this.machine0 && machine1 ? (100 * (machine1.busy - this.machine0.busy)) / Math.max(1, machine1.total - this.machine0.total) : NaN,
      selfPct: (100 * (self.user + self.system)) / 1e6 / seconds,
    };
    for (const [name, pid] of Object.entries(this.pids)) {
      const after = processCpuSeconds(pid);
      const before = this.proc0[name];
      out[`${name}Pct`] = after === undefined || before === undefined ? NaN : (100 * (after - before)) / seconds;
    }
    return out;
  }
}

module.exports = { percentile, uptimeLine, load1, CpuMeter, processCpuSeconds };
