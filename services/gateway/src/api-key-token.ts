import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_MIN_SECRET_LENGTH, API_KEY_SECRET_PATTERN, API_KEY_TOKEN_PREFIX } from '@meterstream/domain';

/**
 * API key tokens: `msk_` followed by 32 random bytes in base64url (43 characters, 256 bits).
 *
 * Only a digest is stored: SHA-256 of the whole token. A slow password hash (bcrypt, scrypt, argon2)
 * exists to make guessing low-entropy secrets expensive; these tokens are 256 random bits, so a leaked
 * digest cannot be reversed by guessing whatever the hash speed, and a fast hash lets every request
 * be checked in microseconds and the key be found by its digest (no per-key salt, no scan).
 * Digests are compared with crypto.timingSafeEqual.
 */

/** Characters of a token shown to people (`msk_` and 4 random characters: 24 of its 256 bits). */
export const DISPLAY_PREFIX_LENGTH = 8;
/** Longer tokens are refused before hashing: no generated or configured token comes near it. */
export const MAX_TOKEN_LENGTH = 256;

export function generateToken(): string {
  return `${API_KEY_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 of the token's UTF-8 bytes. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The digest as stored in the catalog: lowercase hex. */
export function hashToken(token: string): string {
  return tokenDigest(token).toString('hex');
}

/** Compares two digests in time independent of where they differ; false if the lengths differ. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True for a string shaped like a token (prefix, length, alphabet); says nothing about validity. */
export function isWellFormedToken(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH || !token.startsWith(API_KEY_TOKEN_PREFIX)) return false;
  const secret = token.slice(API_KEY_TOKEN_PREFIX.length);
  return secret.length >= API_KEY_MIN_SECRET_LENGTH && API_KEY_SECRET_PATTERN.test(secret);
}

export function displayPrefix(token: string): string {
  return token.slice(0, DISPLAY_PREFIX_LENGTH);
}
