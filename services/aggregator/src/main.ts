import { connectPlatform, openWarehouse, runService } from '@meterstream/common';
import { createAggregator } from './create-aggregator';

// Distributed mode: point CLICKHOUSE_URL at the ClickHouse server shared with the gateway and billing.
runService('aggregator', async (config, logger) => {
  const warehouse = await openWarehouse(config);
  const platform = await connectPlatform(config, logger, 'aggregator');
  const aggregator = await createAggregator({ config, logger, platform, warehouse });
  return async () => {
    await aggregator.stop();
    await platform.stop();
    await warehouse.close();
  };
});
