import { parseIsoTime, type CatalogView, type FieldError } from '@meterstream/domain';
import type { CustomerRecord, Metadata, SubscriptionRecord } from './catalog-records';

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

const done = <T>(errors: FieldError[], value: () => T): Checked<T> => (errors.length > 0 ? { ok: false, errors } : { ok: true, value: value() });

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

/** The earliest subscription start accepted: bounds the periods a usage history walks. */
export const EARLIEST_START = Date.parse('2000-01-01T00:00:00Z');

/**
 * A new subscription: `customer_id` (or Dodo's `customer: { customer_id }`), `product_id`, optional
 * `start` (ISO 8601, default now, never in the future: a past start makes its due periods close at
 * once), optional `quantity` (only 1) and `metadata`. Customer and product must exist.
 */
export function validateSubscriptionInput(input: unknown, id: string, now: number, catalog: CatalogView): Checked<SubscriptionRecord> {
  if (!isObject(input)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];

  let customerId: string | undefined;
  let customerField = 'customer_id';
  if (input.customer_id !== undefined && input.customer_id !== null) {
    customerId = readText(input.customer_id, customerField, errors, 200);
  } else if (input.customer !== undefined && input.customer !== null) {
    customerField = 'customer.customer_id';
    const customer = input.customer;
    if (!isObject(customer) || customer.customer_id === undefined || customer.customer_id === null) {
      errors.push({ field: customerField, message: 'required: new customers are created with POST /customers' });
    } else customerId = readText(customer.customer_id, customerField, errors, 200);
  } else errors.push({ field: customerField, message: 'required' });
  if (customerId !== undefined && !catalog.get('customers', customerId)) {
    errors.push({ field: customerField, message: `customer ${customerId} does not exist` });
  }

  const productId = readText(input.product_id, 'product_id', errors, 200);
  if (productId !== undefined && !catalog.get('products', productId)) errors.push({ field: 'product_id', message: `product ${productId} does not exist` });

  let start = now;
  if (input.start !== undefined && input.start !== null) {
    const parsed = typeof input.start === 'string' ? parseIsoTime(input.start) : undefined;
    if (parsed === undefined) errors.push({ field: 'start', message: 'must be an ISO 8601 date-time with a zone' });
    else if (parsed > now) errors.push({ field: 'start', message: 'must not lie in the future' });
    else if (parsed < EARLIEST_START) errors.push({ field: 'start', message: 'must not lie before 2000-01-01T00:00:00Z' });
    else start = parsed;
  }
  if (input.quantity !== undefined && input.quantity !== null && input.quantity !== 1) {
    errors.push({ field: 'quantity', message: 'only 1 is supported' });
  }
  const metadata = readMetadata(input.metadata, 'metadata', errors);

  return done(errors, () => ({
    subscription_id: id,
    customer_id: customerId!,
    product_id: productId!,
    start: new Date(start).toISOString(),
    status: 'active' as const,
    ends_at: null,
    cancel_at_period_end: false,
    cancelled_at: null,
    metadata: metadata ?? {},
    created_at: new Date(now).toISOString(),
  }));
}

/** A cancel request: POST /subscriptions/:id/cancel `{ immediately?: boolean }` (an empty body is `{}`). */
export function validateCancelInput(input: unknown): Checked<{ immediately: boolean }> {
  if (input === undefined || input === null) return { ok: true, value: { immediately: false } };
  if (!isObject(input)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object' }] };
  if (input.immediately !== undefined && input.immediately !== null && typeof input.immediately !== 'boolean') {
    return { ok: false, errors: [{ field: 'immediately', message: 'must be true or false' }] };
  }
  return { ok: true, value: { immediately: input.immediately === true } };
}

export interface SubscriptionPatch {
  cancel?: { immediately: boolean };
  metadata?: Metadata;
}

/**
 * Dodo's SubscriptionUpdateParams, the parts Meterstream supports: `status: 'cancelled'` cancels now,
 * `cancel_at_next_billing_date: true` (alone or with that status) cancels at the end of the current
 * period, `metadata` replaces the metadata. Other fields are ignored.
 */
export function validateSubscriptionPatch(input: unknown, current: Pick<SubscriptionRecord, 'ends_at' | 'cancel_at_period_end'>): Checked<SubscriptionPatch> {
  if (!isObject(input)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  const { status, cancel_at_next_billing_date: atPeriodEnd } = input;
  if (status !== undefined && status !== null && status !== 'cancelled' && status !== 'active') {
    errors.push({ field: 'status', message: 'only cancelled is supported (active leaves an active subscription as it is)' });
  }
  if (status === 'active' && current.ends_at) errors.push({ field: 'status', message: 'a cancelled subscription cannot be resumed' });
  if (atPeriodEnd !== undefined && atPeriodEnd !== null && typeof atPeriodEnd !== 'boolean') {
    errors.push({ field: 'cancel_at_next_billing_date', message: 'must be true or false' });
  }
  if (atPeriodEnd === false && current.cancel_at_period_end) {
    errors.push({ field: 'cancel_at_next_billing_date', message: 'a scheduled cancellation cannot be undone' });
  }
  const metadata = readMetadata(input.metadata, 'metadata', errors);
  return done(errors, () => ({
    ...(status === 'cancelled' || atPeriodEnd === true ? { cancel: { immediately: atPeriodEnd !== true } } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
  }));
}
