import type { FieldError } from '../errors';
import type { CustomerRecord } from '../model/catalog-records';
import { done, isObject, readEmail, readMetadata, readText, type Checked } from './input-readers';

/** Dodo's CustomerCreateParams: name, email, optional metadata and phone_number. */
export function validateCustomerInput(input: unknown, id: string, now: string): Checked<CustomerRecord> {
  if (!isObject(input)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  const name = readText(input.name, 'name', errors, 200);
  const email = readEmail(input.email, 'email', errors);
  const phone = readText(input.phone_number, 'phone_number', errors, 50, false);
  const metadata = readMetadata(input.metadata, 'metadata', errors);
  return done(errors, () => ({ customer_id: id, name: name!, email: email!, phone_number: phone ?? null, metadata: metadata ?? {}, created_at: now }));
}

/**
 * Dodo's CustomerUpdateParams: name, email, metadata (replaced as a whole), phone_number. An absent or
 * null field stays as it is.
 */
export function validateCustomerPatch(input: unknown, existing: CustomerRecord): Checked<CustomerRecord> {
  if (!isObject(input)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  const name = readText(input.name, 'name', errors, 200, false);
  const email = readEmail(input.email, 'email', errors, false);
  const phone = readText(input.phone_number, 'phone_number', errors, 50, false);
  const metadata = readMetadata(input.metadata, 'metadata', errors);
  return done(errors, () => ({
    ...existing,
    name: name ?? existing.name,
    email: email ?? existing.email,
    phone_number: phone ?? existing.phone_number ?? null,
    metadata: metadata ?? existing.metadata ?? {},
  }));
}

