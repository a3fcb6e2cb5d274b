import { connectPlatform, openWarehouse, runService } from '@meterstream/common';
import { Aggregator } from './aggregator';

// Distributed mode: point CLICKHOUSE_URL at the ClickHouse server shared with the gateway and billing.
runService('aggregator', async (config, logger) => {
  const warehouse = await openWarehouse(config);
  const platform = await connectPlatform(config, logger, 'aggregator');
  const { kafka, codec, topics, catalog } = platform;
  const aggregator = new Aggregator({ config, kafka, codec, topics, warehouse, catalog: catalog.store, logger });
  await aggregator.start();
  return async () => {
    await aggregator.stop();
    await platform.stop();
    await warehouse.close();
  };
});
