import { connectPlatform, openWarehouse, runService } from '@meterstream/common';
import { createGateway } from './create-gateway';

// Distributed mode: the gateway alone. Billing routes are served where billing runs.
runService('gateway', async (config, logger) => {
  const warehouse = await openWarehouse(config);
  const platform = await connectPlatform(config, logger, 'gateway');
  const gateway = await createGateway({ config, logger, platform, warehouse });
  return async () => {
    await gateway.stop();
    await platform.stop();
    await warehouse.close();
  };
});
