import { connectPlatform, pipelineNames, type Logger, type MeterstreamConfig } from '@meterstream/common';
import { MeterRouter } from './meter-router';

/**
 * Connects (connectPlatform) and starts a meter-router in the deployment's consumer group; resolves
 * with its stop. What both the meter-router process (main.ts) and the standalone's router thread run.
 */
export async function runMeterRouter(config: MeterstreamConfig, logger: Logger): Promise<() => Promise<void>> {
  const platform = await connectPlatform(config, logger, 'meter-router');
  const { kafka, codec, topics, catalog } = platform;
  const router = new MeterRouter({ config, kafka, codec, topics, catalog, logger, groupId: pipelineNames(config.kafka.topicPrefix).routerGroup });
  try {
    await router.start();
  } catch (err) {
    await platform.stop().catch(() => undefined);
    throw err;
  }
  return async () => {
    await router.stop();
    await platform.stop();
  };
}
