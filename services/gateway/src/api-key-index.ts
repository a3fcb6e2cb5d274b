import type { ApiKey, ApiKeyScope, CatalogView } from '@meterstream/domain';
import { digestsEqual, isWellFormedToken, tokenDigest } from './api-key-token';

/** Who a request authenticated as. */
export interface Principal {
  id: string;
  name: string;
  scopes: readonly ApiKeyScope[];
}

/** The key configured by ADMIN_API_KEY: accepted as admin, never stored, cannot be revoked. */
export const BOOTSTRAP_ADMIN: Principal = Object.freeze({ id: 'key_bootstrap_admin', name: 'ADMIN_API_KEY', scopes: Object.freeze(['admin'] as const) });

/** True if `scopes` allow what `required` names; `admin` allows everything. */
export function hasScope(scopes: readonly ApiKeyScope[], required: ApiKeyScope): boolean {
  return scopes.includes('admin') || scopes.includes(required);
}

/**
 * Finds the key of a presented token: the valid (unrevoked) keys of the catalog indexed by digest,
 * kept current from the catalog's change feed, plus the bootstrap admin key. No I/O.
 */
export class ApiKeyIndex {
  private readonly byHash = new Map<string, ApiKey>();
  private readonly hashById = new Map<string, string>();
  private readonly bootstrapDigest: Buffer | undefined;
  private readonly unsubscribe: () => void;

  constructor(catalog: CatalogView, bootstrapAdminKey?: string) {
    this.bootstrapDigest = bootstrapAdminKey === undefined ? undefined : tokenDigest(bootstrapAdminKey);
    for (const key of catalog.list('api_keys')) this.apply(key);
    this.unsubscribe = catalog.onChange('api_keys', (key) => this.apply(key));
  }

  /** Number of valid stored keys (the bootstrap key not counted). */
  get size(): number {
    return this.byHash.size;
  }

  /** The principal of a valid token; undefined for a malformed, unknown or revoked one. */
  authenticate(token: string): Principal | undefined {
    if (!isWellFormedToken(token)) return undefined;
    const digest = tokenDigest(token);
    if (this.bootstrapDigest && digestsEqual(digest, this.bootstrapDigest)) return BOOTSTRAP_ADMIN;
    const key = this.byHash.get(digest.toString('hex'));
    if (!key || !digestsEqual(digest, Buffer.from(key.hash, 'hex'))) return undefined;
    return { id: key.id, name: key.name, scopes: key.scopes };
  }

  /** Stops following the catalog. */
  close(): void {
    this.unsubscribe();
  }

  private apply(key: ApiKey): void {
    const previous = this.hashById.get(key.id);
    if (previous !== undefined) this.byHash.delete(previous);
    this.hashById.delete(key.id);
    if (key.revoked_at === null) {
      this.byHash.set(key.hash, key);
      this.hashById.set(key.id, key.hash);
    }
  }
}
