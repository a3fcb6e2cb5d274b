import { consumerLagCheck, dependencyChecks, dlqCheck, pipelineNames, runService, startHealthServer } from '@meterstream/common';
import { runMeterRouter } from './run-router';

// Distributed mode: scale by running more instances in the same consumer group (up to the number of
// partitions of `events`). With HEALTH_PORT set it serves /healthz, /readyz and /metrics there.
runService('meter-router', async (config, logger) => {
  const router = await runMeterRouter(config, logger);
  const { admin, metrics, topics } = router.platform;
  const checks = [
    ...dependencyChecks(config, admin),
    consumerLagCheck(config, admin, metrics, [{ groupId: pipelineNames(config.kafka.topicPrefix).routerGroup, topics: () => [topics.events] }]),
    dlqCheck(metrics),
  ];
  const health = await startHealthServer(config, logger, checks, metrics).catch(async (err) => {
    await router.stop();
    throw err;
  });
  return async () => {
    await health.stop();
    await router.stop();
  };
});
