import { connectPlatform, openWarehouse, parseIsoTime, runService } from '@meterstream/common';
import { Billing } from './billing';

// Distributed mode. `main.js close --subscription <id> --start <iso> --end <iso>` closes one period
// and prints the invoice; without arguments the process keeps running as the billing service.
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

runService('billing', async (config, logger) => {
  const warehouse = await openWarehouse(config);
  const platform = await connectPlatform(config, logger, 'billing');
  const { kafka, codec, topics, catalog } = platform;
  const billing = new Billing({ kafka, codec, topics, warehouse, catalog: catalog.store, logger, transactionalId: `${config.kafka.topicPrefix}billing` });
  await billing.start();
  const stop = async () => {
    await billing.stop();
    await platform.stop();
    await warehouse.close();
  };
  if (process.argv[2] === 'close') {
    const start = parseIsoTime(flag('start') ?? '');
    const end = parseIsoTime(flag('end') ?? '');
    const subscriptionId = flag('subscription');
    if (!subscriptionId || start === undefined || end === undefined) throw new Error('usage: close --subscription <id> --start <iso> --end <iso>');
    console.log(JSON.stringify(await billing.closePeriod({ subscriptionId, periodStart: start, periodEnd: end }), null, 2));
    await stop();
    process.exit(0);
  }
  return stop;
});
