import { connectPlatform, openWarehouse, runService } from '@meterstream/common';
import { buildGateway } from './app';
import { EventPublisher } from './event-publisher';
import { createEventProducer } from './event-producer';

// Distributed mode: the gateway alone. Billing routes are served where billing runs.
runService('gateway', async (config, logger) => {
  const warehouse = await openWarehouse(config);
  const platform = await connectPlatform(config, logger, 'gateway');
  const { codec, topics } = platform;
  const producer = createEventProducer(config);
  const app = buildGateway({
    logger,
    auth: { keys: platform.catalog, ...config.auth },
    publisher: new EventPublisher(producer, codec, topics),
    warehouse,
    meters: platform,
    settings: config.gateway,
  });
  await app.listen({ host: config.gateway.host, port: config.gateway.port });
  return async () => {
    await app.close();
    await producer.close();
    await platform.stop();
    await warehouse.close();
  };
});
