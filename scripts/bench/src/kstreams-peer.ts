// bench-router's peer: the Kafka Streams application of scripts/bench/kstreams-router (Java, exactly_once_v2),
// built with Maven when its jar is missing or older than its sources, and run on a scenario's events topic
// after the router, writing to meter topics of its own (`<prefix>kstreams.meter.<id>`, created here like the
// router's: same partitions, the meter-record schema registered under `<topic>-value`). Its clock runs from
// the line it prints just before KafkaStreams.start() until its consumer group (the application id) has
// committed the events topic's high watermark on every partition, polled as for the router (group-progress.ts).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { AvroCodec, SCHEMAS_DIR, ensureTopics, type MeterstreamConfig, type Topics } from '@meterstream/common';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { awaitCommitted } from './group-progress';
import { ROOT } from './report';

export const PEER_DIR = path.join(ROOT, 'scripts', 'bench', 'kstreams-router');
export const PEER_JAR = path.join(PEER_DIR, 'target', 'kstreams-router.jar');

/** What the peer prints when asked to report (KStreamsRouter.java). */
export interface PeerReport {
  startAt: number;
  cpuMs: number;
  rss: number;
  maxRss: number;
  heapUsed: number;
  heapTotal: number;
  /** Events processed and records forwarded, aborted transactions included (the output count is read back). */
  events: number;
  records: number;
  undecodable: number;
  unusable: number;
  threads: number;
}

type PeerMessage =
  | { type: 'starting'; at: number; rssBefore: number; meters: number }
  | { type: 'running'; at: number }
  | { type: 'error'; message: string }
  | ({ type: 'report' } & PeerReport);

export interface PeerRun {
  launchedAt: number;
  startAt: number;
  runningAt: number | undefined;
  doneAt: number;
  rssBefore: number;
  report: PeerReport;
}

/** The versions pom.xml pins (kafka.version, avro.version), for the report's text. */
export function peerVersions(): { kafka: string; avro: string } {
  const pom = fs.readFileSync(path.join(PEER_DIR, 'pom.xml'), 'utf8');
  const pinned = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(pom)?.[1] ?? 'unknown';
  return { kafka: pinned('kafka.version'), avro: pinned('avro.version') };
}

function newestSource(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const full = path.join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }, 0);
}

/**
 * Builds the peer's jar unless it is newer than pom.xml and src/: `mvn -q -B -o package` first (every
 * artifact cached in ~/.m2), then online when that fails (the first build downloads from Maven Central).
 */
export function ensurePeerJar(log: (message: string) => void): void {
  const sources = Math.max(fs.statSync(path.join(PEER_DIR, 'pom.xml')).mtimeMs, newestSource(path.join(PEER_DIR, 'src')));
  if (fs.existsSync(PEER_JAR) && fs.statSync(PEER_JAR).mtimeMs >= sources && fs.existsSync(path.join(PEER_DIR, 'target', 'lib'))) return;
  const mvn = (offline: boolean) =>
    spawnSync('mvn', ['-q', '-B', ...(offline ? ['-o'] : []), 'package'], { cwd: PEER_DIR, encoding: 'utf8', timeout: 15 * 60000 });
  log('building the Kafka Streams peer (mvn -q -B -o package)');
  let build = mvn(true);
  if (build.status !== 0) {
    log('offline build failed (artifacts not cached?); building online (mvn -q -B package)');
    build = mvn(false);
  }
  if (build.error) throw new Error(`could not run mvn for the Kafka Streams peer: ${build.error.message} (or run with --no-peer)`);
  if (build.status !== 0) {
    const output = `${build.stdout}${build.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`building the Kafka Streams peer failed (mvn exit ${build.status}; or run with --no-peer):\n${output}`);
  }
}

/** The peer's meter topic of a meter. */
export function peerTopic(prefix: string, meterId: string): string {
  return `${prefix}kstreams.meter.${meterId}`;
}

/** Creates the peer's meter topics like the router's (topics.spec: same partitions) and registers their schema. */
export async function provisionPeerTopics(admin: Admin, config: MeterstreamConfig, topics: Topics, peerTopics: string[], maxMessageBytes: number | undefined): Promise<void> {
  await ensureTopics(admin, peerTopics.map((topic) => topics.spec(topic)));
  if (maxMessageBytes) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: peerTopics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }] })),
    });
  }
  const codec = new AvroCodec(config.registryUrl);
  for (const topic of peerTopics) await codec.register(topic, 'meter-record');
}

export interface PeerSetup {
  config: MeterstreamConfig;
  /** The application id: also its consumer group and the prefix of its transactional ids. */
  applicationId: string;
  eventsTopic: string;
  outputTopicPrefix: string;
  catalogFile: string;
  stateDir: string;
  threads: number;
  ends: Map<number, bigint>;
  timeoutMs: number;
  stallMs: number;
}

/** Runs the peer until its group committed `ends` on every partition; then asks for its report and lets it exit. */
export async function runPeer(admin: Admin, setup: PeerSetup): Promise<PeerRun> {
  const launchedAt = Date.now();
  const child = spawn(
    'java',
    [
      '-jar',
      PEER_JAR,
      '--bootstrap-servers',
      setup.config.kafka.brokers.join(','),
      '--schema-registry-url',
      setup.config.registryUrl,
      '--application-id',
      setup.applicationId,
      '--input-topic',
      setup.eventsTopic,
      '--output-topic-prefix',
      setup.outputTopicPrefix,
      '--catalog-file',
      setup.catalogFile,
      '--event-schema',
      path.join(SCHEMAS_DIR, 'usage-event.avsc'),
      '--state-dir',
      setup.stateDir,
      '--threads',
      String(setup.threads),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let failure: string | undefined;
  const messages: PeerMessage[] = [];
  const waiting: (() => void)[] = [];
  // 'close', not 'exit': every line of stdout (the report) has been read by then.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  child.once('error', (err) => (failure ??= `could not start java: ${err.message}`));
  child.stdin.on('error', () => undefined); // EPIPE when the peer died: reported through `exited`
  void exited.then(({ code, signal }) => {
    failure ??= `the Kafka Streams peer exited (${code ?? signal})`;
    waiting.splice(0).forEach((wake) => wake());
  });
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let message: PeerMessage;
    try {
      message = JSON.parse(line) as PeerMessage;
    } catch {
      console.log(`[kstreams-peer] ${line}`);
      return;
    }
    if (message.type === 'error') failure ??= `the Kafka Streams peer failed: ${message.message}`;
    messages.push(message);
    waiting.splice(0).forEach((wake) => wake());
  });
  /** The first message of a type, waiting for it at most `withinMs`. */
  const next = async <T extends PeerMessage['type']>(type: T, withinMs: number): Promise<Extract<PeerMessage, { type: T }>> => {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found as Extract<PeerMessage, { type: T }>;
      if (failure) throw new Error(`${failure} before "${type}"`);
      if (Date.now() >= deadline) throw new Error(`the Kafka Streams peer printed no "${type}" within ${withinMs / 1000} s`);
      await new Promise<void>((wake) => {
        waiting.push(wake);
        setTimeout(wake, Math.max(0, deadline - Date.now())).unref();
      });
    }
  };
  try {
    const starting = await next('starting', 5 * 60000); // JVM start, catalog, registry look-ups
    const doneAt = await awaitCommitted(admin, {
      who: 'Kafka Streams peer',
      groupId: setup.applicationId,
      topic: setup.eventsTopic,
      ends: setup.ends,
      startedAt: starting.at,
      timeoutMs: setup.timeoutMs,
      stallMs: setup.stallMs,
      failure: () => failure,
    });
    const runningAt = messages.find((m): m is Extract<PeerMessage, { type: 'running' }> => m.type === 'running')?.at;
    child.stdin.write('report\n');
    const { type: _type, ...report } = await next('report', 60000);
    const stopped = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30000).unref())]);
    if (stopped === undefined) {
      console.warn('bench-router: the Kafka Streams peer did not exit within 30 s after its report; killed');
      child.kill('SIGKILL');
    } else if (stopped.code !== 0) console.warn(`bench-router: the Kafka Streams peer exited with ${stopped.code ?? stopped.signal} after the measurement`);
    return { launchedAt, startAt: starting.at, runningAt, doneAt, rssBefore: starting.rssBefore, report };
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  }
}
