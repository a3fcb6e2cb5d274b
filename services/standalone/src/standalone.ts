import type { FastifyInstance } from 'fastify';
import { Partitioners } from 'kafkajs';
import {
  connectPlatform,
  loadCatalogFile,
  openWarehouse,
  type Catalog,
  type Logger,
  type MeterstreamConfig,
  type Warehouse,
} from '@meterstream/common';
import { Aggregator } from '@meterstream/aggregator';
import { Billing } from '@meterstream/billing';
import { buildGateway, EventPublisher } from '@meterstream/gateway';
import { MeterIndex, MeterRouter } from '@meterstream/meter-router';

export interface Standalone {
  url: string;
  catalog: Catalog;
  warehouse: Warehouse;
  aggregator: Aggregator;
  billing: Billing;
  gateway: FastifyInstance;
  stop(): Promise<void>;
}

/**
 * All four services in one process on one warehouse. Built by hand in dependency order; stopped in
 * reverse order.
 */
export async function startStandalone(config: MeterstreamConfig, logger: Logger): Promise<Standalone> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((err) => logger.error({ err }, 'stop step failed'));
  };
  try {
    const catalog = loadCatalogFile(config.catalogFile);
    const warehouse = await openWarehouse(config);
    stops.push(() => warehouse.close());
    const platform = await connectPlatform(config, logger, 'standalone', catalog.meters);
    stops.push(() => platform.admin.disconnect());
    const { kafka, codec, topics } = platform;

    const aggregator = new Aggregator({ config, kafka, codec, topics, warehouse, meters: catalog.meters, logger: logger.child({ service: 'aggregator' }) });
    await aggregator.start();
    stops.push(() => aggregator.stop());

    const router = new MeterRouter({
      kafka,
      codec,
      topics,
      meters: new MeterIndex(catalog.meters),
      logger: logger.child({ service: 'meter-router' }),
      groupId: `${config.kafka.topicPrefix}meter-router`,
    });
    await router.start();
    stops.push(() => router.stop());

    const billing = new Billing({
      kafka,
      codec,
      topics,
      warehouse,
      catalog,
      logger: logger.child({ service: 'billing' }),
      transactionalId: `${config.kafka.topicPrefix}billing`,
    });
    await billing.start();
    stops.push(() => billing.stop());

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    stops.push(() => producer.disconnect());
    const gateway = buildGateway({
      logger: logger.child({ service: 'gateway' }),
      publisher: new EventPublisher(producer, codec, topics),
      warehouse,
      meters: () => catalog.meters,
      billing,
    });
    const url = await gateway.listen({ host: config.gateway.host, port: config.gateway.port });
    stops.push(() => gateway.close());
    logger.info({ url }, 'meterstream standalone ready');
    return { url, catalog, warehouse, aggregator, billing, gateway, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
