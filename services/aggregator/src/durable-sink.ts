import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { SINK_PROGRESS_TABLE, SupervisedConsumer, type BuiltQuery, type Logger, type Warehouse } from '@meterstream/common';
import { toClickHouseTime } from '@meterstream/domain';

/** Rows for one ClickHouse table. */
export interface InsertBatch {
  table: string;
  rows: Record<string, unknown>[];
}

/** What a sink buffers for one partition between two flushes. */
export interface SinkBuffer {
  /** Adds one record; false when the record was not usable (it is logged and skipped). */
  add(message: KafkaMessage): Promise<boolean>;
  readonly size: number;
  /**
   * The buffered records as inserts, in the order they must land, each row stamped with its source
   * position. The last insert's rows carry the progress (the sink's progressQuery reads the resume
   * position back from them); inserts before it must be idempotent (a ReplacingMergeTree keyed by the
   * record), since a crash between two inserts makes them land again.
   */
  rows(source: { topic: string; partition: number; endOffset: string }): InsertBatch[];
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
  flushIntervalMs: number;
  flushMaxRecords: number;
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
  /**
   * Rows taken from the buffer whose insert has not succeeded yet. They are inserted again, the same
   * rows under the same token, before anything newer: a failed insert that did land in ClickHouse is
   * then dropped as a duplicate, and one that did not land is not lost.
   */
  pending: { batches: InsertBatch[]; token: string; end: bigint } | undefined;
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
 */
export class DurableSink {
  private consumer: SupervisedConsumer;
  private topics: string[];
  private readonly states = new Map<string, PartitionState>();
  private readonly inflight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private resubscribing: Promise<void> = Promise.resolve();

  constructor(private readonly options: DurableSinkOptions) {
    this.topics = [...options.topics];
    this.consumer = this.newConsumer();
  }

  private newConsumer(): SupervisedConsumer {
    const supervised = new SupervisedConsumer(
      this.options.kafka,
      { groupId: this.options.groupId, readUncommitted: false, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 250, sessionTimeout: 10000, heartbeatInterval: 1000 },
      this.options.logger,
    );
    const { consumer } = supervised;
    consumer.on(consumer.events.GROUP_JOIN, () => this.states.clear());
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
    this.timer = setInterval(() => void this.flushAll().catch((err) => this.options.logger.error({ err }, 'timed flush failed')), this.options.flushIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.resubscribing.catch(() => undefined);
    await this.consumer.stopFetching();
    await this.flushAll().catch((err) => this.options.logger.warn({ err }, 'final flush failed; records will be read again'));
    await this.consumer.stop();
  }

  /** Flushes every partition with buffered records, then reports durable progress. */
  async flushAll(): Promise<void> {
    const states = [...this.states.values()];
    await Promise.all(states.map((state) => this.withLock(state, () => this.flush(state))));
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
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const state = await this.stateFor(batch.topic, batch.partition);
    await this.withLock(state, async () => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.states.get(key(batch.topic, batch.partition)) !== state) return;
        const offset = BigInt(message.offset);
        if (offset < state.end) continue; // already durable or already buffered
        if (!(await state.buffer.add(message))) {
          this.options.logger.warn({ topic: batch.topic, partition: batch.partition, offset: message.offset }, 'record skipped');
        }
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
      pending: undefined,
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
   * Makes everything buffered durable: first a pending insert that failed before, then the buffer. An
   * insert that throws leaves its rows pending (and `next` where it was), so a later flush, or a new
   * consumer after a rebalance reading progress back from ClickHouse, takes them up again.
   */
  private async flush(state: PartitionState): Promise<void> {
    for (;;) {
      if (!state.pending) {
        if (state.end === state.next) return;
        const endOffset = state.end.toString();
        state.pending = {
          batches: state.buffer.rows({ topic: state.topic, partition: state.partition, endOffset }),
          token: `${this.options.name}:${state.topic}:${state.partition}:${state.next}-${endOffset}`,
          end: state.end,
        };
        state.buffer = this.options.newBuffer(state.topic, state.partition);
      }
      const { batches, token, end } = state.pending;
      const insert = this.insertInOrder(batches, token);
      this.inflight.add(insert);
      try {
        await insert;
      } finally {
        this.inflight.delete(insert);
      }
      state.next = end;
      state.pending = undefined;
      if (!this.stopping || this.states.has(key(state.topic, state.partition))) {
        await this.consumer.consumer
          .commitOffsets([{ topic: state.topic, partition: state.partition, offset: end.toString() }])
          .catch((err) => this.options.logger.debug({ err }, 'offset commit for lag reporting failed'));
      }
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
