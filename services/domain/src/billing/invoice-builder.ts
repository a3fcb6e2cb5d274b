import { Decimal, decimalText } from '../decimal';
import { invoiceHeader } from '../invoice/invoice-header';
import type { Invoice, InvoiceLine } from '../model/invoice';
import type { Product, Subscription } from '../model/catalog';
import { priceInvoice, priceMeterUsage } from '../pricing/invoice-lines';
import type { LateUsage } from './late-usage';

/**
 * The invoice of one subscription period, with its deterministic `id` (invoiceId in common). Pure: no
 * I/O. Meter lines price this period's usage; late usage of earlier, already invoiced periods becomes
 * adjustment lines, priced as the difference between the charge for the usage now and the charge
 * billed before (each rounded once, half-up).
 */
export function buildInvoice(
  id: string,
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
    ...invoiceHeader(id, subscription, product, period),
    status: 'issued',
    lines,
    subtotal: decimalText(total),
    total: decimalText(total),
    issued_at: new Date(issuedAt).toISOString(),
  };
}
