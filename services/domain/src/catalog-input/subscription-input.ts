import type { FieldError } from '../errors';
import type { CatalogView } from '../model/catalog';
import type { Metadata, SubscriptionRecord } from '../model/catalog-records';
import { parseIsoTime } from '../time';
import { done, isObject, readMetadata, readText, type Checked } from './input-readers';

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
