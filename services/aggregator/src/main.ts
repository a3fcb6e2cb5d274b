import { connectPlatform, loadCatalogFile, openWarehouse, runService } from '@meterstream/common';
import { Aggregator } from './aggregator';

// Distributed mode: point CLICKHOUSE_URL at the ClickHouse server shared with the gateway and billing.
runService('aggregator', async (config, logger) => {
  const catalog = loadCatalogFile(config.catalogFile);
  const warehouse = await openWarehouse(config);
  const { kafka, admin, codec, topics } = await connectPlatform(config, logger, 'aggregator', catalog.meters);
  const aggregator = new Aggregator({ config, kafka, codec, topics, warehouse, meters: catalog.meters, logger });
  await aggregator.start();
  return async () => {
    await aggregator.stop();
    await admin.disconnect();
    await warehouse.close();
  };
});
