import { randomBytes } from 'node:crypto';
import { type CatalogLog } from '@meterstream/common';
import { API_KEY_SCOPES, type ApiKey, type ApiKeyScope, type CatalogView, type FieldError } from '@meterstream/domain';
import { displayPrefix, generateToken, hashToken } from './api-key-token';

/** Where keys are written and read: the platform's CatalogLog (kind `api_keys`). */
export type ApiKeyCatalog = Pick<CatalogLog, 'put'> & { store: CatalogView };

/** A key as shown to people and API clients: everything but the digest. */
export type ApiKeyMetadata = Omit<ApiKey, 'hash'>;

export interface ApiKeyInput {
  name: string;
  scopes: ApiKeyScope[];
}

export function newApiKeyId(): string {
  return `key_${randomBytes(12).toString('hex')}`;
}

/** Checks `{name, scopes}`; scopes come back without repeats, in the order of API_KEY_SCOPES. */
export function checkApiKeyInput(body: unknown): { ok: true; input: ApiKeyInput } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const { name, scopes } = (typeof body === 'object' && body !== null ? body : {}) as { name?: unknown; scopes?: unknown };
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) errors.push({ field: 'name', message: 'required, 1 to 200 characters' });
  if (!Array.isArray(scopes) || scopes.length === 0) {
    errors.push({ field: 'scopes', message: `a non-empty list of ${API_KEY_SCOPES.join(', ')}` });
  } else {
    scopes.forEach((scope, i) => {
      if (!API_KEY_SCOPES.includes(scope as ApiKeyScope)) errors.push({ field: `scopes[${i}]`, message: `one of ${API_KEY_SCOPES.join(', ')}` });
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const wanted = new Set(scopes as ApiKeyScope[]);
  return { ok: true, input: { name: (name as string).trim(), scopes: API_KEY_SCOPES.filter((s) => wanted.has(s)) } };
}

export function apiKeyMetadata(key: ApiKey): ApiKeyMetadata {
  return { id: key.id, name: key.name, scopes: key.scopes, prefix: key.prefix, created_at: key.created_at, revoked_at: key.revoked_at };
}

/** Every stored key, revoked ones included, oldest first. */
export function listApiKeys(store: CatalogView): ApiKeyMetadata[] {
  return store
    .list('api_keys')
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
    .map(apiKeyMetadata);
}

/**
 * Creates a key and returns it with its token, which exists only in this return value: the catalog
 * gets the digest. Resolves once this process can authenticate with it.
 */
export async function createApiKey(catalog: ApiKeyCatalog, input: ApiKeyInput, now = new Date()): Promise<{ key: ApiKey; token: string }> {
  const token = generateToken();
  const key: ApiKey = {
    id: newApiKeyId(),
    name: input.name,
    scopes: input.scopes,
    hash: hashToken(token),
    prefix: displayPrefix(token),
    created_at: now.toISOString(),
    revoked_at: null,
  };
  await catalog.put('api_keys', key.id, key);
  return { key, token };
}

/**
 * Revokes a key (idempotent: a revoked key keeps its first revocation time). Undefined if no such key.
 * Resolves once this process refuses it; other processes follow within their catalog lag.
 */
export async function revokeApiKey(catalog: ApiKeyCatalog, id: string, now = new Date()): Promise<ApiKey | undefined> {
  const key = catalog.store.get('api_keys', id);
  if (!key) return undefined;
  if (key.revoked_at !== null) return key;
  const revoked = { ...key, revoked_at: now.toISOString() };
  await catalog.put('api_keys', id, revoked);
  return revoked;
}
