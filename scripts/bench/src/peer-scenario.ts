// The Kafka Streams peer's part of a bench-router scenario, after the router's: provision the peer's meter
// topics, run the peer on the same events topic (kstreams-peer.ts), and read its output back read_committed
// to check that its fan-out equals the router's, meter by meter.
import path from 'node:path';
import type { MeterstreamConfig, Topics } from '@meterstream/common';
import type { Admin, Kafka } from 'kafkajs';
import { CatchUpError } from './group-progress';
import { highWatermarks } from './kafka-admin';
import { peerTopic, provisionPeerTopics, runPeer, type PeerReport } from './kstreams-peer';
import { countRecords } from './meter-count';
import { messageOf } from './report';

export interface PeerResult {
  failed?: undefined;
  /** From the peer's "starting" (just before KafkaStreams.start()) to its group's commit of the events' end. */
  wallSeconds: number;
  /** From spawning `java` to "starting" (JVM start, catalog, registry look-ups, KafkaStreams built); not measured. */
  launchSeconds: number;
  /** From "starting" to the first RUNNING state (group join, producer initialization). */
  runningSeconds: number | undefined;
  /** Records on the peer's meter topics: read back read_committed, or (`measured` false) forwarded as it reports. */
  out: number;
  measured: boolean;
  /** Whether every meter topic of the peer holds as many records as the router's (undefined when not read). */
  sameFanOut: boolean | undefined;
  /** Whether they are the same records (key and MeterRecord, by digest; undefined when not both read). */
  sameRecords: boolean | undefined;
  mismatch: string | undefined;
  /** Peer meter-topic high watermarks minus records read (transaction markers, aborted records). */
  markers: number | undefined;
  rssBefore: number;
  report: PeerReport;
}

export interface PeerFailure {
  failed: string;
  progress: number;
  elapsedMs: number | undefined;
}

export interface PeerInput {
  kafka: Kafka;
  admin: Admin;
  config: MeterstreamConfig;
  topics: Topics;
  prefix: string;
  catalogFile: string;
  /** A directory of the scenario's own, for the peer's state directory. */
  tmp: string;
  meterIds: string[];
  /** The router's records per meter: read back when `routerMeasured`, else computed from the events. */
  routerPerMeter: Map<string, number>;
  /** The digest of the router's records per meter (meter-count.ts), when they were read back. */
  routerDigests: Map<string, number> | undefined;
  routerMeasured: boolean;
  ends: Map<number, bigint>;
  count: boolean;
  threads: number;
  timeoutMs: number;
  stallMs: number;
  maxMessageBytes: number | undefined;
  log: (message: string) => void;
}

export async function measurePeer(input: PeerInput): Promise<PeerResult | PeerFailure> {
  const { admin, topics, prefix, meterIds, log } = input;
  const outputTopicPrefix = peerTopic(prefix, '');
  const peerTopics = meterIds.map((id) => peerTopic(prefix, id));
  const expected = [...input.routerPerMeter.values()].reduce((a, b) => a + b, 0);
  let run: Awaited<ReturnType<typeof runPeer>>;
  try {
    await provisionPeerTopics(admin, input.config, topics, peerTopics, input.maxMessageBytes);
    log(`starting the Kafka Streams peer (exactly_once_v2, ${input.threads} stream thread(s)) on the same events, output to ${outputTopicPrefix}*`);
    run = await runPeer(admin, {
      config: input.config,
      applicationId: `${prefix}kstreams-router`,
      eventsTopic: topics.events,
      outputTopicPrefix,
      catalogFile: input.catalogFile,
      stateDir: path.join(input.tmp, 'kstreams-state'),
      threads: input.threads,
      ends: input.ends,
      timeoutMs: input.timeoutMs,
      stallMs: input.stallMs,
    });
  } catch (err) {
    log(`Kafka Streams peer FAILED: ${messageOf(err)}`);
    return { failed: messageOf(err), progress: err instanceof CatchUpError ? Number(err.progress) : 0, elapsedMs: err instanceof CatchUpError ? err.elapsedMs : undefined };
  }
  const wallSeconds = (run.doneAt - run.startAt) / 1000;
  const { report } = run;
  log(
    `peer routed in ${wallSeconds.toFixed(1)} s (JVM launch to start ${((run.startAt - run.launchedAt) / 1000).toFixed(1)} s, not measured); ` +
      `${report.events} events processed, ${report.records} records forwarded, ${report.undecodable} undecodable, ${report.unusable} meter/event pairs without a usable value`,
  );
  let highSum = 0n;
  for (const topic of peerTopics) for (const high of (await highWatermarks(admin, topic)).values()) highSum += high;
  let out = report.records;
  let sameFanOut: boolean | undefined;
  let sameRecords: boolean | undefined;
  let mismatch: string | undefined;
  if (input.count) {
    const counted = await countRecords(input.kafka, admin, `${prefix}bench-count-peer`, peerTopics, expected);
    log(`counted ${counted.total} peer records read_committed in ${counted.seconds.toFixed(1)} s`);
    out = counted.total;
    const wrong = meterIds.filter((id) => counted.perTopic.get(peerTopic(prefix, id)) !== input.routerPerMeter.get(id));
    sameFanOut = wrong.length === 0;
    if (!sameFanOut) {
      const [id] = wrong;
      mismatch =
        `${wrong.length} meter(s) differ from the router's ${input.routerMeasured ? 'records read back' : 'expected records'}, e.g. ${id}: ` +
        `peer ${counted.perTopic.get(peerTopic(prefix, id))}, router ${input.routerPerMeter.get(id)}`;
      console.warn(`bench-router: Kafka Streams peer: ${mismatch}`);
    }
    const digests = input.routerDigests;
    if (digests) {
      const differ = meterIds.filter((id) => counted.digests.get(peerTopic(prefix, id)) !== digests.get(id));
      sameRecords = differ.length === 0;
      if (!sameRecords) {
        const detail = `the records of ${differ.length} meter(s) differ from the router's (by digest), e.g. ${differ[0]}`;
        mismatch = mismatch ? `${mismatch}; ${detail}` : detail;
        console.warn(`bench-router: Kafka Streams peer: ${detail}`);
      }
    }
  }
  return {
    wallSeconds,
    launchSeconds: (run.startAt - run.launchedAt) / 1000,
    runningSeconds: run.runningAt === undefined ? undefined : (run.runningAt - run.startAt) / 1000,
    out,
    measured: input.count,
    sameFanOut,
    sameRecords,
    mismatch,
    markers: input.count ? Number(highSum) - out : undefined,
    rssBefore: run.rssBefore,
    report,
  };
}
