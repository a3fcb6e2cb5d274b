// Raw producer throughput, outside the gateway: Apache Kafka's own ProducerPerformance tool (Java,
// from the broker's jars), kafkajs (the project's client) and @platformatic/kafka, all with acks=all
// and an idempotent producer against a topic of 3 partitions.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { percentile } from './report';

export interface ProducerPerformanceSummary {
  line: string;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgMs: number;
  maxMs: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Parses ProducerPerformance's summary line, e.g. "1000000 records sent, 176056.338028 records/sec
 * (33.58 MB/sec), 812.47 ms avg latency, 1397.00 ms max latency, 768 ms 50th, 1297 ms 95th,
 * 1367 ms 99th, 1391 ms 99.9th."
 */
export function parseProducerPerformance(output: string): ProducerPerformanceSummary | undefined {
  const lines = output.split('\n').filter((l) => /records sent,.*records\/sec.*50th/.test(l));
  const line = lines[lines.length - 1];
  if (!line) return undefined;
  const num = (re: RegExp): number => {
    const m = re.exec(line);
    return m ? Number(m[1]) : NaN;
  };
  return {
    line: line.trim(),
    records: num(/^\s*(\d+) records sent/),
    recordsPerSec: num(/([\d.]+) records\/sec/),
    mbPerSec: num(/\(([\d.]+) MB\/sec\)/),
    avgMs: num(/([\d.]+) ms avg latency/),
    maxMs: num(/([\d.]+) ms max latency/),
    p50: num(/(\d+) ms 50th/),
    p95: num(/(\d+) ms 95th/),
    p99: num(/(\d+) ms 99th/),
  };
}

export interface ProducerPerformanceOptions {
  root: string;
  topic: string;
  records: number;
  recordSize: number;
  /** Comma-separated bootstrap servers. */
  brokers: string;
  onSpawn?: (pid: number | undefined) => void;
  echo?: boolean;
}

/** The ProducerPerformance command line (argv for `java`). */
function producerPerformanceArgs({ root, topic, records, recordSize, brokers }: ProducerPerformanceOptions): string[] {
  return [
    '-cp',
    `${path.join(root, '.stack', 'kafka', 'libs')}/*`,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'enable.idempotence=true',
    'linger.ms=5',
    'batch.size=131072',
  ];
}

/** Runs ProducerPerformance; resolves with its parsed summary and the command line. */
export function runProducerPerformance(o: ProducerPerformanceOptions): Promise<ProducerPerformanceSummary & { command: string }> {
  const args = producerPerformanceArgs(o);
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    o.onSpawn?.(child.pid);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
      if (o.echo) process.stdout.write(`  [ProducerPerformance] ${c}`);
    });
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const summary = parseProducerPerformance(out);
      if (code !== 0 || !summary) reject(new Error(`ProducerPerformance exited with ${code}: ${(err || out).slice(-2000)}`));
      else resolve({ ...summary, command: `java ${args.map((a) => (/[*\s]/.test(a) ? `'${a}'` : a)).join(' ')}` });
    });
  });
}

/** A message to produce: the customer id as key, the Avro event as value. */
export interface PoolMessage {
  key: Buffer;
  value: Buffer;
}

/** The closed loop's parameters; `pool` is cycled through for the messages. */
export interface ProducerLoop {
  pool: readonly PoolMessage[];
  batch: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface ProducerLoopResult {
  recordsPerSec: number;
  mbPerSec: number;
  sendP50: number;
  sendP99: number;
  sends: number;
}

/**
 * Closed-loop producer load: `concurrency` senders, each awaiting one send of `batch` messages at a
 * time, for a warm-up and a measured period. `send(messages)` resolves once Kafka acknowledged.
 */
async function runProducerLoop({ send, pool, batch, concurrency, warmupMs, durationMs }: ProducerLoop & { send: (messages: PoolMessage[]) => Promise<unknown> }): Promise<ProducerLoopResult> {
  const t0 = Date.now();
  const measureStart = t0 + warmupMs;
  const measureEnd = measureStart + durationMs;
  let next = 0;
  let records = 0;
  let bytes = 0;
  const latencies: number[] = [];
  const sender = async (): Promise<void> => {
    while (Date.now() < measureEnd) {
      const messages = new Array<PoolMessage>(batch);
      let size = 0;
      for (let i = 0; i < batch; i++) {
        const m = pool[next++ % pool.length];
        messages[i] = { key: m.key, value: m.value };
        size += m.value.length;
      }
      const started = process.hrtime.bigint();
      await send(messages);
      const done = Date.now();
      if (done >= measureStart && done <= measureEnd) {
        records += batch;
        bytes += size;
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  latencies.sort((a, b) => a - b);
  const seconds = durationMs / 1000;
  return {
    recordsPerSec: records / seconds,
    mbPerSec: bytes / seconds / (1024 * 1024),
    sendP50: percentile(latencies, 50),
    sendP99: percentile(latencies, 99),
    sends: latencies.length,
  };
}

export type ProducerRun = (o: ProducerLoop & { brokers: string[]; topic: string }) => Promise<ProducerLoopResult>;

/** kafkajs: the gateway's producer settings (idempotent, maxInFlightRequests 1, acks -1, DefaultPartitioner). */
export const runKafkajs: ProducerRun = async ({ brokers, topic, ...loop }) => {
  const kafka = new Kafka({ clientId: 'bench-ingest-kafkajs', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    return await runProducerLoop({ ...loop, send: (messages) => producer.send({ topic, acks: -1, messages }) });
  } finally {
    await producer.disconnect();
  }
};

/**
 * @platformatic/kafka: idempotent (which forces acks=all and one in-flight request per connection).
 * Its sends are chained, one after the other: in 1.35.0 concurrent send() calls on an idempotent
 * producer fail with OUT_OF_ORDER_SEQUENCE_NUMBER within seconds and close() then hangs (tried here;
 * see platformatic/kafka issue #326 for the same family of bug). kafkajs serializes its requests per
 * broker connection itself (maxInFlightRequests 1), so both clients have one request on the wire.
 */
export const runPlatformatic: ProducerRun = async ({ brokers, topic, ...loop }) => {
  const { Producer, ProduceAcks } = await import('@platformatic/kafka');
  const producer = new Producer({ clientId: 'bench-ingest-platformatic', bootstrapBrokers: brokers, idempotent: true, acks: ProduceAcks.ALL, timeout: 30000 });
  let chain: Promise<unknown> = Promise.resolve();
  const send = (messages: PoolMessage[]): Promise<unknown> => {
    const sent = chain.then(() => producer.send({ messages: messages.map((m) => ({ topic, key: m.key, value: m.value })) }));
    chain = sent.catch(() => undefined);
    return sent;
  };
  try {
    return await runProducerLoop({ ...loop, send });
  } finally {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([producer.close(), new Promise((resolve) => (timer = setTimeout(resolve, 15000)))]);
    clearTimeout(timer);
  }
};
