import { connectPlatform, loadCatalogFile, runService } from '@meterstream/common';
import { MeterIndex } from './meter-index';
import { MeterRouter } from './meter-router';

// Distributed mode: scale by running more instances in the same consumer group (up to the number of
// partitions of `events`).
runService('meter-router', async (config, logger) => {
  const catalog = loadCatalogFile(config.catalogFile);
  const { kafka, admin, codec, topics } = await connectPlatform(config, logger, 'meter-router', catalog.meters);
  const router = new MeterRouter({ kafka, codec, topics, meters: new MeterIndex(catalog.meters), logger, groupId: `${config.kafka.topicPrefix}meter-router` });
  await router.start();
  return async () => {
    await router.stop();
    await admin.disconnect();
  };
});
