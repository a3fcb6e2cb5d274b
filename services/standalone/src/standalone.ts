import type { FastifyInstance } from 'fastify';
import { connectPlatform, consumerLagCheck, dlqCheck, openWarehouse, pipelineNames, type CatalogLog, type Logger, type MeterstreamConfig, type Metrics, type Warehouse } from '@meterstream/common';
import { createAggregator, type Aggregator } from '@meterstream/aggregator';
import { createBilling, type Billing } from '@meterstream/billing';
import { createGateway } from '@meterstream/gateway';
import { startRouterThread } from '@meterstream/meter-router';

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

export interface StandaloneOptions {
  /** Wraps the warehouse every service uses (tests inject ClickHouse failures with it). */
  wrapWarehouse?(warehouse: Warehouse): Warehouse;
}

/**
 * All four services in one process on one warehouse, the meter-router on a worker thread. Built by
 * hand in dependency order; stopped in reverse order, within 10 s whatever the pipeline's state (the
 * aggregator and billing bound their own stops). The gateway's GET /readyz reports on every service: Kafka,
 * the schema registry and ClickHouse reachable, the lag of the three consumer groups, the aggregator's
 * failing flushes, DLQ records of the last HEALTH_DLQ_WINDOW_MS (aggregator and router thread) and
 * billing waiting on the pipeline. GET /metrics adds the router thread's metrics to this thread's.
 */
export async function startStandalone(config: MeterstreamConfig, logger: Logger, options: StandaloneOptions = {}): Promise<Standalone> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((err) => logger.error({ err }, 'stop step failed'));
  };
  try {
    const opened = await openWarehouse(config);
    stops.push(() => opened.close());
    const warehouse = options.wrapWarehouse ? options.wrapWarehouse(opened) : opened;
    const platform = await connectPlatform(config, logger, 'standalone');
    stops.push(() => platform.stop());
    const { topics, catalog, metrics } = platform;

    const aggregator = await createAggregator({ config, logger: logger.child({ service: 'aggregator' }), platform, warehouse });
    stops.push(() => aggregator.stop());

    // On a thread of its own: routing does not wait behind HTTP requests and ClickHouse inserts.
    const router = await startRouterThread(config, logger);
    stops.push(() => router.stop());
    metrics.addSource(() => router.metrics());

    const billing = createBilling(config, platform, warehouse, logger.child({ service: 'billing' }));
    await billing.start();
    stops.push(() => billing.stop());

    const names = pipelineNames(config.kafka.topicPrefix);
    const lag = consumerLagCheck(config, platform.admin, metrics, [
      { groupId: names.routerGroup, topics: () => [topics.events] },
      { groupId: names.aggregatorGroup, topics: () => catalog.store.list('meters').map((m) => topics.meter(m.id)) },
      { groupId: names.rawEventSinkGroup, topics: () => [topics.events] },
    ]);
    const health = [lag, aggregator, router.health, dlqCheck(metrics), billing];
    const gateway = await createGateway({ config, logger: logger.child({ service: 'gateway' }), platform, warehouse, billing, health });
    stops.push(() => gateway.stop());
    const { url } = gateway;
    logger.info({ url }, 'meterstream standalone ready');
    return { url, catalog, warehouse, aggregator, billing, gateway: gateway.app, metrics, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
