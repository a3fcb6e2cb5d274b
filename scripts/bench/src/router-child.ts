// bench-router's router process, forked by bench-router with TOPIC_PREFIX and CATALOG_FILE set: runs
// connectPlatform and a MeterRouter, like services/meter-router/src/main.ts, and reports to the parent
// over IPC. It observes the router from outside: its consumer's instrumentation events and its
// producers' transactions.
import { connectPlatform, createLogger, loadConfig, pipelineNames } from '@meterstream/common';
import { MeterRouter } from '@meterstream/meter-router';
import type { Consumer, ConsumerConfig, Kafka, Producer, ProducerConfig, Transaction } from 'kafkajs';

/** What the router process tells bench-router. */
export type ChildMessage =
  | { type: 'starting'; at: number; rssBefore: number; heapBefore: number }
  | { type: 'started'; at: number }
  | { type: 'crash'; error: string; restart: boolean }
  | { type: 'abort'; error: string | undefined }
  | ({ type: 'report' } & ChildReport);

/** What bench-router tells the router process: report and stop. */
export interface ParentMessage {
  type: 'report';
}

export interface BatchStats {
  starts: number;
  ends: number;
  joins: number;
  crashes: number;
  maxBatchEvents: number;
  batchMs: number;
  maxBatchMs: number;
  firstJoinAt: number | undefined;
  firstBatchStart: number | undefined;
  lastCommitEnd: number | undefined;
}

interface TxTimes {
  beginMs: number;
  sendBatchMs: number;
  sendOffsetsMs: number;
  commitMs: number;
}

/** Routing transactions (those that carry consumer offsets), apart from others (the dedup restore's). */
export interface TxStats extends TxTimes {
  count: number;
  other: number;
  aborted: number;
}

export interface ChildReport {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  maxRss: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  startAt: number;
  stats: BatchStats;
  tx: TxStats;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Counts the batches of the router's own consumer group. */
function observeConsumer(consumer: Consumer, stats: BatchStats, batchStart: Map<number, number>): void {
  const { GROUP_JOIN, START_BATCH_PROCESS, END_BATCH_PROCESS, CRASH } = consumer.events;
  consumer.on(GROUP_JOIN, () => {
    stats.joins++;
    stats.firstJoinAt ??= Date.now();
  });
  consumer.on(CRASH, ({ payload }) => {
    stats.crashes++;
    send({ type: 'crash', error: String(payload.error?.message ?? payload.error), restart: payload.restart });
  });
  consumer.on(START_BATCH_PROCESS, ({ payload }) => {
    const now = Date.now();
    stats.starts++;
    stats.maxBatchEvents = Math.max(stats.maxBatchEvents, payload.batchSize);
    stats.firstBatchStart ??= now;
    batchStart.set(payload.partition, now);
  });
  consumer.on(END_BATCH_PROCESS, () => stats.ends++);
}

/**
 * Times a producer's transactions. A batch starts at START_BATCH_PROCESS and ends when its routing
 * transaction committed (END_BATCH_PROCESS is not emitted when eachBatch throws, e.g. when its final
 * heartbeat fails).
 */
function observeProducer(producer: Producer, partition: number, stats: BatchStats, batchStart: Map<number, number>, tx: TxStats): void {
  const transaction = producer.transaction.bind(producer);
  producer.transaction = async (): Promise<Transaction> => {
    const t = performance.now();
    const txn = await transaction();
    const times: TxTimes = { beginMs: performance.now() - t, sendBatchMs: 0, sendOffsetsMs: 0, commitMs: 0 };
    let routing = false;
    let lastError: string | undefined;
    const timed =
      <A extends unknown[], R>(key: keyof TxTimes, fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const t0 = performance.now();
        try {
          return await fn(...args);
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
          throw err;
        } finally {
          times[key] += performance.now() - t0;
        }
      };
    const sendBatch = timed('sendBatchMs', txn.sendBatch.bind(txn));
    const sendOffsets = timed('sendOffsetsMs', txn.sendOffsets.bind(txn));
    const commit = timed('commitMs', txn.commit.bind(txn));
    txn.sendBatch = sendBatch;
    txn.sendOffsets = (...args) => {
      routing = true;
      return sendOffsets(...args);
    };
    txn.commit = async () => {
      const result = await commit();
      if (!routing) tx.other++;
      else {
        const now = Date.now();
        tx.count++;
        for (const key of Object.keys(times) as (keyof TxTimes)[]) tx[key] += times[key];
        stats.lastCommitEnd = now;
        const started = batchStart.get(partition);
        if (started !== undefined) {
          const ms = now - started;
          stats.batchMs += ms;
          stats.maxBatchMs = Math.max(stats.maxBatchMs, ms);
        }
      }
      return result;
    };
    const abort = txn.abort.bind(txn);
    txn.abort = () => {
      tx.aborted++;
      send({ type: 'abort', error: lastError });
      return abort();
    };
    return txn;
  };
}

async function runChild(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, 'bench-router-child');
  const platform = await connectPlatform(config, logger, 'meter-router');
  const groupId = pipelineNames(config.kafka.topicPrefix).routerGroup;

  const stats: BatchStats = {
    starts: 0,
    ends: 0,
    joins: 0,
    crashes: 0,
    maxBatchEvents: 0,
    batchMs: 0,
    maxBatchMs: 0,
    firstJoinAt: undefined,
    firstBatchStart: undefined,
    lastCommitEnd: undefined,
  };
  const batchStart = new Map<number, number>();
  const tx: TxStats = { count: 0, other: 0, aborted: 0, beginMs: 0, sendBatchMs: 0, sendOffsetsMs: 0, commitMs: 0 };
  // The platform's client, with its consumer and producer factories wrapped to observe them.
  const kafka = Object.create(platform.kafka) as Kafka;
  kafka.consumer = (options: ConsumerConfig) => {
    const consumer = platform.kafka.consumer(options);
    if (options.groupId === groupId) observeConsumer(consumer, stats, batchStart);
    return consumer;
  };
  kafka.producer = (options?: ProducerConfig) => {
    const producer = platform.kafka.producer(options);
    const partition = Number(/\.(\d+)$/.exec(options?.transactionalId ?? '')?.[1] ?? NaN);
    observeProducer(producer, partition, stats, batchStart, tx);
    return producer;
  };

  const router = new MeterRouter({ config, kafka, codec: platform.codec, topics: platform.topics, catalog: platform.catalog, logger, groupId });
  const memBefore = process.memoryUsage();
  const cpuBefore = process.cpuUsage();
  const startAt = Date.now();
  send({ type: 'starting', at: startAt, rssBefore: memBefore.rss, heapBefore: memBefore.heapUsed });
  await router.start();
  send({ type: 'started', at: Date.now() });

  process.on('message', async (msg: ParentMessage) => {
    if (msg.type !== 'report') return;
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage(cpuBefore);
    send({
      type: 'report',
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      maxRss: process.resourceUsage().maxRSS * 1024,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      startAt,
      stats,
      tx,
    });
    await router.stop();
    await platform.stop();
    process.exit(0);
  });
}

runChild().catch((err: unknown) => {
  console.error(`bench-router (router process): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
