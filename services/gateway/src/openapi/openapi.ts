import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { isTimeZone, parseIsoTime } from '@meterstream/domain';
import { ERROR_SCHEMA, routeSchema } from './route-docs';

/** The formats route schemas use, with the rules the handlers apply (one rule, one place). */
const FORMATS: Record<string, (value: string) => boolean> = {
  /** ISO 8601 with a zone, as parseIsoTime reads it (impossible dates refused). */
  'date-time': (value) => parseIsoTime(value) !== undefined,
  /** A time zone the runtime knows (isTimeZone); the usage route also asks ClickHouse. */
  'time-zone': isTimeZone,
};

/**
 * Fastify's Ajv, as the route schemas need it: every error at once (query strings are small; bodies are
 * validated by their handlers), no coercion (a repeated parameter stays an array and is refused, "1e3"
 * stays text; whole numbers are converted strictly by installOpenApi), defaults filled in, unknown
 * parameters refused rather than dropped.
 */
export const AJV_OPTIONS: NonNullable<FastifyServerOptions['ajv']> = {
  customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true },
  plugins: [
    // Fastify adds ajv-formats first; these replace its date-time and add time-zone.
    // The Ajv type is @fastify/ajv-compiler's own Ajv 8, not a dependency of ours: typed loosely.
    ((ajv: { addFormat(name: string, format: { type: 'string'; validate: (value: string) => boolean }): unknown }) => {
      for (const [name, validate] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate });
      return ajv;
    }) as unknown as NonNullable<NonNullable<FastifyServerOptions['ajv']>['plugins']>[number],
  ],
};

/** "12" → 12, and nothing else: no exponent, sign, space, hex or leading zero; at most 15 digits. */
const WHOLE_NUMBER = /^(0|[1-9][0-9]{0,14})$/;

/**
 * Route schemas (route-docs.ts) become each route's validation and the OpenAPI 3 document that
 * @fastify/swagger generates. Call before registering routes (and build Fastify with AJV_OPTIONS).
 */
export function installOpenApi(app: FastifyInstance, version: string): void {
  const documents = new Map<string, Record<string, unknown>>();
  app.addSchema(ERROR_SCHEMA);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const found = routeSchema(methods[0], route.url);
    if (!found) return;
    route.schema = { ...found.schema, ...(route.schema ?? {}) };
    documents.set(`${methods[0]} ${route.url}`, { ...found.document, ...(route.schema ?? {}), body: found.document.body, response: found.document.response });
    // Answers are sent as the handlers built them: response schemas document, they never filter.
    route.serializerCompiler = () => (data) => JSON.stringify(data);
  });
  // A query string is text: an integer parameter becomes a number only when it is plainly written
  // as one, so Ajv refuses the rest (coercion would read "1e3", " 7" or "0x10" as numbers).
  app.addHook('preValidation', async (request) => {
    const properties = (request.routeOptions.schema?.querystring as { properties?: Record<string, { type?: string }> } | undefined)?.properties;
    const query = request.query as Record<string, unknown> | undefined;
    if (!properties || !query) return;
    for (const [name, value] of Object.entries(query)) {
      if (properties[name]?.type === 'integer' && typeof value === 'string' && WHOLE_NUMBER.test(value)) query[name] = Number(value);
    }
  });
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Meterstream API',
        version,
        description:
          "Usage-based billing on Kafka and ClickHouse. Operations marked x-dodo-compatible follow Dodo Payments' API (the dodopayments SDK works by changing its base URL). Lists page as Dodo does: zero-based page_number, offset = page_number × page_size. Every error answers {code, message, retryable, errors?} with a code from the registry.",
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key msk_… with scope ingest, read or admin' } } },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      return { schema: (documents.get(`${methods[0]} ${route.url}`) ?? schema) as typeof schema, url };
    },
  });
}
