import Fastify, { type FastifyInstance } from 'fastify';
import { CatalogStore } from '@meterstream/common';
import { MeterstreamError, type ApiKey, type ApiKeyScope } from '@meterstream/domain';
import { ApiKeyIndex, BOOTSTRAP_ADMIN, hasScope } from './api-key-index';
import { generateToken, hashToken } from './api-key-token';
import { bearerToken, checkRouteScope, installAuth } from './auth';

function storedKey(id: string, scopes: ApiKeyScope[], token: string, revoked_at: string | null = null): ApiKey {
  return { id, name: id, scopes, hash: hashToken(token), prefix: token.slice(0, 8), created_at: '2026-01-01T00:00:00.000Z', revoked_at };
}

describe('scopes', () => {
  it('admin implies every scope; the others only themselves', () => {
    expect(hasScope(['admin'], 'ingest')).toBe(true);
    expect(hasScope(['admin'], 'read')).toBe(true);
    expect(hasScope(['ingest'], 'read')).toBe(false);
    expect(hasScope(['ingest', 'read'], 'admin')).toBe(false);
    expect(hasScope(['read'], 'read')).toBe(true);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer msk_abc', 'msk_abc'],
    ['bearer   msk_abc ', 'msk_abc'],
    [undefined, undefined],
    ['', undefined],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['msk_abc', undefined],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('ApiKeyIndex', () => {
  const store = new CatalogStore();
  const ingest = generateToken();
  const admin = generateToken();
  const bootstrap = generateToken();
  store.apply('api_keys', 'key_ingest', storedKey('key_ingest', ['ingest'], ingest));
  const index = new ApiKeyIndex(store, bootstrap);

  it('finds a stored key by its token and the bootstrap key as admin', () => {
    expect(index.authenticate(ingest)).toEqual({ id: 'key_ingest', name: 'key_ingest', scopes: ['ingest'] });
    expect(index.authenticate(bootstrap)).toBe(BOOTSTRAP_ADMIN);
  });

  it('refuses unknown, altered and malformed tokens', () => {
    expect(index.authenticate(generateToken())).toBeUndefined();
    const altered = ingest.slice(0, -1) + (ingest.endsWith('A') ? 'B' : 'A');
    expect(index.authenticate(altered)).toBeUndefined();
    expect(index.authenticate(hashToken(ingest))).toBeUndefined(); // the stored digest is not a token
    expect(index.authenticate('')).toBeUndefined();
  });

  it('follows the catalog: a created key works, a revoked key stops working', () => {
    expect(index.authenticate(admin)).toBeUndefined();
    store.apply('api_keys', 'key_admin', storedKey('key_admin', ['admin'], admin));
    expect(index.authenticate(admin)?.id).toBe('key_admin');
    expect(index.size).toBe(2);
    store.apply('api_keys', 'key_admin', storedKey('key_admin', ['admin'], admin, '2026-02-01T00:00:00.000Z'));
    expect(index.authenticate(admin)).toBeUndefined();
    expect(index.authenticate(ingest)?.id).toBe('key_ingest');
    expect(index.size).toBe(1);
  });

  it('stops following once closed', () => {
    const other = new ApiKeyIndex(store);
    other.close();
    const late = generateToken();
    store.apply('api_keys', 'key_late', storedKey('key_late', ['read'], late));
    expect(other.authenticate(late)).toBeUndefined();
    expect(index.authenticate(late)?.id).toBe('key_late');
  });
});

describe('checkRouteScope', () => {
  it('refuses a route without a scope and lets GET/HEAD /healthz, /readyz and /metrics through', () => {
    expect(() => checkRouteScope({ method: 'GET', url: '/secret', config: {} })).toThrow(/GET \/secret declares no API key scope/);
    expect(() => checkRouteScope({ method: 'POST', url: '/healthz' })).toThrow(/declares no API key scope/);
    expect(() => checkRouteScope({ method: ['GET', 'POST'], url: '/healthz' })).toThrow(/declares no API key scope/);
    expect(() => checkRouteScope({ method: 'GET', url: '/x', config: { scope: 'superuser' as ApiKeyScope } })).toThrow(/declares no API key scope/);
    expect(() => checkRouteScope({ method: 'GET', url: '/healthz' })).not.toThrow();
    expect(() => checkRouteScope({ method: 'HEAD', url: '/healthz' })).not.toThrow();
    expect(() => checkRouteScope({ method: 'GET', url: '/readyz' })).not.toThrow();
    expect(() => checkRouteScope({ method: 'POST', url: '/readyz' })).toThrow(/declares no API key scope/);
    expect(checkRouteScope({ method: ['GET', 'HEAD'], url: '/metrics' })).toEqual([
      { method: 'GET', url: '/metrics', scope: 'public' },
      { method: 'HEAD', url: '/metrics', scope: 'public' },
    ]);
    expect(() => checkRouteScope({ method: 'POST', url: '/metrics' })).toThrow(/declares no API key scope/);
    expect(() => checkRouteScope({ method: 'GET', url: '/x', config: { scope: 'read' } })).not.toThrow();
  });
});

describe('installAuth', () => {
  const store = new CatalogStore();
  const tokens = { ingest: generateToken(), read: generateToken(), admin: generateToken() };
  for (const scope of ['ingest', 'read', 'admin'] as const) store.apply('api_keys', `key_${scope}`, storedKey(`key_${scope}`, [scope], tokens[scope]));
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify();
    app.setErrorHandler((error, _request, reply) => {
      if (error instanceof MeterstreamError) return reply.status(error.status).send(error.toJSON());
      return reply.status(500).send({ code: 'INTERNAL' });
    });
    installAuth(app, { keys: new ApiKeyIndex(store), rateLimitPerMinute: 3 });
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/things', { config: { scope: 'read' } }, async (request) => ({ key: request.apiKey?.id }));
    app.post('/things', { config: { scope: 'admin' } }, async () => ({ created: true }));
    await app.ready();
  });
  afterAll(() => app.close());

  const call = (method: 'GET' | 'POST', url: string, token?: string) =>
    app.inject({ method, url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it('answers 401 UNAUTHENTICATED with WWW-Authenticate: Bearer without a valid key', async () => {
    for (const token of [undefined, generateToken(), 'not-a-token']) {
      const res = await call('GET', '/things', token);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String), retryable: false });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  it('answers 403 FORBIDDEN to a key without the scope, and serves one with it (admin implies read)', async () => {
    const forbidden = await call('GET', '/things', tokens.ingest);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(forbidden.headers['www-authenticate']).toContain('insufficient_scope');
    expect((await call('POST', '/things', tokens.read)).statusCode).toBe(403);
    expect((await call('POST', '/things', tokens.admin)).json()).toEqual({ created: true });
    expect((await call('GET', '/things', tokens.admin)).json()).toEqual({ key: 'key_admin' });
  });

  it('serves /healthz without a key and needs a key even for unknown routes', async () => {
    expect((await call('GET', '/healthz')).statusCode).toBe(200);
    expect((await call('GET', '/nowhere')).statusCode).toBe(401);
    expect((await call('GET', '/nowhere', tokens.ingest)).statusCode).toBe(404);
  });

  it('limits each key per minute with 429 RATE_LIMITED, retryable, other keys unaffected', async () => {
    const key = generateToken();
    store.apply('api_keys', 'key_limited', storedKey('key_limited', ['read'], key));
    for (let i = 0; i < 3; i++) expect((await call('GET', '/things', key)).statusCode).toBe(200);
    const limited = await call('GET', '/things', key);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ code: 'RATE_LIMITED', message: expect.stringContaining('3 requests'), retryable: true });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call('GET', '/things', tokens.read)).statusCode).toBe(200);
  });

  it('lists every route with its scope, HEAD routes included', () => {
    expect(app.routeScopes).toEqual([
      { method: 'GET', url: '/healthz', scope: 'public' },
      { method: 'HEAD', url: '/healthz', scope: 'public' },
      { method: 'GET', url: '/things', scope: 'read' },
      { method: 'HEAD', url: '/things', scope: 'read' },
      { method: 'POST', url: '/things', scope: 'admin' },
    ]);
  });

  it('refuses to register a route that declares no scope', () => {
    const other = Fastify();
    installAuth(other, { keys: new ApiKeyIndex(store), rateLimitPerMinute: 3 });
    expect(() => other.get('/open', async () => 'open')).toThrow(/declares no API key scope/);
    return other.close();
  });
});
