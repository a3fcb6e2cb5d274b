import { CatalogStore } from '@meterstream/common';
import type { Product } from '../model/catalog';
import { validateCancelInput, validateSubscriptionInput, validateSubscriptionPatch } from './subscription-input';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const ISO_NOW = new Date(NOW).toISOString();

const errorsOf = <T>(checked: { ok: true; value: T } | { ok: false; errors: { field: string; message: string }[] }) => {
  if (checked.ok) throw new Error('expected the input to be refused');
  return checked.errors;
};

describe('validateSubscriptionInput', () => {
  const catalog = new CatalogStore();
  catalog.apply('customers', 'cus_1', { customer_id: 'cus_1', name: 'Acme', email: 'a@acme.test' });
  catalog.apply('products', 'prod_1', { product_id: 'prod_1', name: 'Pro' } as Product);

  it('starts now by default, or at a past start', () => {
    expect(validateSubscriptionInput({ customer_id: 'cus_1', product_id: 'prod_1' }, 'sub_1', NOW, catalog)).toEqual({
      ok: true,
      value: {
        subscription_id: 'sub_1',
        customer_id: 'cus_1',
        product_id: 'prod_1',
        start: ISO_NOW,
        status: 'active',
        ends_at: null,
        cancel_at_period_end: false,
        cancelled_at: null,
        metadata: {},
        created_at: ISO_NOW,
      },
    });
    const past = validateSubscriptionInput({ customer: { customer_id: 'cus_1' }, product_id: 'prod_1', start: '2026-01-01T01:00:00+01:00', quantity: 1 }, 'sub_1', NOW, catalog);
    expect(past.ok && past.value.start).toBe('2026-01-01T00:00:00.000Z');
  });

  it('requires an existing customer and product and a start that is not in the future', () => {
    expect(errorsOf(validateSubscriptionInput({ customer_id: 'cus_x', product_id: 'prod_x', start: '2026-03-10T12:00:01Z' }, 'sub_1', NOW, catalog))).toEqual([
      { field: 'customer_id', message: 'customer cus_x does not exist' },
      { field: 'product_id', message: 'product prod_x does not exist' },
      { field: 'start', message: 'must not lie in the future' },
    ]);
    expect(errorsOf(validateSubscriptionInput({ customer: { email: 'new@x.test' }, product_id: 'prod_1', start: 'yesterday', quantity: 2 }, 'sub_1', NOW, catalog))).toEqual([
      { field: 'customer.customer_id', message: 'required: new customers are created with POST /customers' },
      { field: 'start', message: 'must be an ISO 8601 date-time with a zone' },
      { field: 'quantity', message: 'only 1 is supported' },
    ]);
    expect(errorsOf(validateSubscriptionInput({ product_id: 'prod_1', start: '1999-12-31T23:59:59Z' }, 'sub_1', NOW, catalog)).map((e) => e.field)).toEqual([
      'customer_id',
      'start',
    ]);
  });
});

describe('cancel and update requests', () => {
  it('reads { immediately } with an empty body meaning at period end', () => {
    expect(validateCancelInput(undefined)).toEqual({ ok: true, value: { immediately: false } });
    expect(validateCancelInput({ immediately: true })).toEqual({ ok: true, value: { immediately: true } });
    expect(errorsOf(validateCancelInput({ immediately: 'yes' }))).toEqual([{ field: 'immediately', message: 'must be true or false' }]);
  });

  it("maps Dodo's status and cancel_at_next_billing_date to a cancel", () => {
    const active = { ends_at: null, cancel_at_period_end: false };
    expect(validateSubscriptionPatch({ status: 'cancelled' }, active)).toEqual({ ok: true, value: { cancel: { immediately: true } } });
    expect(validateSubscriptionPatch({ cancel_at_next_billing_date: true }, active)).toEqual({ ok: true, value: { cancel: { immediately: false } } });
    expect(validateSubscriptionPatch({ status: 'cancelled', cancel_at_next_billing_date: true }, active)).toEqual({ ok: true, value: { cancel: { immediately: false } } });
    expect(validateSubscriptionPatch({ metadata: { a: 'b' } }, active)).toEqual({ ok: true, value: { metadata: { a: 'b' } } });
    expect(validateSubscriptionPatch({ status: 'active' }, active)).toEqual({ ok: true, value: {} });
    const scheduled = { ends_at: '2026-04-01T00:00:00.000Z', cancel_at_period_end: true };
    expect(errorsOf(validateSubscriptionPatch({ status: 'paused', cancel_at_next_billing_date: false }, scheduled))).toEqual([
      { field: 'status', message: 'only cancelled is supported (active leaves an active subscription as it is)' },
      { field: 'cancel_at_next_billing_date', message: 'a scheduled cancellation cannot be undone' },
    ]);
    expect(errorsOf(validateSubscriptionPatch({ status: 'active' }, scheduled))).toEqual([{ field: 'status', message: 'a cancelled subscription cannot be resumed' }]);
  });
});
