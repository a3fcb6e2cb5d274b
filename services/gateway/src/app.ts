import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { MeterstreamError, type Logger, type Warehouse } from '@meterstream/common';
import type { EventPublisher } from './event-publisher';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from './event-validator';
import { registerBillingRoutes, type BillingPort } from './routes/billing';
import { registerEventRoutes } from './routes/events';
import { registerMeterRoutes, type MeterCatalog } from './routes/meters';
import { registerUsageRoutes } from './routes/usage';

export interface GatewayDeps {
  logger: Logger;
  publisher: EventPublisher;
  warehouse: Warehouse;
  meters: MeterCatalog;
  businessId?: string;
  /** Present where billing runs in the same process (standalone mode). */
  billing?: BillingPort;
  limits?: IngestLimits;
  bodyLimitBytes?: number;
}

export function buildGateway(deps: GatewayDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: deps.bodyLimitBytes ?? 2 * 1024 * 1024 });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof MeterstreamError) {
      if (error.retryable) request.log.warn({ err: error }, 'request failed');
      return reply.status(error.status).send(error.toJSON());
    }
    const fastifyError = error as { statusCode?: number; code?: string; message: string };
    if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({ code: 'UNSUPPORTED_MEDIA_TYPE', message: fastifyError.message, retryable: false });
    }
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ code: 'BODY_TOO_LARGE', message: fastifyError.message, retryable: false });
    }
    if (fastifyError.statusCode === 400) {
      return reply.status(400).send({ code: 'INVALID_JSON', message: fastifyError.message, retryable: false });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ code: 'INTERNAL', message: 'internal error', retryable: true });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  registerEventRoutes(app, deps.publisher, deps.limits ?? DEFAULT_INGEST_LIMITS);
  registerMeterRoutes(app, deps.meters, deps.businessId ?? 'bus_meterstream');
  registerUsageRoutes(app, deps.warehouse, deps.meters.catalog.store);
  if (deps.billing) registerBillingRoutes(app, deps.billing);
  return app;
}
