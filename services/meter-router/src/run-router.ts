import { connectPlatform, pipelineNames, type Logger, type MeterstreamConfig, type Platform } from '@meterstream/common';
import { MeterRouter } from './meter-router';

export interface RunningRouter {
  /** Its platform (connected here): the admin client and metrics the health checks use. */
  platform: Platform;
  stop(): Promise<void>;
}

/**
 * Connects (connectPlatform) and starts a meter-router in the deployment's consumer group, counting
 * into the platform's metrics. What both the meter-router process (main.ts) and the standalone's
 * router thread run.
 */
export async function runMeterRouter(config: MeterstreamConfig, logger: Logger): Promise<RunningRouter> {
  const platform = await connectPlatform(config, logger, 'meter-router');
  const { kafka, codec, topics, catalog, metrics } = platform;
  const router = new MeterRouter({ config, kafka, codec, topics, catalog, logger, metrics, groupId: pipelineNames(config.kafka.topicPrefix).routerGroup });
  try {
    await router.start();
  } catch (err) {
    await platform.stop().catch(() => undefined);
    throw err;
  }
  return {
    platform,
    stop: async () => {
      await router.stop();
      await platform.stop();
    },
  };
}
