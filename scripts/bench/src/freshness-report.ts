// bench-freshness's section of docs/benchmarks.md: per offered rate, ingest, visibility, freshness of
// the probes, memory and CPU of the pipeline process.
import type { FreshnessArgs } from './freshness-options';
import { POLL_MIN_MS, SWEEP_MS } from './freshness-options';
import type { LogLines, ProcessStats } from './freshness-pipeline';
import * as report from './report';

/** A probe, in acknowledgement order; times from performance.now(). */
export interface Probe {
  sentAt: number;
  ackAt: number;
  /** The receipt of the first GET /usage answer counting it. */
  visibleAt?: number;
  /** The sending of that poll. */
  pollSentAt?: number;
}

/** A sweep of the load customers' usage: when it ended, what was visible and acknowledged by then. */
export interface Sweep {
  start: number;
  t: number;
  visible: number;
  acked: number;
}

export interface StatsSample extends ProcessStats {
  t: number;
}

/** One offered rate's run. */
export interface FreshnessRun {
  rate: number;
  runId: string;
  uptimeStart: string;
  uptimeEnd: string;
  bytesPerEvent: number;
  pipelineStartMs: number;
  rssSeries: StatsSample[];
  errors: string[];
  warmupMs: number;
  rssAtStart: StatsSample | undefined;
  /** The start of the load (performance.now()). */
  t0: number;
  loadMs: number;
  acked: number;
  offered: number;
  sent: number;
  maxBehindMs: number;
  requestLatency: report.Summary;
  probes: Probe[];
  probesSent: number;
  polls: number;
  pollMeanMs: number;
  sweeps: Sweep[];
  visibleAtEnd: number;
  /** When every acknowledged event was visible; undefined when not within the drain timeout. */
  drained: number | undefined;
  logLines: LogLines;
}

/** Figures of one scenario, for the tables. */
function figures(r: FreshnessRun) {
  const visible = r.probes.filter((x): x is Required<Probe> => x.visibleAt !== undefined && x.pollSentAt !== undefined);
  const fresh = report.summary(visible.map((x) => x.visibleAt - x.ackAt));
  const lower = report.summary(visible.map((x) => Math.max(0, x.pollSentAt - x.ackAt)));
  const loadSeconds = r.loadMs / 1000;
  const during = r.sweeps.filter((s) => s.t <= r.t0 + r.loadMs);
  // From the first to the last sweep of the load; with one sweep only, from the start (nothing visible).
  const first: Pick<Sweep, 't' | 'visible'> = during.length >= 2 ? during[0] : { t: r.t0, visible: 0 };
  const last: Sweep | undefined = during[during.length - 1];
  const slope = last ? (last.visible - first.visible) / ((last.t - first.t) / 1000) : NaN;
  const rss = r.rssSeries.map((s) => s.rss);
  const lastDuring = [...r.rssSeries].reverse().find((s) => s.t <= r.t0 + r.loadMs) ?? r.rssSeries[r.rssSeries.length - 1];
  const every10: StatsSample[] = [];
  for (const s of r.rssSeries) {
    if (s.t < r.t0) continue;
    const bucket = Math.floor((s.t - r.t0) / 10000);
    if (every10.length === 0 || Math.floor((every10[every10.length - 1].t - r.t0) / 10000) !== bucket) every10.push(s);
  }
  return {
    fresh,
    lower,
    invisible: r.probes.length - visible.length,
    ingestRate: r.acked / loadSeconds,
    loadSeconds,
    duringSweeps: during.length,
    visibleRate: slope,
    lastDuring: during[during.length - 1],
    drainSeconds: r.drained !== undefined ? (r.drained - (r.t0 + r.loadMs)) / 1000 : NaN,
    overallVisible: r.drained !== undefined ? r.acked / ((r.drained - r.t0) / 1000) : NaN,
    maxRss: Math.max(...rss),
    finalRss: r.rssSeries[r.rssSeries.length - 1]?.rss,
    cpuShare: (lastDuring.cpu - (r.rssAtStart?.cpu ?? 0)) / ((lastDuring.t - (r.rssAtStart?.t ?? r.t0)) / 1000),
    every10,
  };
}

export function render(scenarios: FreshnessRun[], args: FreshnessArgs, started: Date, uptimeStart: string, uptimeEnd: string): string {
  const { fmt, bytes } = report;
  const lines: string[] = [];
  lines.push(
    `Run ${report.isoSeconds(started)}, code ${report.codeVersion()}, Node ${process.version}; ${report.machine()}.`,
    `Load (\`uptime\`) at the start: \`${uptimeStart}\`; at the end: \`${uptimeEnd}\`.`,
    '',
    `Workload: the offered rate for ${fmt(args.duration)} s, in batches of ${fmt(args.batch)} events (\`POST /events/ingest\`, ` +
      `${fmt(scenarios[0]?.bytesPerEvent ?? NaN)} bytes of JSON per event) from ${args.clients} concurrent clients, paced;`,
    `\`api_request\` events of ${fmt(args.customers)} customers, each matching 2 meters of the demo catalog (\`mtr_api_calls\` count,`,
    `\`mtr_active_users\` unique count) and written to the raw \`events\` table; \`AGGREGATOR_FLUSH_INTERVAL_MS=${args.flushMs}\`, 3 partitions`,
    'per topic, embedded ClickHouse (chdb), all four services in one process (`services/standalone/dist/main.js`), each rate on a fresh',
    `process, topic prefix and data directory. One probe event every ${args.probeInterval} ms for a probe customer; \`GET /usage\` polled back to`,
    `back (at most every ${POLL_MIN_MS} ms). Freshness: from the probe's ingest 2xx to the receipt of the first \`GET /usage\` answer counting it.`,
    '',
    '| offered | ingested (acknowledged) | visible during the load | all visible after the load | freshness p50 / p99 / max (probes) | RSS after warm-up / max / final | CPU (of one core) | load at start |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of scenarios) {
    const f = figures(r);
    lines.push(
      `| ${fmt(r.rate)} ev/s | ${fmt(f.ingestRate)} ev/s (${fmt(r.acked)} in ${fmt(f.loadSeconds, 1)} s) | ` +
        `${fmt(f.visibleRate)} ev/s | ${r.drained !== undefined ? `${fmt(f.drainSeconds, 1)} s later (${fmt(f.overallVisible)} ev/s overall)` : `**not within ${args.drainTimeout} s** (${fmt(r.visibleAtEnd)} of ${fmt(r.acked)})`} | ` +
        `${fmt(f.fresh.p50)} / ${fmt(f.fresh.p99)} / ${fmt(f.fresh.max)} ms (${fmt(f.fresh.count)}${f.invisible ? `, ${f.invisible} never visible` : ''}) | ` +
        `${bytes(r.rssAtStart?.rss)} / ${bytes(f.maxRss)} / ${bytes(f.finalRss)} | ${fmt(f.cpuShare * 100)} % | ${r.uptimeStart.replace(/.*load average: /, '')} |`,
    );
  }
  // Targets of the throughput issue: p99 ≤ 2 s at 20,000 events/s offered; 25,000 events/s sustained and
  // visible; RSS ≤ 512 MiB at 10,000 events/s.
  const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const targets: string[] = [];
  const at20k = scenarios.find((r) => r.rate >= 20000);
  if (at20k) {
    const f = figures(at20k);
    const met = f.fresh.p99 <= 2000 && f.ingestRate >= 0.95 * at20k.rate && f.invisible === 0 && f.fresh.count >= 200;
    targets.push(`- freshness p99 ≤ 2 s at 20,000 events/s offered: p99 ${fmt(f.fresh.p99)} ms, ${fmt(f.ingestRate)} events/s acknowledged — ${verdict(met)}.`);
  }
  if (scenarios.length > 0) {
    const best = scenarios.map((r) => ({ r, f: figures(r) })).reduce((a, b) => (b.f.visibleRate > a.f.visibleRate ? b : a));
    targets.push(`- sustained and visible in \`GET /usage\` ≥ 25,000 events/s: best ${fmt(best.f.visibleRate)} events/s visible during the load (at ${fmt(best.r.rate)} offered; ${fmt((best.f.visibleRate / 25000) * 100)}% of the target) — ${verdict(best.f.visibleRate >= 25000)}.`);
  }
  const at10k = scenarios.find((r) => r.rate === 10000);
  if (at10k) {
    const f = figures(at10k);
    targets.push(`- RSS ≤ 512 MiB at 10,000 events/s: peak ${bytes(f.maxRss)} — ${verdict(f.maxRss <= 512 * report.MiB)}.`);
  }
  if (targets.length > 0) lines.push('', 'Targets (throughput issue):', ...targets);
  for (const r of scenarios) {
    const f = figures(r);
    if (f.visibleRate < 0.9 * f.ingestRate) {
      lines.push(
        '',
        `At ${fmt(r.rate)} events/s offered the pipeline fell behind: events became visible at ${fmt(f.visibleRate)} events/s while ` +
          `${fmt(f.ingestRate)} events/s were acknowledged, so freshness grew with the backlog during the run` +
          `${r.drained !== undefined ? ` (drained ${fmt(f.drainSeconds, 1)} s after the load)` : ''}.`,
      );
    }
  }
  for (const r of scenarios) {
    const f = figures(r);
    lines.push(
      '',
      `Details at ${fmt(r.rate)} events/s offered (load \`${r.uptimeStart.replace(/.*load average: /, '')}\` → \`${r.uptimeEnd.replace(/.*load average: /, '')}\`):`,
      '',
      `- freshness lower bound (to the sending of the answering poll): p50 ${fmt(f.lower.p50)} ms, p99 ${fmt(f.lower.p99)} ms; ` +
        `${fmt(r.probesSent)} probes sent, ${fmt(r.probes.length)} acknowledged; ${fmt(r.polls)} polls of ${fmt(r.pollMeanMs, 1)} ms on average;`,
      `- ingest: ${fmt(r.sent)} of the ${fmt(r.offered)} events offered were sent before the end of the load (a client sends a batch when it is due and the client is free); ` +
        `largest lag behind the pacing ${fmt(r.maxBehindMs)} ms;` +
        ` request latency p50 ${fmt(r.requestLatency.p50)} ms, p99 ${fmt(r.requestLatency.p99)} ms, max ${fmt(r.requestLatency.max)} ms;`,
      `- visible over time (the load customers' usage, \`GET /usage\` per customer, a sweep every ${SWEEP_MS / 1000} s at most; ` +
        `seconds since the load started at the end of the sweep: visible / acknowledged by then): ` +
        `${r.sweeps.map((x) => `${fmt((x.t - r.t0) / 1000)} s: ${fmt(x.visible)} / ${fmt(x.acked)}`).join('; ')};`,
      `- RSS every 10 s (MiB): ${f.every10.map((s) => fmt(s.rss / report.MiB)).join(', ')}; started in ${fmt(r.pipelineStartMs / 1000, 1)} s, warm-up probe visible after ${fmt(r.warmupMs / 1000, 1)} s;`,
      `- errors: ${r.errors.length === 0 ? 'none' : `${r.errors.length} (${[...new Set(r.errors.map((e) => e.replace(/^(batch|probe) \d+: /, '').replace(/\?.*: no answer/, ': no answer')))].slice(0, 3).join('; ')})`}; ` +
        `logged warnings / errors: ${r.logLines.warn} / ${r.logLines.error}${r.logLines.samples.length ? ` (${r.logLines.samples.map((s) => `"${s}"`).join(', ')})` : ''}.`,
    );
  }
  lines.push(
    '',
    'The benchmark process (clients, probes, poller, sweeps) runs on the same machine. `RATE_LIMIT_PER_MINUTE` is raised for the run:',
    'the poller alone makes more than the default 6,000 requests per minute per key. Reproduce (local stack up):',
    '',
    '```bash',
    'node_modules/.bin/tsc -b',
    `node scripts/bench-freshness.js${process.argv.slice(2).filter((x) => x !== '--no-write' && x !== '--keep').map((x) => ` ${x}`).join('')}`,
    '```',
  );
  return lines.join('\n');
}

