import type { FastifyInstance } from 'fastify';
import {
  connectPlatform,
  consumerLagCheck,
  dlqCheck,
  openWarehouse,
  pipelineNames,
  settledWithin,
  type CatalogLog,
  type HealthCheck,
  type HealthProblem,
  type Logger,
  type MeterstreamConfig,
  type Metrics,
  type Platform,
  type Warehouse,
} from '@meterstream/common';
import { createAggregator, type Aggregator } from '@meterstream/aggregator';
import { createBilling, type Billing } from '@meterstream/billing';
import { createGateway } from '@meterstream/gateway';
import { startRouterThread } from '@meterstream/meter-router';
import { MeterstreamError } from '@meterstream/domain';

export interface Standalone {
  url: string;
  catalog: CatalogLog;
  warehouse: Warehouse;
  aggregator: Aggregator;
  billing: Billing;
  gateway: FastifyInstance;
  /** The process's metrics (the router thread's added in), as GET /metrics serves them. */
  metrics: Metrics;
  stop(): Promise<void>;
}

/** The standalone once its gateway listens; the consumers (aggregator, router, billing) still starting. */
export interface OpeningStandalone {
  url: string;
  catalog: CatalogLog;
  warehouse: Warehouse;
  gateway: FastifyInstance;
  /** Resolves once the aggregator, the meter-router thread and billing run; rejects if one cannot start. */
  ready: Promise<Standalone>;
  stop(): Promise<void>;
}

export interface StandaloneOptions {
  /** Wraps the warehouse every service uses (tests inject ClickHouse failures with it). */
  wrapWarehouse?(warehouse: Warehouse): Warehouse;
}

/** What `ready` rejects with when stop() was called before every service had started. */
export class StoppedWhileStarting extends Error {
  constructor() {
    super('the standalone was stopped while its services were starting');
    this.name = 'StoppedWhileStarting';
  }
}

/** How long stop() waits for a service still starting (its stop runs only once it has started). */
const STARTING_STOP_WAIT_MS = 3000;

/**
 * All four services in one process on one warehouse, the meter-router on a worker thread; resolves once
 * every one runs (what tests and the demo use). See openStandalone for the order.
 */
export async function startStandalone(config: MeterstreamConfig, logger: Logger, options: StandaloneOptions = {}): Promise<Standalone> {
  const opening = await openStandalone(config, logger, options);
  try {
    return await opening.ready;
  } catch (err) {
    await opening.stop();
    throw err;
  }
}

/**
 * Opens the standalone in two steps so that a restarted process accepts events within seconds:
 *
 * 1. the warehouse and the platform (Kafka, registry, catalog) side by side, then the gateway, which
 *    listens as soon as ingest can work (it needs only its producer, the catalog and the warehouse);
 * 2. in the background the aggregator, the meter-router thread and billing. Their consumer groups may
 *    take up to their session timeout (10 s) to join after a SIGKILL: the killed process's members
 *    stay in the groups until then (kafkajs has no static membership, tulios/kafkajs#884). Until they
 *    run, GET /readyz answers 503 `degraded` with a `startup` reason and POST /billing/run a retryable 503.
 *
 * The gateway's GET /readyz reports on every service: Kafka, the schema registry and ClickHouse
 * reachable, the lag of the three consumer groups, the aggregator's failing flushes, DLQ records of the
 * last HEALTH_DLQ_WINDOW_MS (aggregator and router thread) and billing waiting on the pipeline. GET
 * /metrics adds the router thread's metrics to this thread's.
 *
 * Stopped in reverse order, within 10 s whatever the pipeline's state (the aggregator and billing bound
 * their own stops; a service still starting is waited for at most STARTING_STOP_WAIT_MS).
 */
export async function openStandalone(config: MeterstreamConfig, logger: Logger, options: StandaloneOptions = {}): Promise<OpeningStandalone> {
  // Stopped in this order: the gateway, the pipeline services (last started first), the platform and
  // the warehouse.
  let stopGateway = async () => {};
  const pipelineStops: (() => Promise<void>)[] = [];
  const baseStops: (() => Promise<void>)[] = [];
  let stopping = false;
  let stopped = false;
  let background: Promise<unknown> = Promise.resolve();
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (!(await settledWithin(background, STARTING_STOP_WAIT_MS))) logger.warn('a service was still starting at stop');
    for (const fn of [stopGateway, ...pipelineStops.reverse(), ...baseStops.reverse()]) await fn().catch((err) => logger.error({ err }, 'stop step failed'));
    stopped = true;
  };
  const starting = new StartingServices();
  let warehouse: Warehouse;
  let platform: Platform;
  let url: string;
  let gateway: FastifyInstance;
  try {
    // Side by side: opening ClickHouse runs off the event loop while Kafka and the registry answer.
    const [opened, connected] = await Promise.allSettled([openWarehouse(config), connectPlatform(config, logger, 'standalone')]);
    if (opened.status === 'fulfilled') baseStops.push(() => opened.value.close());
    if (connected.status === 'fulfilled') baseStops.push(() => connected.value.stop());
    if (opened.status === 'rejected') throw opened.reason;
    if (connected.status === 'rejected') throw connected.reason;
    warehouse = options.wrapWarehouse ? options.wrapWarehouse(opened.value) : opened.value;
    platform = connected.value;

    const { topics, catalog, metrics } = platform;
    const names = pipelineNames(config.kafka.topicPrefix);
    const lag = consumerLagCheck(config, platform.admin, metrics, [
      { groupId: names.routerGroup, topics: () => [topics.events] },
      { groupId: names.aggregatorGroup, topics: () => catalog.store.list('meters').map((m) => topics.meter(m.id)) },
      { groupId: names.rawEventSinkGroup, topics: () => [topics.events] },
    ]);
    const health = [lag, dlqCheck(metrics), starting];
    const service = await createGateway({ config, logger: logger.child({ service: 'gateway' }), platform, warehouse, billing: starting.billingPort(), health });
    stopGateway = () => service.stop();
    ({ url } = service);
    gateway = service.app;
    logger.info({ url }, 'meterstream gateway listening; starting the pipeline');
  } catch (err) {
    await stop();
    throw err;
  }

  const ready = (async (): Promise<Standalone> => {
    const started = <T extends { stop(): Promise<void> }>(service: T): T => {
      // Started after stop() gave up waiting for it: it stops on its own.
      if (stopped) void service.stop().catch((err) => logger.error({ err }, 'stop step failed'));
      else pipelineStops.push(() => service.stop());
      if (stopping) throw new StoppedWhileStarting();
      return service;
    };
    const [aggregator, router, billing] = await Promise.all([
      createAggregator({ config, logger: logger.child({ service: 'aggregator' }), platform, warehouse }).then(started),
      // On a thread of its own: routing does not wait behind HTTP requests and ClickHouse inserts.
      startRouterThread(config, logger).then(started),
      (async () => {
        const billing = createBilling(config, platform, warehouse, logger.child({ service: 'billing' }));
        await billing.start();
        return started(billing);
      })(),
    ]);
    platform.metrics.addSource(() => router.metrics());
    starting.started([aggregator, router.health, billing], billing);
    logger.info({ url }, 'meterstream standalone ready');
    return { url, catalog: platform.catalog, warehouse, aggregator, billing, gateway, metrics: platform.metrics, stop };
  })();
  background = ready;
  return { url, catalog: platform.catalog, warehouse, gateway, ready, stop };
}

/**
 * What the gateway sees of the services that start after it listens: a health check that reports
 * `startup` until they run and theirs afterwards, and billing's period close once billing runs.
 */
class StartingServices implements HealthCheck {
  readonly name = 'startup';
  private checks: readonly HealthCheck[] | undefined;
  private billing: Billing | undefined;

  started(checks: readonly HealthCheck[], billing: Billing): void {
    this.checks = checks;
    this.billing = billing;
  }

  async problems(): Promise<HealthProblem[]> {
    if (!this.checks) return [{ check: this.name, reason: 'starting: the aggregator, meter-router and billing are joining their consumer groups' }];
    const problems: HealthProblem[] = [];
    for (const check of this.checks) problems.push(...(await check.problems()));
    return problems;
  }

  billingPort(): Pick<Billing, 'tick'> {
    return {
      tick: (now?: number) => {
        if (!this.billing) return Promise.reject(new MeterstreamError('SERVICE_STARTING', 'billing is starting; try again in a few seconds'));
        return this.billing.tick(now);
      },
    };
  }
}
