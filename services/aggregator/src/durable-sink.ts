import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { IDLE_FETCH_WAIT_MS, SINK_PROGRESS_TABLE, SupervisedConsumer, isDataError, settledWithin, type BuiltQuery, type DlqSource, type Logger, type Metrics, type Warehouse } from '@meterstream/common';
import { toClickHouseTime, type DlqCode } from '@meterstream/domain';

/** The longest stop() takes, whatever ClickHouse and Kafka do; what is not durable by then is read again. */
export const SINK_STOP_BUDGET_MS = 5000;

/** Rows for one ClickHouse table. */
export interface InsertBatch {
  table: string;
  rows: Record<string, unknown>[];
}

/**
 * What a buffer did with one record: buffered it; skipped it (someone else dead-letters it, or its
 * meter is unknown here); or found it cannot be stored (it goes to the DLQ with this code and reason).
 */
export type AddResult =
  | { kind: 'buffered' }
  /** `expected`: a normal case (a repeat, a record the router dead-letters), logged at debug, not warn. */
  | { kind: 'skipped'; reason: string; expected?: boolean }
  | { kind: 'dead-letter'; code: DlqCode; reason: string };

/** What a sink buffers for one partition between two flushes. */
export interface SinkBuffer {
  /**
   * Adds one record, or says why not. The same message added to a fresh buffer is added the same way:
   * a failed flush is rebuilt from its messages to find the record ClickHouse refuses.
   */
  add(message: KafkaMessage): Promise<AddResult>;
  readonly size: number;
  /**
   * The buffered records as inserts, in the order they must land, each row stamped with its source
   * position. The last insert's rows carry the progress (the sink's progressQuery reads the resume
   * position back from them); inserts before it must be idempotent (a ReplacingMergeTree keyed by the
   * record), since a crash between two inserts makes them land again. May read ClickHouse (a promise):
   * it is called once per flush, after the partition's earlier flushes landed, and its rows are kept
   * for the flush's retries; a failure leaves the buffer as it was.
   */
  rows(source: { topic: string; partition: number; endOffset: string }): InsertBatch[] | Promise<InsertBatch[]>;
}

export interface DurableSinkOptions {
  name: string;
  kafka: Kafka;
  warehouse: Warehouse;
  logger: Logger;
  groupId: string;
  topics: string[];
  /**
   * The query for the next offset to read per partition of one topic, from the rows already stored:
   * columns `partition` and `next_offset` (usageProgressQuery, eventsProgressQuery).
   */
  progressQuery(topic: string): BuiltQuery;
  newBuffer(topic: string, partition: number): SinkBuffer;
  /** Writes one record to the DLQ (events.dlq) with its source position; resolves once Kafka has it. */
  deadLetter(source: DlqSource, code: DlqCode, reason: string): Promise<void>;
  flushIntervalMs: number;
  flushMaxRecords: number;
  /** How long a flush refused with a data error is retried whole before its records are tried apart. */
  dataErrorRetryMs: number;
  /** How long a partition's flush must have been failing before health() reports it. */
  degradedAfterMs: number;
  /** Flush durations, rows, failures and DLQ records are counted here, labelled with the sink's name. */
  metrics: Metrics;
}

/** A partition whose flush has been failing since `since` (epoch ms), with the last error. */
export interface PartitionFailure {
  topic: string;
  partition: number;
  since: number;
  error: string;
}

/** The inserts of the records at offsets [from, end) of one partition: `messages` rebuild them. */
interface PendingFlush {
  from: bigint;
  end: bigint;
  messages: KafkaMessage[];
  batches: InsertBatch[];
  token: string;
}

interface PartitionState {
  topic: string;
  partition: number;
  /** The first offset not yet durable in ClickHouse. */
  next: bigint;
  /** Offset after the last buffered record. */
  end: bigint;
  /** Offset after the last record fetched, transaction markers included. */
  fetched: bigint;
  /** durable offset last written to sink_progress. */
  reported: bigint;
  /** The records after those of `pending` (after `next` when nothing is pending), up to `end`. */
  buffer: SinkBuffer;
  /** The messages `buffer` holds, in offset order. */
  messages: KafkaMessage[];
  /**
   * Flushes taken from the buffer whose insert has not succeeded yet, in offset order, contiguous from
   * `next`. The first is inserted again, the same rows under the same token, before anything newer: a
   * failed insert that did land in ClickHouse is then dropped as a duplicate, and one that did not land
   * is not lost. Only a flush ClickHouse refuses for its data is replaced, by its two halves.
   */
  pending: PendingFlush[];
  lock: Promise<void>;
}

/**
 * Consumes topics into ClickHouse with exactly-once effect. Progress is not the consumer group's
 * committed offset: every flushed row carries its source partition and end offset, and one flush is one
 * insert (one part, atomic), so rows and progress become durable together. On (re)assignment a
 * partition resumes from the progress stored in ClickHouse; records below it are skipped. A retried
 * insert carries the same deduplication token (topic, partition, offset range), so it cannot apply
 * twice. Kafka offsets are committed after each flush only so that lag is visible to operators.
 *
 * Flushes hold a per-partition lock, so a partition's fetch loop waits while it flushes. On a
 * rebalance every buffer is dropped: the unflushed records are read again from Kafka.
 *
 * No record stops a partition (docs/exactly-once.md, "Records ClickHouse cannot store"): a record the
 * buffer finds unstorable goes to the DLQ when it is read. A flush ClickHouse refuses with a data error
 * (isDataError) for longer than `dataErrorRetryMs` is split in two halves by offset, each its own
 * insert under its own token with its own end offset, in order; a half refused again is split again,
 * and a single refused record goes to the DLQ. Every other record lands once, in offset order, so the
 * stored progress never passes a record that is not stored or dead-lettered.
 */
export class DurableSink {
  private consumer: SupervisedConsumer;
  private topics: string[];
  private readonly states = new Map<string, PartitionState>();
  /** Partitions whose flush is failing; kept through a rejoin while the partition stays ours. */
  private readonly failures = new Map<string, PartitionFailure>();
  private readonly inflight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timedFlush: Promise<void> | undefined;
  private lastFailureLog = 0;
  private stopping = false;
  private resubscribing: Promise<void> = Promise.resolve();

  constructor(private readonly options: DurableSinkOptions) {
    this.topics = [...options.topics];
    this.consumer = this.newConsumer();
  }

  private newConsumer(): SupervisedConsumer {
    const supervised = new SupervisedConsumer(
      this.options.kafka,
      { groupId: this.options.groupId, readUncommitted: false, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: IDLE_FETCH_WAIT_MS, sessionTimeout: 10000, heartbeatInterval: 1000 },
      this.options.logger,
    );
    const { consumer } = supervised;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.states.clear();
      const assigned = payload.memberAssignment as Record<string, number[]>;
      for (const [k, failure] of this.failures) {
        if (!assigned[failure.topic]?.includes(failure.partition)) this.failures.delete(k);
      }
    });
    // Fires for every fetched batch, also for one holding only transaction markers (or aborted
    // records), which eachBatch never sees: the fetch position that tells a drained partition from one
    // still behind. Batches with records advance `end` in onBatch instead.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0) return;
      const state = this.states.get(key(payload.topic, payload.partition));
      const fetched = BigInt(payload.lastOffset) + 1n;
      if (state && fetched > state.fetched) state.fetched = fetched;
    });
    return supervised;
  }

  private run(): Promise<void> {
    return this.consumer.start(this.topics, { autoCommit: false, partitionsConsumedConcurrently: 4, eachBatch: (p) => this.onBatch(p) });
  }

  /**
   * Follows a new set of topics (a meter was created). kafkajs cannot add topics to a running
   * consumer, so the sink flushes, leaves the group and joins again with the new subscription.
   */
  updateTopics(topics: readonly string[]): Promise<void> {
    const next = [...new Set(topics)].sort();
    this.resubscribing = this.resubscribing.then(async () => {
      if (this.stopping || next.join('\n') === [...this.topics].sort().join('\n')) return;
      await this.consumer.stopFetching();
      await this.flushAll();
      await this.consumer.stop();
      this.states.clear();
      this.topics = next;
      this.consumer = this.newConsumer();
      await this.run();
      this.options.logger.info({ topics: next.length }, 'subscription updated');
    });
    return this.resubscribing;
  }

  async start(): Promise<void> {
    await this.run();
    // A tick while the previous timed flush still runs (a slow insert) is skipped, not queued.
    this.timer = setInterval(() => {
      if (this.timedFlush) return;
      this.timedFlush = this.flushAll()
        .catch((err) => this.logFailure(err))
        .finally(() => (this.timedFlush = undefined));
    }, this.options.flushIntervalMs);
  }

  /**
   * Stops within SINK_STOP_BUDGET_MS whatever ClickHouse does: the final flush and the consumer's stop
   * are given what is left of it. A flush that did not finish is read again from Kafka at the next
   * start (the stored progress is behind it), and a late-landing insert is dropped then as a repeat.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    const deadline = Date.now() + SINK_STOP_BUDGET_MS;
    const left = (reserve = 0) => Math.max(0, deadline - Date.now() - reserve);
    const { logger } = this.options;
    if (!(await settledWithin(this.resubscribing, left(3000)))) logger.warn('subscription update still running at stop');
    if (!(await settledWithin(this.consumer.stopFetching(), Math.min(2000, left(2000))))) logger.warn('fetch loop did not stop in time');
    const flush = this.flushAll().catch((err) => logger.warn({ err }, 'final flush failed; records will be read again'));
    if (!(await settledWithin(flush, left(1000)))) logger.warn('final flush did not finish in time; records will be read again');
    if (!(await settledWithin(this.consumer.stop(), Math.max(1000, left())))) logger.warn('consumer did not disconnect in time');
  }

  /** A failing flush is retried every interval; it is logged once every 10 s (health() has it meanwhile). */
  private logFailure(err: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 10_000) return;
    this.lastFailureLog = now;
    const failing = [...this.failures.values()].map((f) => ({ topic: f.topic, partition: f.partition, since: new Date(f.since).toISOString() }));
    this.options.logger.error({ err, failing }, 'timed flush failed; retrying every flush interval');
  }

  /** Partitions whose flush has been failing for at least `degradedAfterMs`. */
  health(now = Date.now()): PartitionFailure[] {
    return [...this.failures.values()].filter((f) => now - f.since >= this.options.degradedAfterMs).map((f) => ({ ...f }));
  }

  /**
   * Flushes every partition with buffered records, then reports durable progress, also when some
   * partition's flush failed (that one stays where it was); rejects with the first failure after.
   */
  async flushAll(): Promise<void> {
    const states = [...this.states.values()];
    const results = await Promise.allSettled(states.map((state) => this.withLock(state, () => this.flush(state))));
    await this.reportProgress(states);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async reportProgress(states: PartitionState[]): Promise<void> {
    const progress: Record<string, unknown>[] = [];
    for (const state of states) {
      // Nothing buffered and the fetch position beyond it: the records between were markers.
      if (state.end === state.next && state.fetched > state.next) state.next = state.end = state.fetched;
      if (state.next !== state.reported) {
        progress.push({ sink: this.options.name, topic: state.topic, partition: state.partition, durable_offset: state.next.toString(), updated_at: toClickHouseTime(Date.now()) });
      }
    }
    if (progress.length === 0) return;
    await this.options.warehouse.insert(SINK_PROGRESS_TABLE, progress);
    for (const row of progress) {
      const state = this.states.get(key(row.topic as string, row.partition as number));
      if (state) state.reported = BigInt(row.durable_offset as string);
    }
    // For lag reporting only (as in flush()): also past the transaction markers after the last record,
    // so a drained meter partition shows lag 0, not 1.
    await this.consumer.consumer
      .commitOffsets(progress.map((row) => ({ topic: row.topic as string, partition: row.partition as number, offset: row.durable_offset as string })))
      .catch((err) => this.options.logger.debug({ err }, 'offset commit for lag reporting failed'));
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const state = await this.stateFor(batch.topic, batch.partition);
    await this.withLock(state, async () => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.states.get(key(batch.topic, batch.partition)) !== state) return;
        const offset = BigInt(message.offset);
        if (offset < state.end) continue; // already durable or already buffered
        const added = await state.buffer.add(message);
        if (added.kind === 'buffered') state.messages.push(message);
        else if (added.kind === 'dead-letter') await this.deadLetter(state, message, added.code, added.reason);
        else this.options.logger[added.expected ? 'debug' : 'warn']({ topic: batch.topic, partition: batch.partition, offset: message.offset, reason: added.reason }, 'record skipped');
        state.end = offset + 1n;
        if (state.buffer.size >= this.options.flushMaxRecords) await this.flush(state);
      }
      // The whole batch is handled: what follows its last record up to lastOffset() (transaction
      // markers, aborted records) is passed too.
      const fetched = BigInt(batch.lastOffset()) + 1n;
      if (fetched > state.fetched) state.fetched = fetched;
    });
    await heartbeat();
  }

  private async stateFor(topic: string, partition: number): Promise<PartitionState> {
    const existing = this.states.get(key(topic, partition));
    if (existing) return existing;
    // A flush begun before a rebalance must land before progress is read back.
    await Promise.allSettled([...this.inflight]);
    const { query, params } = this.options.progressQuery(topic);
    const rows = await this.options.warehouse.query<{ partition: number; next_offset: string }>(query, params);
    const stored = rows.find((r) => Number(r.partition) === partition);
    const next = stored ? BigInt(stored.next_offset) : 0n;
    const state: PartitionState = {
      topic,
      partition,
      next,
      end: next,
      fetched: next,
      reported: -1n,
      buffer: this.options.newBuffer(topic, partition),
      messages: [],
      pending: [],
      lock: Promise.resolve(),
    };
    this.states.set(key(topic, partition), state);
    this.options.logger.info({ topic, partition, resumeOffset: next.toString() }, 'partition progress loaded');
    return state;
  }

  /**
   * One flush's inserts, one after the other, each under the flush's token (ClickHouse keeps tokens
   * per table): retried after a failure, an insert that did land is dropped as a duplicate.
   */
  private async insertInOrder(batches: readonly InsertBatch[], token: string): Promise<void> {
    for (const batch of batches) {
      if (batch.rows.length > 0) await this.options.warehouse.insert(batch.table, batch.rows, { dedupToken: token });
    }
  }

  private withLock(state: PartitionState, fn: () => Promise<void>): Promise<void> {
    const run = state.lock.then(fn);
    state.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Makes everything buffered durable: first the pending flushes that failed before, then the buffer.
   * An insert that throws leaves its flush pending (and `next` where it was), so a later flush, or a
   * new consumer after a rebalance reading progress back from ClickHouse, takes it up again, unless
   * isolate() handles it as refused data.
   */
  private async flush(state: PartitionState): Promise<void> {
    for (;;) {
      if (state.pending.length === 0) {
        if (state.end === state.next) return;
        // The buffer and its messages leave the state only once its rows are known (rows() may fail).
        const flush = await this.pendingFlush(state, state.next, state.end, state.messages, state.buffer);
        state.messages = [];
        state.buffer = this.options.newBuffer(state.topic, state.partition);
        state.pending.push(flush);
      }
      const head = state.pending[0];
      const { metrics, name: sink } = this.options;
      const started = process.hrtime.bigint();
      const insert = this.insertInOrder(head.batches, head.token);
      this.inflight.add(insert);
      try {
        await insert;
      } catch (err) {
        metrics.flushFailures.inc({ sink });
        if (await this.isolate(state, head, err)) continue;
        throw err;
      } finally {
        this.inflight.delete(insert);
      }
      metrics.flushDuration.observe({ sink }, Number(process.hrtime.bigint() - started) / 1e9);
      for (const batch of head.batches) if (batch.rows.length > 0) metrics.flushRows.inc({ sink, table: batch.table }, batch.rows.length);
      this.passed(state, head);
      if (!this.stopping || this.states.has(key(state.topic, state.partition))) {
        await this.consumer.consumer
          .commitOffsets([{ topic: state.topic, partition: state.partition, offset: head.end.toString() }])
          .catch((err) => this.options.logger.debug({ err }, 'offset commit for lag reporting failed'));
      }
    }
  }

  /** The inserts of offsets [from, end): from `buffer` when given, else rebuilt from the messages. */
  private async pendingFlush(state: PartitionState, from: bigint, end: bigint, messages: KafkaMessage[], buffer?: SinkBuffer): Promise<PendingFlush> {
    if (!buffer) {
      buffer = this.options.newBuffer(state.topic, state.partition);
      for (const message of messages) await buffer.add(message);
    }
    const endOffset = end.toString();
    return {
      from,
      end,
      messages,
      batches: await buffer.rows({ topic: state.topic, partition: state.partition, endOffset }),
      token: `${this.options.name}:${state.topic}:${state.partition}:${from}-${endOffset}`,
    };
  }

  /** The first pending flush is durable (or dead-lettered): the partition moves past it. */
  private passed(state: PartitionState, head: PendingFlush): void {
    state.next = head.end;
    state.pending.shift();
    if (state.pending.length === 0) this.failures.delete(key(state.topic, state.partition));
  }

  /**
   * After the first pending flush failed: records the failure, and once ClickHouse has refused its data
   * for `dataErrorRetryMs`, splits it in two halves (true), or dead-letters its one record and moves
   * past it (true). False leaves the flush to be retried as it is: an infrastructure error, a data error
   * still inside its retry budget, or a sink that is stopping.
   */
  private async isolate(state: PartitionState, head: PendingFlush, err: unknown): Promise<boolean> {
    const k = key(state.topic, state.partition);
    const now = Date.now();
    const error = err instanceof Error ? err.message : String(err);
    const failure = this.failures.get(k) ?? { topic: state.topic, partition: state.partition, since: now, error };
    failure.error = error;
    this.failures.set(k, failure);
    if (this.stopping || !isDataError(err) || now - failure.since < this.options.dataErrorRetryMs || head.messages.length === 0) return false;
    const { logger } = this.options;
    if (head.messages.length > 1) {
      const half = Math.ceil(head.messages.length / 2);
      const split = BigInt(head.messages[half].offset);
      const first = await this.pendingFlush(state, head.from, split, head.messages.slice(0, half));
      const second = await this.pendingFlush(state, split, head.end, head.messages.slice(half));
      state.pending.splice(0, 1, first, second);
      logger.info({ topic: state.topic, partition: state.partition, from: head.from.toString(), split: split.toString(), end: head.end.toString() }, 'flush refused for its data; trying its halves');
      return true;
    }
    await this.deadLetter(state, head.messages[0], 'UNSTORABLE_RECORD', `ClickHouse refused it: ${error.slice(0, 500)}`);
    this.passed(state, head);
    return true;
  }

  private async deadLetter(state: PartitionState, message: KafkaMessage, code: DlqCode, reason: string): Promise<void> {
    const { topic, partition } = state;
    await this.options.deadLetter({ topic, partition, offset: message.offset, key: message.key ?? null, value: message.value, headers: message.headers, timestamp: message.timestamp }, code, reason);
    this.options.metrics.deadLettered('aggregator', code);
    this.options.logger.warn({ topic, partition, offset: message.offset, code, reason }, 'record dead-lettered');
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
