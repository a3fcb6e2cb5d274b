import { connectPlatform, runService } from '@meterstream/common';
import { MeterRouter } from './meter-router';

// Distributed mode: scale by running more instances in the same consumer group (up to the number of
// partitions of `events`).
runService('meter-router', async (config, logger) => {
  const platform = await connectPlatform(config, logger, 'meter-router');
  const { kafka, codec, topics, catalog } = platform;
  const router = new MeterRouter({ config, kafka, codec, topics, catalog, logger, groupId: `${config.kafka.topicPrefix}meter-router` });
  await router.start();
  return async () => {
    await router.stop();
    await platform.stop();
  };
});
