import type { FastifyInstance } from 'fastify';
import { type CatalogLog } from '@meterstream/common';
import {
  MeterstreamError,
  cancellation,
  currentPeriod,
  validateCancelInput,
  validateSubscriptionInput,
  validateSubscriptionPatch,
  type CatalogView,
  type CustomerRecord,
  type Product,
  type ProductRecord,
  type SubscriptionRecord,
} from '@meterstream/domain';
import { newSubscriptionId } from '../catalog-records';
import { pageOf, type PageQuery } from '../pagination';

/** Dodo's SubscriptionStatus values, accepted by the list filter; Meterstream uses active and cancelled. */
const STATUSES = ['pending', 'active', 'on_hold', 'paused', 'cancelled', 'failed', 'expired', 'past_due'] as const;

interface SubscriptionListQuery extends PageQuery {
  customer_id?: string;
  product_id?: string;
  status?: string;
  cancel_at_next_billing_date?: string;
}

export const subscriptionStatus = (s: SubscriptionRecord): 'active' | 'cancelled' => s.status ?? (s.ends_at ? 'cancelled' : 'active');

/** The subscription's product; every subscription names one (checked when it was created). */
export function productOf(catalog: CatalogView, subscription: SubscriptionRecord): Product {
  const product = catalog.get('products', subscription.product_id);
  if (!product) throw new MeterstreamError('NOT_FOUND', `product ${subscription.product_id} of subscription ${subscription.subscription_id} does not exist`);
  return product;
}

export function findSubscription(catalog: CatalogView, id: string): SubscriptionRecord {
  const subscription = catalog.get('subscriptions', id);
  if (!subscription) throw new MeterstreamError('NOT_FOUND', `subscription ${id} does not exist`);
  return subscription;
}

/**
 * Dodo's Subscription, with Meterstream's own fields: `start` (the billing anchor), `ends_at` (when
 * service ends) and `cancel_at_period_end` (Dodo's `cancel_at_next_billing_date`). The billing dates
 * are those of the current period (or the last one, once the subscription has ended).
 */
function showSubscription(catalog: CatalogView, s: SubscriptionRecord, now: number) {
  const product = catalog.get('products', s.product_id) as ProductRecord | undefined;
  const customer = catalog.get('customers', s.customer_id) as CustomerRecord | undefined;
  const price = product?.price;
  const current = price ? currentPeriod(s, price, now) : null;
  return {
    subscription_id: s.subscription_id,
    customer_id: s.customer_id,
    customer: customer
      ? { customer_id: customer.customer_id, name: customer.name, email: customer.email, metadata: customer.metadata ?? {}, phone_number: customer.phone_number ?? null }
      : { customer_id: s.customer_id },
    product_id: s.product_id,
    product_name: product?.name ?? null,
    status: subscriptionStatus(s),
    start: s.start,
    created_at: s.created_at ?? s.start,
    previous_billing_date: current ? new Date(current.start).toISOString() : null,
    next_billing_date: current ? new Date(current.end).toISOString() : null,
    cancel_at_next_billing_date: s.cancel_at_period_end ?? false,
    cancel_at_period_end: s.cancel_at_period_end ?? false,
    cancelled_at: s.cancelled_at ?? null,
    ends_at: s.ends_at ?? null,
    expires_at: s.ends_at ?? null,
    currency: price?.currency ?? null,
    recurring_pre_tax_amount: price?.fixed_price ?? null,
    quantity: 1,
    tax_inclusive: false,
    on_demand: false,
    trial_period_days: 0,
    payment_frequency_interval: price?.payment_frequency_interval ?? null,
    payment_frequency_count: price?.payment_frequency_count ?? null,
    subscription_period_interval: price?.subscription_period_interval ?? price?.payment_frequency_interval ?? null,
    subscription_period_count: price?.subscription_period_count ?? price?.payment_frequency_count ?? null,
    metadata: s.metadata ?? {},
    addons: [],
    meters: (price?.meters ?? []).map((m) => {
      const meter = catalog.get('meters', m.meter_id);
      return {
        meter_id: m.meter_id,
        name: meter?.name ?? m.meter_id,
        measurement_unit: meter?.measurement_unit ?? null,
        description: meter?.description ?? null,
        currency: price!.currency,
        // A number, as Dodo's SDK types it; the product holds the exact decimal text.
        free_threshold: Number(m.free_threshold),
        price_per_unit: m.price_per_unit,
      };
    }),
  };
}

/**
 * Dodo Payments' subscriptions API over the catalog: create (an existing customer and product, start
 * now or in the past), list (customer_id, product_id, status filters), retrieve, update (cancel,
 * metadata) and cancel. Cancelling sets `ends_at`; billing then closes the last period at `ends_at`.
 */
export function registerSubscriptionRoutes(app: FastifyInstance, catalog: CatalogLog): void {
  const store = catalog.store;
  const show = (s: SubscriptionRecord) => showSubscription(store, s, Date.now());

  const cancel = async (subscription: SubscriptionRecord, immediately: boolean): Promise<SubscriptionRecord> => {
    const change = cancellation(subscription, productOf(store, subscription).price, Date.now(), immediately);
    if (!change) return subscription;
    const next: SubscriptionRecord = { ...subscription, ...change, status: 'cancelled' };
    await catalog.put('subscriptions', next.subscription_id, next);
    return next;
  };

  app.post('/subscriptions', { config: { scope: 'admin' } }, async (request) => {
    const checked = validateSubscriptionInput(request.body, newSubscriptionId(), Date.now(), store);
    if (!checked.ok) throw new MeterstreamError('VALIDATION_FAILED', 'invalid subscription', checked.errors);
    await catalog.put('subscriptions', checked.value.subscription_id, checked.value);
    return show(checked.value);
  });

  app.get<{ Querystring: SubscriptionListQuery }>('/subscriptions', { config: { scope: 'read' } }, async (request) => {
    const q = request.query;
    if (q.status !== undefined && !STATUSES.includes(q.status as (typeof STATUSES)[number])) {
      throw new MeterstreamError('VALIDATION_FAILED', 'unknown status', [{ field: 'status', message: `one of ${STATUSES.join(', ')}` }]);
    }
    const atPeriodEnd = q.cancel_at_next_billing_date;
    if (atPeriodEnd !== undefined && atPeriodEnd !== 'true' && atPeriodEnd !== 'false') {
      throw new MeterstreamError('VALIDATION_FAILED', 'cancel_at_next_billing_date must be true or false', [
        { field: 'cancel_at_next_billing_date', message: 'must be true or false' },
      ]);
    }
    const subscriptions = (store.list('subscriptions') as SubscriptionRecord[])
      .filter((s) => !q.customer_id || s.customer_id === q.customer_id)
      .filter((s) => !q.product_id || s.product_id === q.product_id)
      .filter((s) => !q.status || subscriptionStatus(s) === q.status)
      .filter((s) => atPeriodEnd === undefined || (s.cancel_at_period_end ?? false) === (atPeriodEnd === 'true'))
      .sort((a, b) => (a.created_at ?? a.start).localeCompare(b.created_at ?? b.start) || a.subscription_id.localeCompare(b.subscription_id));
    return pageOf(subscriptions.map(show), q);
  });

  app.get<{ Params: { id: string } }>('/subscriptions/:id', { config: { scope: 'read' } }, async (request) => show(findSubscription(store, request.params.id)));

  app.patch<{ Params: { id: string } }>('/subscriptions/:id', { config: { scope: 'admin' } }, async (request) => {
    let subscription = findSubscription(store, request.params.id);
    const checked = validateSubscriptionPatch(request.body ?? {}, subscription);
    if (!checked.ok) throw new MeterstreamError('VALIDATION_FAILED', 'invalid subscription update', checked.errors);
    if (checked.value.metadata) {
      subscription = { ...subscription, metadata: checked.value.metadata };
      await catalog.put('subscriptions', subscription.subscription_id, subscription);
    }
    if (checked.value.cancel) subscription = await cancel(subscription, checked.value.cancel.immediately);
    return show(subscription);
  });

  app.post<{ Params: { id: string } }>('/subscriptions/:id/cancel', { config: { scope: 'admin' } }, async (request) => {
    const subscription = findSubscription(store, request.params.id);
    const checked = validateCancelInput(request.body);
    if (!checked.ok) throw new MeterstreamError('VALIDATION_FAILED', 'invalid cancel request', checked.errors);
    return show(await cancel(subscription, checked.value.immediately));
  });
}
