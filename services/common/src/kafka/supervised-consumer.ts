import type { Consumer, ConsumerConfig, ConsumerRunConfig, Kafka } from 'kafkajs';
import type { Logger } from '../logger';

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * How long the broker may hold a fetch that finds nothing new (fetch.max.wait.ms), for the aggregator's
 * sinks and the catalog (the router has its own: ROUTER_FETCH_MAX_WAIT_MS with ROUTER_FETCH_MIN_BYTES).
 * A fetch returns as soon as a record arrives (min bytes 1), so this costs no latency under traffic; it
 * bounds how often an idle consumer asks: once a second per consumer, instead of 4 to 10 times (each
 * fetch of the usage sink names every partition of every meter topic: with 100 meters, 300 partitions
 * to encode and decode).
 */
export const IDLE_FETCH_WAIT_MS = 1000;

/**
 * A kafkajs consumer that keeps consuming until it is stopped, and never restarts after that.
 *
 * kafkajs restarts a crashed consumer only when the crash's cause is retriable. Some failures a broker
 * restart causes are not ("Failed to find group coordinator", a transactional producer left aborting
 * inside eachBatch): the consumer then stays down while the process lives on, and its partitions are
 * consumed by nobody. This one restarts after any crash, waiting longer after each failed attempt
 * (from `restartDelayMs` up to 30 s); a successful group join resets the wait.
 */
export class SupervisedConsumer {
  readonly consumer: Consumer;
  private stopping = false;
  private runConfig: ConsumerRunConfig | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    kafka: Kafka,
    config: ConsumerConfig,
    private readonly logger: Logger,
    private readonly restartDelayMs = 1000,
  ) {
    this.consumer = kafka.consumer({ ...config, retry: { ...config.retry, restartOnFailure: async () => !this.stopping } });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping) return;
      this.logger.error({ err: payload.error, groupId: payload.groupId }, 'consumer crashed on an error kafkajs does not retry; restarting it');
      this.scheduleRestart();
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.failures = 0));
  }

  /** Connects, subscribes to `topics` from the beginning (for a group without offsets) and runs. */
  async start(topics: readonly string[], runConfig: ConsumerRunConfig): Promise<void> {
    this.runConfig = runConfig;
    await this.consumer.connect();
    for (const topic of topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run(runConfig);
  }

  /** Stops fetching for good; the consumer stays connected, so offsets can still be committed. */
  async stopFetching(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.consumer.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.consumer.disconnect();
  }

  private scheduleRestart(): void {
    const delay = Math.min(this.restartDelayMs * 2 ** this.failures, MAX_RESTART_DELAY_MS);
    this.failures += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping || !this.runConfig) return;
    try {
      await this.consumer.connect();
      await this.consumer.run(this.runConfig);
    } catch (err) {
      if (this.stopping) return;
      this.logger.warn({ err }, 'consumer restart failed; trying again');
      this.scheduleRestart();
    }
  }
}
