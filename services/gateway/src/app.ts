import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { CorrectionReader, EventReader, InvoiceReader, Metrics, UsageReader, readiness, type HealthCheck, type Logger, type MeterstreamConfig, type Warehouse } from '@meterstream/common';
import { MeterIndex, MeterstreamError } from '@meterstream/domain';
import type { ApiKeyCatalog } from './api-key-commands';
import { ApiKeyIndex } from './api-key-index';
import { installAuth } from './auth';
import type { EventPublisher } from './event-publisher';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from './event-validator';
import { installJsonBodyParser } from './json-body';
import { installHttpMetrics } from './http-metrics';
import { registerApiKeyRoutes } from './routes/api-keys';
import { registerBillingRoutes, type BillingPort } from './routes/billing';
import { registerEventRoutes } from './routes/events';
import { registerEventQueryRoutes } from './routes/events-query';
import { registerCorrectionRoutes } from './routes/corrections';
import { registerCorrectionPreviewRoutes } from './routes/correction-preview';
import { CorrectionPreviewer } from './correction-preview';
import { CorrectionTargets } from './correction-targets';
import { EventCorrections } from './event-corrections';
import { RecentCorrections } from './recent-corrections';
import { SeenEvents } from './seen-events';
import { registerMeterRoutes, type MeterCatalog } from './routes/meters';
import { registerUsageRoutes } from './routes/usage';
import { registerCustomerRoutes } from './routes/customers';
import { registerProductRoutes } from './routes/products';
import { registerSubscriptionRoutes } from './routes/subscriptions';
import { registerSubscriptionUsageRoutes } from './routes/subscription-usage';
import { registerInvoiceRoutes } from './routes/invoices';
import { AJV_OPTIONS, installOpenApi } from './openapi/openapi';
import { answerClientError, fastifyRequestError } from './http-errors';

/** API keys (invariant 6): every route but GET /healthz, /readyz and /metrics needs a key with the route's scope. */
export interface GatewayAuth {
  /** Where keys live: the catalog (kind api_keys), followed for lookups and written by /api-keys. */
  keys: ApiKeyCatalog;
  /** ADMIN_API_KEY: accepted as an admin key, never stored. */
  bootstrapAdminKey?: string;
  /** Requests per minute per key. */
  rateLimitPerMinute: number;
}

export interface GatewayDeps {
  logger: Logger;
  auth: GatewayAuth;
  publisher: EventPublisher;
  warehouse: Warehouse;
  meters: MeterCatalog;
  businessId?: string;
  /** Present where billing runs in the same process (standalone mode). */
  billing?: BillingPort;
  /** What GET /readyz asks (the standalone passes the aggregator and billing); none: always ok. */
  health?: readonly HealthCheck[];
  /** What GET /metrics exports, and where HTTP requests and ingested events are counted (platform.metrics). */
  metrics?: Metrics;
  /** Body limit and event-time limits (config.gateway). */
  settings: Pick<MeterstreamConfig['gateway'], 'bodyLimitBytes' | 'maxEventAgeSeconds' | 'maxFutureSkewSeconds'>;
  /** The aggregator's window size in ms (config.aggregator.windowSeconds × 1000), for exact usage ranges. */
  usageWindowMs: number;
  /** BACKFILL_MAX_AGE_DAYS (config.backfill): how old a backfilled or corrected event may be. */
  backfill: MeterstreamConfig['backfill'];
}

export function buildGateway(deps: GatewayDeps): FastifyInstance {
  const { settings } = deps;
  const limits: IngestLimits = { ...DEFAULT_INGEST_LIMITS, maxEventAgeMs: settings.maxEventAgeSeconds * 1000, maxFutureSkewMs: settings.maxFutureSkewSeconds * 1000 };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: settings.bodyLimitBytes,
    // Route schemas validate (openapi/openapi.ts); errors the router raises before any route (bad
    // percent-encoding, an id over 100 characters) answer through the registry too.
    ajv: AJV_OPTIONS,
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, _request, reply) => {
      const mapped = fastifyRequestError(error, () => undefined) ?? new MeterstreamError('INVALID_REQUEST', error.message);
      // The reply of a request no route took: typed for no route.
      return (reply as unknown as { status(code: number): { send(body: unknown): unknown } }).status(mapped.status).send(mapped.toJSON());
    },
  });

  // Every route takes JSON: a text/plain body gets 415 instead of reaching a route as a string.
  app.removeContentTypeParser('text/plain');
  // JSON without loss: a number a double cannot hold is refused, not rounded (POST /events/ingest
  // installs the exact form for itself, see routes/events.ts).
  installJsonBodyParser(app, 'plain');

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof MeterstreamError) {
      if (error.retryable && error.code !== 'RATE_LIMITED') request.log.warn({ err: error }, 'request failed');
      return reply.status(error.status).send(error.toJSON());
    }
    const mapped = fastifyRequestError(error, (context) => (request as unknown as Record<string, unknown>)[context === 'querystring' ? 'query' : context]);
    if (mapped) return reply.status(mapped.status).send(mapped.toJSON());
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ code: 'INTERNAL', message: 'internal error', retryable: true });
  });

  // Before any route: from here on, registering a route without a scope throws.
  const keys = new ApiKeyIndex(deps.auth.keys.store, deps.auth.bootstrapAdminKey);
  app.addHook('onClose', async () => keys.close());
  installAuth(app, { keys, rateLimitPerMinute: deps.auth.rateLimitPerMinute });
  if (keys.size === 0 && !deps.auth.bootstrapAdminKey) {
    deps.logger.warn('no API key exists: every request will be refused; set ADMIN_API_KEY or run node scripts/api-keys.js create');
  }

  const metrics = deps.metrics ?? new Metrics({ processMetrics: false });
  installHttpMetrics(app, metrics);

  installOpenApi(app, '0.1.0');
  app.setNotFoundHandler(async (request) => {
    throw new MeterstreamError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}: see GET /openapi.json`);
  });

  // Routes live in a plugin registered after @fastify/swagger, so the document sees every one of them.
  app.register(async (api) => {
    api.get('/healthz', async () => ({ status: 'ok' }));
    api.get('/readyz', async (_request, reply) => {
      const ready = await readiness(deps.health ?? []);
      return reply.status(ready.status === 'ok' ? 200 : 503).send(ready);
    });
    api.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
    api.get('/openapi.json', { config: { scope: 'read' } }, async () => app.swagger());
    const businessId = deps.businessId ?? 'bus_meterstream';
    const events = new EventReader(deps.warehouse);
    const usage = new UsageReader(deps.warehouse, deps.usageWindowMs);
    // The meters the router would apply, kept current, so ingest refuses the values they cannot read.
    const store = deps.meters.catalog.store;
    let meterIndex = new MeterIndex(store.list('meters'));
    const unsubscribe = store.onChange('meters', () => (meterIndex = new MeterIndex(store.list('meters'))));
    api.addHook('onClose', async () => unsubscribe());
    const meters = { match: (event: Parameters<MeterIndex['match']>[0]) => meterIndex.match(event) };
    const backfillMaxAgeMs = deps.backfill.maxAgeDays * 86_400_000;
    const corrections = new CorrectionReader(deps.warehouse);
    const recent = new RecentCorrections();
    registerEventRoutes(api, deps.publisher, new SeenEvents(events, deps.logger), limits, meters, backfillMaxAgeMs);
    registerEventQueryRoutes(api, events, corrections, deps.meters.catalog.store, businessId);
    registerCorrectionRoutes(
      api,
      new EventCorrections({ publisher: deps.publisher, events, corrections, recent, meters, limits, backfillMaxAgeMs }),
      corrections,
    );
    const invoices = new InvoiceReader(deps.warehouse);
    registerCorrectionPreviewRoutes(
      api,
      new CorrectionPreviewer({
        // The same lookup and recent corrections as the void and amend routes: it refuses what they refuse.
        targets: new CorrectionTargets({ events, corrections, recent }),
        usage,
        invoices,
        catalog: store,
        meters: () => meterIndex,
        limits,
        backfillMaxAgeMs,
      }),
    );
    registerMeterRoutes(api, deps.meters, businessId);
    registerUsageRoutes(api, usage, deps.meters.catalog.store);
    registerCustomerRoutes(api, deps.meters.catalog, businessId);
    registerProductRoutes(api, deps.meters.catalog, businessId);
    registerSubscriptionRoutes(api, deps.meters.catalog);
    registerSubscriptionUsageRoutes(api, usage, deps.meters.catalog.store);
    registerInvoiceRoutes(api, invoices);
    if (deps.billing) registerBillingRoutes(api, deps.billing);
    registerApiKeyRoutes(api, deps.auth.keys);
  });
  return app;
}
