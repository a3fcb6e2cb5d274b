import type { FieldError } from '../errors';
import type { Metadata } from '../model/catalog-records';

/** A checked input: the object to store, or every problem found, each naming its field. */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `base.key`, or `key` at the top level. */
export const fieldPath = (base: string, key: string): string => (base ? `${base}.${key}` : key);

/**
 * A string field: undefined when absent (an error if required), else a non-empty string of at most
 * `max` characters. `null` counts as absent.
 */
export function readText(value: unknown, field: string, errors: FieldError[], max: number, required = true): string | undefined {
  if (value === undefined || value === null) {
    if (required) errors.push({ field, message: 'required' });
    return undefined;
  }
  if (typeof value !== 'string' || value.trim().length === 0) errors.push({ field, message: 'must be a non-empty string' });
  else if (value.length > max) errors.push({ field, message: `at most ${max} characters` });
  else return value;
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function readEmail(value: unknown, field: string, errors: FieldError[], required = true): string | undefined {
  const before = errors.length;
  const email = readText(value, field, errors, 254, required);
  if (email !== undefined && !EMAIL.test(email)) errors.push({ field, message: 'must be an email address' });
  return errors.length === before ? email : undefined;
}

export const METADATA_LIMITS = { keys: 50, keyLength: 100, valueLength: 500 } as const;

/** Dodo's metadata: a flat object of strings, finite numbers and booleans. Undefined when absent or invalid. */
export function readMetadata(value: unknown, field: string, errors: FieldError[]): Metadata | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    errors.push({ field, message: 'must be an object of strings, numbers and booleans' });
    return undefined;
  }
  const entries = Object.entries(value);
  const before = errors.length;
  if (entries.length > METADATA_LIMITS.keys) errors.push({ field, message: `at most ${METADATA_LIMITS.keys} keys` });
  for (const [key, v] of entries) {
    const at = `${field}.${key}`;
    if (key.length === 0 || key.length > METADATA_LIMITS.keyLength) errors.push({ field: at, message: `keys are 1 to ${METADATA_LIMITS.keyLength} characters` });
    else if (typeof v === 'string') {
      if (v.length > METADATA_LIMITS.valueLength) errors.push({ field: at, message: `at most ${METADATA_LIMITS.valueLength} characters` });
    } else if (!(typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
      errors.push({ field: at, message: 'must be a string, a number or a boolean' });
    }
  }
  return errors.length === before ? (value as Metadata) : undefined;
}

/** The checked value when no problem was found, else the problems. */
export const done = <T>(errors: FieldError[], value: () => T): Checked<T> => (errors.length > 0 ? { ok: false, errors } : { ok: true, value: value() });
