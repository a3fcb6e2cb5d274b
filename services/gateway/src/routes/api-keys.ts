import type { FastifyInstance } from 'fastify';
import { MeterstreamError } from '@meterstream/domain';
import { apiKeyMetadata, checkApiKeyInput, createApiKey, listApiKeys, revokeApiKey, type ApiKeyCatalog } from '../api-key-commands';
import { pageOf, type PageQuery } from '../pagination';

/**
 * API key management (admin scope): create (the token is in this one answer and nowhere else), list
 * metadata (never a digest or a token), revoke.
 */
export function registerApiKeyRoutes(app: FastifyInstance, catalog: ApiKeyCatalog): void {
  app.post('/api-keys', { config: { scope: 'admin' } }, async (request, reply) => {
    const checked = checkApiKeyInput(request.body);
    if (!checked.ok) throw new MeterstreamError('VALIDATION_FAILED', 'invalid API key', checked.errors);
    const { key, token } = await createApiKey(catalog, checked.input);
    request.log.info({ created_api_key_id: key.id, scopes: key.scopes }, 'API key created');
    return reply.status(201).header('cache-control', 'no-store').send({ ...apiKeyMetadata(key), token });
  });

  app.get<{ Querystring: PageQuery }>('/api-keys', { config: { scope: 'admin' } }, async (request) => pageOf(listApiKeys(catalog.store), request.query));

  app.delete<{ Params: { id: string } }>('/api-keys/:id', { config: { scope: 'admin' } }, async (request, reply) => {
    const revoked = await revokeApiKey(catalog, request.params.id);
    if (!revoked) throw new MeterstreamError('NOT_FOUND', `API key ${request.params.id} does not exist`);
    request.log.info({ revoked_api_key_id: revoked.id }, 'API key revoked');
    return reply.status(204).send();
  });
}
