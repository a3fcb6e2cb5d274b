import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { API_KEY_SCOPES, MeterstreamError, type ApiKeyScope } from '@meterstream/domain';
import { hasScope, type ApiKeyIndex, type Principal } from './api-key-index';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far with the scope it requires, in registration order. */
    routeScopes: readonly RouteScope[];
  }
  interface FastifyContextConfig {
    /** The API key scope a route requires. Every route declares one, except PUBLIC_ROUTES. */
    scope?: ApiKeyScope;
  }
  interface FastifyRequest {
    /** The key the request authenticated with; null on public routes. */
    apiKey: Principal | null;
  }
}

/**
 * The only routes served without an API key: liveness and readiness, for probes, and the Prometheus
 * metrics, for scrapers (operational data only: counts by route pattern, error and DLQ code, consumer
 * group, topic and partition; never a customer, event or key).
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['GET /healthz', 'HEAD /healthz', 'GET /readyz', 'HEAD /readyz', 'GET /metrics', 'HEAD /metrics']);

const REALM = 'Bearer realm="meterstream"';

export interface RouteScope {
  method: string;
  url: string;
  /** The scope the route requires; 'public' for PUBLIC_ROUTES. */
  scope: ApiKeyScope | 'public';
}

export interface AuthOptions {
  keys: ApiKeyIndex;
  /** Requests per minute per API key. */
  rateLimitPerMinute: number;
}

/**
 * Fails closed at registration: a route that is not public must declare `config.scope`, else
 * registering it throws and the gateway does not start.
 */
export function checkRouteScope(route: Pick<RouteOptions, 'method' | 'url' | 'config'>): RouteScope[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (methods.every((method) => PUBLIC_ROUTES.has(`${method} ${route.url}`))) return methods.map((method) => ({ method, url: route.url, scope: 'public' }));
  const scope = (route.config as { scope?: unknown } | undefined)?.scope as ApiKeyScope;
  if (!API_KEY_SCOPES.includes(scope)) {
    throw new Error(
      `route ${methods.join(',')} ${route.url} declares no API key scope: add { config: { scope: ${API_KEY_SCOPES.map((s) => `'${s}'`).join(' | ')} } }`,
    );
  }
  return methods.map((method) => ({ method, url: route.url, scope }));
}

/** The token of an `Authorization: Bearer <token>` header; undefined if absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * API keys on every route: an onRoute check that each route declares its scope, an onRequest hook
 * that authenticates the bearer token (401 UNAUTHENTICATED), checks the route's scope (403
 * FORBIDDEN) and then counts the request against the key's per-minute limit (429 RATE_LIMITED,
 * @fastify/rate-limit keyed by key id). Call before registering any route.
 */
export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const routes: RouteScope[] = [];
  app.decorate('routeScopes', routes);
  app.decorateRequest('apiKey', null);
  app.addHook('onRoute', (route) => {
    routes.push(...checkRouteScope(route));
  });

  app.register(rateLimit, {
    global: false,
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    // Only called after authentication, so the id is always there.
    keyGenerator: (request) => request.apiKey?.id ?? `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new MeterstreamError('RATE_LIMITED', `this API key made more than ${context.max} requests in a minute; retry in ${context.after}`),
  });
  // The limiter exists once the plugin has loaded; it runs inside the hook below, after authentication.
  let limit: ((this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | undefined;
  app.addHook('onReady', async function () {
    limit = this.rateLimit();
  });

  app.addHook('onRequest', async function (request, reply) {
    if (PUBLIC_ROUTES.has(`${request.method} ${request.routeOptions.url}`)) return;
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      reply.header('www-authenticate', REALM);
      throw new MeterstreamError('UNAUTHENTICATED', 'an API key is required: Authorization: Bearer msk_…');
    }
    const principal = options.keys.authenticate(token);
    if (!principal) {
      reply.header('www-authenticate', `${REALM}, error="invalid_token"`);
      throw new MeterstreamError('UNAUTHENTICATED', 'the API key is unknown or revoked');
    }
    request.apiKey = principal;
    request.log = request.log.child({ api_key_id: principal.id });
    // An unknown route (404) needs a valid key but no scope; a known route without a scope cannot
    // have been registered (checkRouteScope), and would need admin.
    if (!request.is404) {
      const required = request.routeOptions.config.scope ?? 'admin';
      if (!hasScope(principal.scopes, required)) {
        reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${required}"`);
        throw new MeterstreamError('FORBIDDEN', `this API key lacks the "${required}" scope`);
      }
    }
    await limit!.call(this, request, reply);
  });
}
