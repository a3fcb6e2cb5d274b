import type { Product, Subscription } from '../model/catalog';
import type { Invoice } from '../model/invoice';

/** The fields that name an invoice: who, what, which period; the same for an issued invoice and a preview. */
export type InvoiceHeader = Pick<Invoice, 'id' | 'subscription_id' | 'customer_id' | 'product_id' | 'currency' | 'period_start' | 'period_end'>;

/**
 * The header of the invoice of one subscription period. `id` is the period's invoice id
 * (common's invoiceId: a hash, so computed outside this pure layer).
 */
export function invoiceHeader(
  id: string,
  subscription: Pick<Subscription, 'subscription_id' | 'customer_id'>,
  product: Product,
  period: { start: number; end: number },
): InvoiceHeader {
  return {
    id,
    subscription_id: subscription.subscription_id,
    customer_id: subscription.customer_id,
    product_id: product.product_id,
    currency: product.price.currency,
    period_start: new Date(period.start).toISOString(),
    period_end: new Date(period.end).toISOString(),
  };
}
