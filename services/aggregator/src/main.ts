import { connectPlatform, consumerLagCheck, dependencyChecks, dlqCheck, openWarehouse, pipelineNames, runService, startHealthServer } from '@meterstream/common';
import { createAggregator } from './create-aggregator';

// Distributed mode: point CLICKHOUSE_URL at the ClickHouse server shared with the gateway and billing.
// With HEALTH_PORT set it serves /healthz, /readyz and /metrics there.
runService('aggregator', async (config, logger) => {
  const warehouse = await openWarehouse(config);
  const platform = await connectPlatform(config, logger, 'aggregator');
  const aggregator = await createAggregator({ config, logger, platform, warehouse });
  const { admin, metrics, topics, catalog } = platform;
  const names = pipelineNames(config.kafka.topicPrefix);
  const checks = [
    ...dependencyChecks(config, admin, warehouse),
    consumerLagCheck(config, admin, metrics, [
      { groupId: names.aggregatorGroup, topics: () => catalog.store.list('meters').map((m) => topics.meter(m.id)) },
      { groupId: names.rawEventSinkGroup, topics: () => [topics.events] },
    ]),
    aggregator,
    dlqCheck(metrics),
  ];
  const health = await startHealthServer(config, logger, checks, metrics);
  return async () => {
    await health.stop();
    await aggregator.stop();
    await platform.stop();
    await warehouse.close();
  };
});
