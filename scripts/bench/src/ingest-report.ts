// bench-ingest's section of docs/benchmarks.md: the gateway's scenarios, the raw producers, the
// targets, and why a target was missed.
import os from 'node:os';
import type { Settle } from './kafka-admin';
import type { CpuUse } from './bench-stats';
import { GATEWAY_NODE_FLAGS } from './gateway-flags';
import type { HttpScenarioResult } from './http-load';
import type { EncodingFigures } from './ingest-encoding';
import { MODES, type IngestArgs, type ModeName } from './ingest-options';
import type { ProducerLoopResult, ProducerPerformanceSummary } from './producer-bench';

/** Targets of the throughput issue: the gateway alone at a share of the raw Kafka rate of the same run;
 *  the standalone process in events/s (per batch size) and in events per CPU-second of its own. */
export const TARGET_RATIO = 0.25;
export const STANDALONE_TARGETS: Record<number, number> = { 1000: 30000, 100: 10000 };
export const STANDALONE_PER_CPU_SECOND = 25000;

export interface Scenario extends HttpScenarioResult {
  mode: ModeName;
  /** CPU over the measured period; empty when the period never started. */
  cpu: Partial<CpuUse<'pipeline'>>;
  load1: number;
  settle: Settle;
}

export interface IngestResult {
  args: IngestArgs;
  started: Date;
  totalMinutes: number;
  scenarios: Scenario[];
  uptimes: { label: string; line: string }[];
  versions: { kafkajs: string; platformatic: string };
  size?: EncodingFigures;
  recordSize?: number;
  topicChecks?: { mode: ModeName; acknowledged: number; inTopic: number }[];
  perf?: ProducerPerformanceSummary;
  producers?: {
    perf?: ProducerPerformanceSummary;
    kafkajs?: ProducerLoopResult;
    platformatic?: ProducerLoopResult;
    loads: { perf?: string; kafkajs?: string; platformatic?: string };
  };
}

export const fmtInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')) : 'n/a');
export const fmtPct = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? `${Math.round(n)}%` : 'n/a');
/** Events ingested per second of CPU the service process used (NaN without a CPU figure). */
const perCpuSecond = (s: Scenario): number => (s.cpu.pipelinePct !== undefined && s.cpu.pipelinePct > 0 ? s.eventsPerSec / (s.cpu.pipelinePct / 100) : NaN);
const fmtRatio = (n: number): string => (Number.isFinite(n) ? `${(100 * n).toFixed(1)}%` : 'n/a');

export function renderSection(r: IngestResult): string {
  const lines: string[] = [];
  const raw = r.perf?.recordsPerSec ?? NaN;
  lines.push(`Measured ${r.started.toISOString().replace(/\.\d+Z$/, 'Z')} (${r.totalMinutes.toFixed(1)} min); ${os.cpus().length} cores, Node ${process.version}.`);
  lines.push('');
  if (r.size) {
    lines.push(
      `Events: ${fmtInt(r.size.avgJson)} bytes of JSON each, ${r.size.avgValue.toFixed(1)} bytes as Avro in the Confluent wire format (what the gateway produces; ` +
        `key ${r.size.avgKey.toFixed(1)} bytes), 5 metadata keys, 1,000 customers, event names with meters in \`scripts/demo-catalog.json\`. ` +
        `Raw producer record size: ${r.recordSize} bytes.`,
    );
    lines.push('');
    const c = r.size.costs;
    lines.push(
      `CPU per event measured in the benchmark process (one thread, µs): JSON.parse + \`validateIngestBody\` ${c.validate.toFixed(1)}; ` +
        `\`AvroCodec.encode\` ${c.encode.toFixed(1)}; \`AvroCodec.decodeAs\` (how the router and the aggregator read \`events\`) ${c.decodeAs.toFixed(1)}, ` +
        `against ${c.decode.toFixed(1)} for \`AvroCodec.decode\` with the writer's schema.`,
    );
    lines.push('');
  }
  if (r.scenarios.length > 0) {
    lines.push(
      '**Gateway**: `POST /events/ingest` (validation, event-id lookup in ClickHouse, Avro, @platformatic/kafka idempotent producer with acks=all, 2xx after ' +
        "Kafka's acknowledgement), closed loop from this script's process. *standalone*: the four services in one process (the router on a " +
        'worker thread, the aggregator on the gateway\'s event loop), consuming what is ingested; *gateway alone*: ' +
        `\`node ${GATEWAY_NODE_FLAGS.join(' ')} services/gateway/dist/main.js\`, nothing consuming.`,
    );
    lines.push('');
    lines.push('| served by | batch × connections | events/s | requests/s | p50 ms | p99 ms | ÷ raw Kafka | service CPU | events per service CPU-second | load generator CPU | machine busy | load (1 min) |');
    lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const s of r.scenarios) {
      lines.push(
        `| ${MODES[s.mode].label} | ${s.batch} × ${s.connections} | ${fmtInt(s.eventsPerSec)} | ${fmtInt(s.requestsPerSec)} | ${fmtMs(s.p50)} | ${fmtMs(s.p99)} | ` +
          `${fmtRatio(s.eventsPerSec / raw)} | ${fmtPct(s.cpu.pipelinePct)} | ${fmtInt(perCpuSecond(s))} | ${fmtPct(s.cpu.selfPct)} | ${fmtPct(s.cpu.machineBusyPct)} | ${s.load1.toFixed(2)} |`,
      );
    }
    lines.push('');
    lines.push(
      '*Service CPU* and *load generator CPU* are in % of one core, *machine busy* in % of all cores, over the measured period; ' +
        '*events per service CPU-second* is events/s divided by the service CPU, what the process gets through per second of CPU it is given ' +
        '(its threads included), a figure that depends less on what else runs on the machine. ' +
        `${r.args.warmupS} s of warm-up then ${r.args.durationS} s measured per scenario; latency is per request, send to full answer.`,
    );
    for (const s of r.scenarios.filter((x) => Object.keys(x.failures).length > 0 || x.shortRequests > 0)) {
      lines.push(`- ${MODES[s.mode].label}, ${s.batch} × ${s.connections}: failures ${JSON.stringify(s.failures)}, ${s.shortRequests} request(s) ingested fewer events than sent.`);
    }
    for (const c of r.topicChecks ?? []) {
      lines.push(
        `- Check (${MODES[c.mode].label}): the gateway acknowledged ${fmtInt(c.acknowledged)} events (warm-ups included); the events topic grew by ` +
          `${fmtInt(c.inTopic)} records${c.acknowledged === c.inTopic ? ' (equal)' : ' (NOT equal)'}.`,
      );
    }
    const standalone = r.scenarios.filter((s) => s.mode === 'standalone');
    if (standalone.length > 0 && r.args.settleS > 0) {
      const settles = standalone.map((s) => (s.settle.caughtUp === false ? `${s.settle.seconds.toFixed(0)} s (gave up)` : `${s.settle.seconds.toFixed(0)} s`));
      lines.push(`- Before each standalone scenario the run waited for the router to catch up on the events topic (at most ${r.args.settleS} s): ${settles.join(', ')}.`);
    }
    lines.push('');
  }
  if (r.producers) {
    const { perf, kafkajs, platformatic } = r.producers;
    lines.push(`**Raw producers** (no gateway, the pipeline stopped; acks=all, idempotent, topics of 3 partitions, records of ${r.recordSize} bytes):`);
    lines.push('');
    lines.push('| producer | records/s | MB/s | latency |');
    lines.push('| --- | ---: | ---: | --- |');
    if (perf) {
      lines.push(
        `| Kafka ProducerPerformance (Java, ${fmtInt(perf.records)} records, linger.ms=5, batch.size=131072) | ${fmtInt(perf.recordsPerSec)} | ${perf.mbPerSec.toFixed(1)} | ` +
          `record avg ${fmtMs(perf.avgMs)} ms, p50 ${perf.p50} ms, p99 ${perf.p99} ms |`,
      );
    }
    const node = (name: string, x: ProducerLoopResult): string =>
      `| ${name} (${r.args.producerConcurrency} concurrent sends of ${r.args.producerBatch}, ${r.args.producerDurationS} s) | ${fmtInt(x.recordsPerSec)} | ${x.mbPerSec.toFixed(1)} | ` +
      `send p50 ${fmtMs(x.sendP50)} ms, p99 ${fmtMs(x.sendP99)} ms |`;
    if (kafkajs) lines.push(node(`kafkajs ${r.versions.kafkajs}`, kafkajs));
    if (platformatic) lines.push(node(`@platformatic/kafka ${r.versions.platformatic}`, platformatic));
    lines.push('');
    if (kafkajs && platformatic) {
      lines.push(
        `- kafkajs ÷ @platformatic/kafka: ${fmtRatio(kafkajs.recordsPerSec / platformatic.recordsPerSec)} ` +
          `(@platformatic/kafka is ${(platformatic.recordsPerSec / kafkajs.recordsPerSec).toFixed(2)}× kafkajs).`,
      );
    }
    if (perf && kafkajs) lines.push(`- kafkajs ÷ Kafka ProducerPerformance: ${fmtRatio(kafkajs.recordsPerSec / perf.recordsPerSec)}.`);
    if (r.producers.loads) lines.push(`- Load (1 min) after each run: ProducerPerformance ${r.producers.loads.perf ?? 'n/a'}, kafkajs ${r.producers.loads.kafkajs ?? 'n/a'}, @platformatic/kafka ${r.producers.loads.platformatic ?? 'n/a'}.`);
    lines.push('');
  }
  if (r.scenarios.length > 0 && raw) {
    lines.push(
      `**Targets** (throughput issue): gateway alone ≥ ${TARGET_RATIO * 100}% of the raw Kafka producer rate of this run (ProducerPerformance, ${fmtInt(raw)} records/s); ` +
        `standalone ≥ ${Object.entries(STANDALONE_TARGETS).map(([batch, rate]) => `${fmtInt(rate)} events/s at batches of ${batch}`).join(', ')}, and ≥ ${fmtInt(STANDALONE_PER_CPU_SECOND)} events per service CPU-second.`,
    );
    const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
    const gateway = r.scenarios.filter((s) => s.mode === 'gateway');
    if (gateway.length > 0) {
      const best = gateway.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a));
      const ratio = best.eventsPerSec / raw;
      lines.push(`- gateway alone, best scenario ${best.batch} × ${best.connections}: ${fmtInt(best.eventsPerSec)} events/s = ${fmtRatio(ratio)} of raw — ${verdict(ratio >= TARGET_RATIO)}.`);
    }
    for (const [batch, target] of Object.entries(STANDALONE_TARGETS).map(([b, t]) => [Number(b), t])) {
      const rows = r.scenarios.filter((s) => s.mode === 'standalone' && s.batch === batch);
      if (rows.length === 0) continue;
      const best = rows.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a));
      const perCpu = perCpuSecond(best);
      lines.push(
        `- standalone, batches of ${batch}, best scenario ${best.batch} × ${best.connections}: ${fmtInt(best.eventsPerSec)} events/s (${fmtPct((best.eventsPerSec / target) * 100)} of the ${fmtInt(target)} target) — ${verdict(best.eventsPerSec >= target)}; ` +
          `${fmtInt(perCpu)} events per service CPU-second (${fmtPct((perCpu / STANDALONE_PER_CPU_SECOND) * 100)} of ${fmtInt(STANDALONE_PER_CPU_SECOND)}) — ${verdict(perCpu >= STANDALONE_PER_CPU_SECOND)}.`,
      );
    }
    const missed = r.scenarios.some((s) => (s.mode === 'gateway' ? s.eventsPerSec / raw < TARGET_RATIO : s.eventsPerSec < (STANDALONE_TARGETS[s.batch] ?? 0)));
    if (missed) {
      const range = (values: (number | undefined)[], fmt: (x: number) => string): string => {
        const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x));
        if (v.length === 0) return 'n/a';
        const lo = fmt(Math.min(...v));
        const hi = fmt(Math.max(...v));
        return lo === hi ? lo : `${lo}–${hi}`;
      };
      lines.push(
        `- Why: the ${os.cpus().length} cores serve the broker, the registry, the service under test and the load generator at once, besides other work ` +
          `(load average ${range(r.scenarios.map((s) => s.load1), (x) => x.toFixed(1))}, machine ${range(r.scenarios.map((s) => s.cpu.machineBusyPct), fmtPct)} busy); ` +
          `the service process got ${range(r.scenarios.map((s) => s.cpu.pipelinePct), fmtPct)} of one core.`,
      );
      const alone = r.scenarios.filter((s) => s.mode === 'gateway');
      if (alone.length > 0) {
        const best = Math.max(...alone.map(perCpuSecond).filter(Number.isFinite));
        lines.push(
          `- Even given a whole core, the gateway alone would ingest about ${fmtInt(best)} events/s (its best events per CPU-second above): Node runs ` +
            'the request path on one thread — JSON parsing and validation, the event-id lookup, Avro encoding and the producer, whose record ' +
            `encoding is JavaScript (@platformatic/kafka alone: ${r.producers?.platformatic ? fmtInt(r.producers.platformatic.recordsPerSec) : 'n/a'} records/s above).`,
        );
      }
      if (r.size && r.size.costs.decodeAs > 50 && r.scenarios.some((s) => s.mode === 'standalone')) {
        lines.push(
          '- In standalone, the router and the aggregator\'s raw-event sink each decode every event with `AvroCodec.decodeAs` at ' +
            `${r.size.costs.decodeAs.toFixed(0)} µs (it builds the reader's avsc type and compares it with the writer's on every call; ` +
            `\`decode\` takes ${r.size.costs.decode.toFixed(1)} µs), on the gateway's event loop.`,
        );
      }
    }
    lines.push('');
  }
  lines.push(`Load (\`uptime\`) during the run: ${r.uptimes.map((u) => `${u.label}: ${u.line.replace(/^.*load average:\s*/, '')}`).join('; ')}.`);
  lines.push('');
  lines.push(
    `Reproduce: \`npx tsc -b && bash infra/stack.sh up && node scripts/bench-ingest.js${process.argv
      .slice(2)
      .filter((a) => a !== '--no-write')
      .map((a) => ` ${a}`)
      .join('')}\` (\`--help\` lists the options; the run uses topics of its own and deletes them afterwards).`,
  );
  return lines.join('\n');
}

