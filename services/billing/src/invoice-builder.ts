import { Decimal, decimalText, type Invoice, type InvoiceLine, type Product, type Subscription } from '@meterstream/domain';
import { invoiceId } from './invoice-id';
import { priceInvoice, priceMeterUsage } from './invoice-pricer';

export interface LateUsage {
  periodStart: string;
  periodEnd: string;
  meterId: string;
  /** Units billed for that period so far. */
  billed: string;
  /** Units that period holds now. */
  current: string;
}

/** The fields that name an invoice: who, what, which period; the same for an issued invoice and a preview. */
export type InvoiceHeader = Pick<Invoice, 'id' | 'subscription_id' | 'customer_id' | 'product_id' | 'currency' | 'period_start' | 'period_end'>;

export function invoiceHeader(
  subscription: Pick<Subscription, 'subscription_id' | 'customer_id'>,
  product: Product,
  period: { start: number; end: number },
): InvoiceHeader {
  return {
    id: invoiceId(subscription.subscription_id, period.start, period.end),
    subscription_id: subscription.subscription_id,
    customer_id: subscription.customer_id,
    product_id: product.product_id,
    currency: product.price.currency,
    period_start: new Date(period.start).toISOString(),
    period_end: new Date(period.end).toISOString(),
  };
}

/**
 * The invoice of one subscription period. Pure: no I/O. Meter lines price this period's usage; late
 * usage of earlier, already invoiced periods becomes adjustment lines, priced as the difference
 * between the charge for the usage now and the charge billed before (each rounded once, half-up).
 */
export function buildInvoice(
  subscription: Subscription,
  product: Product,
  period: { start: number; end: number },
  usage: Map<string, string>,
  late: readonly LateUsage[],
  issuedAt: number,
): Invoice {
  const priced = priceInvoice(product, usage);
  const lines: InvoiceLine[] = priced.lines.map((l) => ({ ...l, adjusted_period_start: null, adjusted_period_end: null }));
  for (const item of late) {
    const price = product.price.meters.find((m) => m.meter_id === item.meterId);
    if (!price) continue;
    const units = new Decimal(item.current).minus(item.billed);
    if (units.isZero()) continue;
    const amount = new Decimal(priceMeterUsage(price, item.current).amount).minus(priceMeterUsage(price, item.billed).amount);
    lines.push({
      type: 'adjustment',
      meter_id: item.meterId,
      description: `late usage of ${item.meterId} for ${item.periodStart} .. ${item.periodEnd} (billed ${item.billed}, now ${item.current})`,
      units_consumed: decimalText(units),
      free_threshold: null,
      chargeable_units: null,
      price_per_unit: price.price_per_unit,
      amount: decimalText(amount),
      adjusted_period_start: item.periodStart,
      adjusted_period_end: item.periodEnd,
    });
  }
  const total = lines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
  return {
    ...invoiceHeader(subscription, product, period),
    status: 'issued',
    lines,
    subtotal: decimalText(total),
    total: decimalText(total),
    issued_at: new Date(issuedAt).toISOString(),
  };
}
