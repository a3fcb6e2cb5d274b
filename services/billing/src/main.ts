import { connectPlatform, dependencyChecks, openWarehouse, runService, startHealthServer } from '@meterstream/common';
import { createBilling } from './billing';

// Distributed mode: the billing service closes due periods every BILLING_TICK_MS; with HEALTH_PORT set
// it serves /healthz, /readyz and /metrics there.
// `main.js run-once` closes what is due now, prints the invoices and exits.
runService('billing', async (config, logger) => {
  const warehouse = await openWarehouse(config);
  const platform = await connectPlatform(config, logger, 'billing');
  const billing = createBilling(config, platform, warehouse, logger);
  const once = process.argv[2] === 'run-once';
  await billing.start({ schedule: !once });
  const health = once ? undefined : await startHealthServer(config, logger, [...dependencyChecks(config, platform.admin, warehouse), billing], platform.metrics);
  const stop = async () => {
    await health?.stop();
    await billing.stop();
    await platform.stop();
    await warehouse.close();
  };
  if (once) {
    console.log(JSON.stringify(await billing.tick(), null, 2));
    await stop();
    process.exit(0);
  }
  return stop;
});
