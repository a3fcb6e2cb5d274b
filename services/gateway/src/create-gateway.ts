import type { FastifyInstance } from 'fastify';
import { dependencyChecks, type HealthCheck, type Logger, type MeterstreamConfig, type Platform, type Warehouse } from '@meterstream/common';
import { buildGateway } from './app';
import { createEventProducer } from './event-producer';
import { EventPublisher } from './event-publisher';
import type { BillingPort } from './routes/billing';

export interface GatewayServiceDeps {
  config: MeterstreamConfig;
  logger: Logger;
  /** Connected (connectPlatform): Kafka, the codec, topic names and the live catalog. */
  platform: Platform;
  warehouse: Warehouse;
  /** Where billing runs in the same process (the standalone), its period close is served at /billing/run. */
  billing?: BillingPort;
  /**
   * What GET /readyz reports on besides the gateway's own needs (Kafka, the schema registry and
   * ClickHouse reachable): the standalone adds the other services' checks.
   */
  health?: readonly HealthCheck[];
}

export interface GatewayService {
  app: FastifyInstance;
  /** The address it listens on. */
  url: string;
  /** Closes the HTTP server, then its event producer; the platform and warehouse stay with the caller. */
  stop(): Promise<void>;
}

/**
 * Builds the gateway (its event producer, publisher and routes) and listens on config.gateway's host and
 * port. What both the gateway process (main.ts) and the standalone process run.
 */
export async function createGateway(deps: GatewayServiceDeps): Promise<GatewayService> {
  const { config, platform } = deps;
  const producer = createEventProducer(config);
  const app = buildGateway({
    logger: deps.logger,
    auth: { keys: platform.catalog, ...config.auth },
    publisher: new EventPublisher(producer, platform.codec, platform.topics),
    warehouse: deps.warehouse,
    meters: platform,
    settings: config.gateway,
    usageWindowMs: config.aggregator.windowSeconds * 1000,
    backfill: config.backfill,
    billing: deps.billing,
    health: [...dependencyChecks(config, platform.admin, deps.warehouse), ...(deps.health ?? [])],
    metrics: platform.metrics,
  });
  const stop = async () => {
    await app.close();
    await producer.close();
  };
  try {
    const url = await app.listen({ host: config.gateway.host, port: config.gateway.port });
    return { app, url, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
