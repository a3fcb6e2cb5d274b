/** What an API key may do. `admin` implies every other scope. */
export const API_KEY_SCOPES = ['ingest', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Every token starts with this, so that a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_TOKEN_PREFIX = 'msk_';
/** Fewest characters after the prefix: generated tokens carry 43 (32 random bytes, base64url). */
export const API_KEY_MIN_SECRET_LENGTH = 32;
/** The characters a token may use after its prefix (base64url, base64 and hex all fit). */
export const API_KEY_SECRET_PATTERN = /^[A-Za-z0-9._~+/=-]+$/;

/**
 * An API key as the catalog stores it (kind `api_keys`, keyed by id). The token itself is never
 * stored: only its SHA-256 digest and its first 8 characters, for people to tell keys apart.
 */
export interface ApiKey {
  /** `key_` + 24 hex characters. */
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  /** SHA-256 of the whole token (UTF-8), lowercase hex. */
  hash: string;
  /** The token's first 8 characters (`msk_` and 4 more), shown to humans. */
  prefix: string;
  created_at: string;
  /** When the key was revoked (ISO 8601); null while it is valid. */
  revoked_at: string | null;
}
