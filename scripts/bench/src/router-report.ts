// bench-router's section of docs/benchmarks.md, and the run's context (load, code version).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { peerVersions } from './kstreams-peer';
import { MiB, ROOT } from './report';
import { loadNow, type FailedScenario, type RouterArgs, type ScenarioResult } from './router-scenario';

export function uptimeLine(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadNow()}`;
  }
}

/** The commit, and whether the router's or common's sources differ from it. */
export function codeVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'services/meter-router/src', 'services/common/src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes in services/meter-router or services/common` : head;
  } catch {
    return 'unknown';
  }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number): string => fmt(bytes / MiB);

export function renderSection(results: (ScenarioResult | FailedScenario)[], args: RouterArgs, started: Date, uptimes: string[], version: string): string {
  const lines: string[] = [];
  const ok = results.filter((r): r is ScenarioResult => r.failed === undefined);
  lines.push(
    `Run ${started.toISOString().replace(/\.\d+Z$/, 'Z')}, ${[...new Set(results.map((r) => fmt(r.events)))].join(' or ')} events per scenario ` +
      `(${fmt(args.customers)} customers), code ${version}, Node ${process.version}.`,
    `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB of RAM, ${os.type()}; the local native stack ` +
      '(`bash infra/stack.sh up`: single-node Kafka in KRaft mode and Apicurio Registry on loopback, no Docker) on the same machine.',
    `Load (\`uptime\`) at the start: \`${uptimes[0]}\`; at the end: \`${uptimes[uptimes.length - 1]}\`.`,
    '',
    '| meters (filtered) | fan-out: candidates / matches per event | events | wall time | events/s in | records/s out | router RSS / peak | heap used / total | load before (1, 5, 15 min) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    if (r.failed !== undefined) {
      lines.push(
        `| ${r.meters} (${r.filtered}) | ${r.meters} / - | ${fmt(r.events)} | **failed** after ${((r.elapsedMs ?? 0) / 1000).toFixed(0)} s ` +
          `(${fmt(r.progress)} events committed) | - | - | - | - | ${r.load} |`,
      );
      continue;
    }
    lines.push(
      `| ${r.meters} (${r.filtered}) | ${r.meters} / ${(r.out / r.events).toFixed(2)} | ${fmt(r.events)} | ${r.wallSeconds.toFixed(1)} s | ` +
        `${fmt(r.events / r.wallSeconds)} | ${fmt(r.out / r.wallSeconds)} | ${mib(r.rss)} / ${mib(r.maxRss)} MiB | ` +
        `${mib(r.heapUsed)} / ${mib(r.heapTotal)} MiB | ${r.load} |`,
    );
  }
  if (ok.length > 0) {
    lines.push(
      '',
      'Details. *Join*: from `router.start()` to the first group join. *Routing rate*: events over the time from the first batch start to the',
      'last routing commit. *Batches*: routing transactions committed (mean and largest batch in events). *Batch time*: from the start of a',
      "batch to its transaction's commit, mean and max; of which *in transaction*: begin + sendBatch + sendOffsets + commit, mean per",
      'batch, with sendBatch / commit. *Rejoins / failed batches*: group joins after the first, and batches whose eachBatch ended in an',
      'error (kafkajs then emits no END_BATCH_PROCESS). *RSS at start*: the router process after connectPlatform, before `router.start()`.',
      '*CPU*: router process, user + system, from start to the end of the measurement. *Markers*: meter-topic high watermarks minus records read.',
      '',
      '| meters | output records | join | routing rate (events/s) | batches: count (mean / max events) | batch time: mean / max | in transaction (sendBatch / commit) | rejoins / failed batches | RSS at start | router CPU | markers | input produced at |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of ok) {
      const s = r.stats;
      const t = r.tx;
      const perTx = (ms: number): string => (t.count ? fmt(ms / t.count) : '-');
      const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
      lines.push(
        `| ${r.meters} | ${fmt(r.out)}${r.measured ? '' : ' (expected, not read)'} | ${r.joinSeconds?.toFixed(1) ?? '-'} s | ` +
          `${r.routingSeconds ? fmt(r.events / r.routingSeconds) : '-'} | ` +
          `${fmt(t.count)} (${t.count ? fmt(r.events / t.count) : '-'} / ${fmt(s.maxBatchEvents)}) | ` +
          `${t.count ? seconds(s.batchMs / t.count) : '-'} / ${seconds(s.maxBatchMs)} | ` +
          `${perTx(t.beginMs + t.sendBatchMs + t.sendOffsetsMs + t.commitMs)} ms (${perTx(t.sendBatchMs)} / ${perTx(t.commitMs)}) | ` +
          `${Math.max(0, s.joins - 1)} / ${s.starts - s.ends} | ${mib(r.rssBefore)} MiB | ` +
          `${((r.cpuUserMs + r.cpuSystemMs) / 1000).toFixed(1)} s | ${r.markers === undefined ? '-' : fmt(r.markers)} | ` +
          `${fmt(r.events / r.produceSeconds)} events/s |`,
      );
    }
  }
  const peered = ok.flatMap((r) => (r.peer === undefined ? [] : [{ ...r, peer: r.peer }]));
  if (peered.length > 0) {
    lines.push(
      '',
      'Against a Kafka Streams peer on the same events (router events/s as a ratio of the peer\'s; the goal is at least 0.5):',
      '',
      '| meters | router events/s | peer events/s | ratio router / peer (goal ≥ 0.5) | peer wall time | peer output records | same records as the router | peer CPU | peer RSS / peak | peer JVM launch / to RUNNING |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of peered) {
      const p = r.peer;
      const routerRate = fmt(r.events / r.wallSeconds);
      if (p.failed !== undefined) {
        lines.push(`| ${r.meters} | ${routerRate} | **failed** after ${((p.elapsedMs ?? 0) / 1000).toFixed(0)} s (${fmt(p.progress)} events committed) | - | - | - | - | - | - | - |`);
        continue;
      }
      const ratio = p.wallSeconds / r.wallSeconds;
      lines.push(
        `| ${r.meters} | ${routerRate} | ${fmt(r.events / p.wallSeconds)} | ${ratio.toFixed(2)} (${ratio >= 0.5 ? 'met' : '**not met**'}) | ${p.wallSeconds.toFixed(1)} s | ` +
          `${fmt(p.out)}${p.measured ? '' : ' (forwarded, not read)'} | ${p.sameFanOut === undefined ? 'not read' : p.sameFanOut && p.sameRecords !== false ? 'yes' : `**no**: ${p.mismatch}`} | ` +
          `${(p.report.cpuMs / 1000).toFixed(1)} s | ${mib(p.report.rss)} / ${mib(p.report.maxRss)} MiB | ` +
          `${p.launchSeconds.toFixed(1)} s / ${p.runningSeconds === undefined ? '-' : `${p.runningSeconds.toFixed(1)} s`} |`,
      );
    }
  }
  lines.push(
    '',
    'Every meter is on `api_request`, so every event is a candidate for every meter (fan-out = meters). Meter *i* aggregates',
    '`count`, `sum`, `unique_count`, `max`, `last` in turn (`tokens`, `user_id`); odd meters carry one filter, in turn `region = eu`',
    '(half the events), `model = model-large` (a third), `tokens > 2000` (half; a numeric comparison). Events carry 5 metadata keys',
    `(\`tokens\` as an exact decimal, \`user_id\`, \`region\`, \`model\`, \`endpoint\`), ${fmt(ok[0]?.eventBytes ?? 0)} bytes of Avro each on average; the topics have 3 partitions.`,
    'Matches per event are measured: records read back read_committed from the meter topics divided by events' +
      (ok.every((r) => r.measured) ? '' : ' (where marked, the count computed from the generated events instead)') +
      '; they equalled the count computed from the generated events' +
      (ok.every((r) => !r.measured || r.out === r.expected) ? '' : ' **except where they differ: see the run log**') +
      `, and the DLQ stayed ${ok.every((r) => r.dlq === 0) ? 'empty' : `non-empty (${ok.map((r) => r.dlq).join(', ')})`}.`,
    'The router runs in a process of its own (connectPlatform + MeterRouter, as `services/meter-router/src/main.ts`); RSS and heap are',
    "that process's after routing, peak RSS its maximum; the events are produced beforehand by the benchmark process.",
    args.maxMessageBytes
      ? `The meter topics' \`max.message.bytes\` was raised to ${fmt(args.maxMessageBytes)} bytes (\`--max-message-bytes\`): with the broker's default (1 MiB), ` +
        "one batch's records for one meter-topic partition (a 2 MiB fetch holds about 14,000 events, all keyed to the same partition number) " +
        'can exceed it; the broker then rejects the transaction (MESSAGE_TOO_LARGE, not retriable) and the router\'s consumer crashes. Run without the option to check.'
      : "The meter topics have the broker's default `max.message.bytes` (1 MiB).",
    ...(args.peer ? ['', ...peerParagraph(args)] : ['', 'The Kafka Streams peer was not run (`--no-peer`).']),
    ...results.flatMap((r) => (r.failed !== undefined ? [`Failed with ${r.meters} meter(s): ${r.failed.replace(/\s+/g, ' ')}`] : [])),
    ...ok.flatMap((r) => (r.peer?.failed !== undefined ? [`The Kafka Streams peer failed with ${r.meters} meter(s): ${r.peer.failed.replace(/\s+/g, ' ')}`] : [])),
    '',
    `Reproduce: \`npx tsc -b && bash infra/stack.sh up && node scripts/bench-router.js${process.argv.slice(2).filter((a) => a !== '--no-write').map((a) => ` ${a}`).join('')}\`` +
      ' (`--help` lists the options; each scenario uses topics of its own and deletes them afterwards).',
  );
  return lines.join('\n');
}

/** What the Kafka Streams peer is, how it is built and measured (scripts/bench/kstreams-router). */
function peerParagraph(args: RouterArgs): string[] {
  const versions = peerVersions();
  return [
    `The peer (\`scripts/bench/kstreams-router\`) is a Kafka Streams application in Java 17: Kafka Streams ${versions.kafka} (the broker's version) and`,
    `Apache Avro ${versions.avro} from Maven Central.` +
      ' It does the router\'s job on the same pre-produced events topic: it decodes each event (Confluent',
    'wire format, the writer schema fetched from the registry by id once), finds the meters of the scenario\'s catalog file whose event name',
    'matches and whose filter passes (the rules of the router\'s filter evaluator, ported), and produces one MeterRecord per matching meter',
    '(value or unique key as the router extracts them; Confluent wire format with the id registered for the topic\'s `-value` subject), keyed',
    'by customer id, to meter topics of its own (`<prefix>kstreams.meter.<id>`, created like the router\'s: same partitions). It runs with',
    `\`processing.guarantee=exactly_once_v2\`, \`commit.interval.ms=100\` (the exactly-once default), ${args.peerThreads} stream thread(s) and otherwise Kafka`,
    'Streams\' and the JVM\'s defaults; the topology is stateless (one processor and one sink that picks the topic per record; no repartition,',
    'no state store). Unlike the router it keeps no deduplication window, writes no DLQ and handles no corrections or backfills: it does less',
    'per event. It runs in a JVM of its own after the router, one scenario at a time. Its clock runs from just before `KafkaStreams.start()`',
    '(after JVM start, catalog and registry look-ups: *JVM launch*, not measured) until its application id\'s consumer group has committed the',
    'events topic\'s high watermark on every partition, polled as for the router. Its output is read back read_committed and compared with',
    'the router\'s, meter by meter: *same records* means as many records per meter topic and the same keys and MeterRecords (an',
    'order-independent digest of key and Avro body per topic). *Peer CPU*: the JVM\'s user + system time from just before the start to the',
    'end of the measurement; *to RUNNING*: from the start to Kafka Streams\' first RUNNING state (group join, producer initialization).',
    'The benchmark builds the jar before the first scenario when it is missing or older than its sources (`mvn -q -B -o package`, which',
    'also runs its unit tests of the ported rules; online when the artifacts are not all in `~/.m2`); `--no-peer` skips the peer,',
    '`--peer-threads N` sets its stream threads.',
  ];
}
