import type { FastifyInstance } from 'fastify';
import { connectPlatform, openWarehouse, type CatalogLog, type Logger, type MeterstreamConfig, type Warehouse } from '@meterstream/common';
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
  stop(): Promise<void>;
}

export interface StandaloneOptions {
  /** Wraps the warehouse every service uses (tests inject ClickHouse failures with it). */
  wrapWarehouse?(warehouse: Warehouse): Warehouse;
}

/**
 * All four services in one process on one warehouse, the meter-router on a worker thread. Built by
 * hand in dependency order; stopped in reverse order, within 10 s whatever the pipeline's state (the
 * aggregator and billing bound their own stops). The gateway's GET /readyz reports the aggregator's
 * and billing's health.
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
    const { kafka, codec, topics, catalog } = platform;

    const aggregator = await createAggregator({ config, logger: logger.child({ service: 'aggregator' }), platform, warehouse });
    stops.push(() => aggregator.stop());

    // On a thread of its own: routing does not wait behind HTTP requests and ClickHouse inserts.
    const router = await startRouterThread(config, logger);
    stops.push(() => router.stop());

    const billing = createBilling(config, platform, warehouse, logger.child({ service: 'billing' }));
    await billing.start();
    stops.push(() => billing.stop());

    const gateway = await createGateway({ config, logger: logger.child({ service: 'gateway' }), platform, warehouse, billing, health: [aggregator, billing] });
    stops.push(() => gateway.stop());
    const { url } = gateway;
    logger.info({ url }, 'meterstream standalone ready');
    return { url, catalog, warehouse, aggregator, billing, gateway: gateway.app, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
