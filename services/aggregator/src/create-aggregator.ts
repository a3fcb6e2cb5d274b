import type { Logger, MeterstreamConfig, Platform, Warehouse } from '@meterstream/common';
import { Aggregator } from './aggregator';

export interface AggregatorServiceDeps {
  config: MeterstreamConfig;
  logger: Logger;
  /** Connected (connectPlatform): Kafka, the codec, topic names and the live catalog. */
  platform: Platform;
  warehouse: Warehouse;
}

/**
 * Builds the aggregator (usage sink and raw event sink) on the platform's catalog and starts it; its
 * stop() stops both sinks, the platform and warehouse stay with the caller. What both the aggregator
 * process (main.ts) and the standalone process run.
 */
export async function createAggregator(deps: AggregatorServiceDeps): Promise<Aggregator> {
  const { kafka, codec, topics, catalog, metrics } = deps.platform;
  const aggregator = new Aggregator({ config: deps.config, kafka, codec, topics, warehouse: deps.warehouse, catalog: catalog.store, logger: deps.logger, metrics });
  await aggregator.start();
  return aggregator;
}
