import { Decimal, decimalText } from '../decimal';
import { invoiceHeader } from '../invoice/invoice-header';
import type { Invoice, InvoiceLine } from '../model/invoice';
import type { Product, Subscription } from '../model/catalog';
import { priceInvoice } from '../pricing/invoice-lines';
import { chargeChange } from './adjustment-pricing';
import type { LateUsage } from './late-usage';

/** How many correction ids an adjustment line's description names before "and N more" (the line's `corrections` has them all). */
const IDS_IN_DESCRIPTION = 3;

/**
 * The invoice of one subscription period, with its deterministic `id` (invoiceId in common). Pure: no
 * I/O. Meter lines price this period's usage; late usage of earlier, already invoiced periods becomes
 * adjustment lines, priced as the difference between the charge for the usage now and the charge
 * billed before (chargeChange: each rounded once, half-up).
 *
 * `corrections` (InvoiceLine.corrections): a meter line lists the ids of the corrections and backfill
 * batches with records in its meter and period when it is billed (`periodCorrections`, sorted), an
 * adjustment line those of its late usage item (listCorrections: the ones no earlier line of that
 * period listed); every other line lists none.
 */
export function buildInvoice(
  id: string,
  subscription: Subscription,
  product: Product,
  period: { start: number; end: number },
  usage: Map<string, string>,
  late: readonly LateUsage[],
  issuedAt: number,
  periodCorrections: ReadonlyMap<string, readonly string[]> = new Map(),
): Invoice {
  const priced = priceInvoice(product, usage);
  const lines: InvoiceLine[] = priced.lines.map((l) => ({
    ...l,
    adjusted_period_start: null,
    adjusted_period_end: null,
    corrections: l.type === 'meter' && l.meter_id !== null ? [...(periodCorrections.get(l.meter_id) ?? [])] : [],
  }));
  for (const item of late) {
    const price = product.price.meters.find((m) => m.meter_id === item.meterId);
    if (!price) continue;
    const change = chargeChange(price, item.billed, item.current);
    if (new Decimal(change.units).isZero()) continue;
    lines.push({
      type: 'adjustment',
      meter_id: item.meterId,
      description: `late usage of ${item.meterId} for ${item.periodStart} .. ${item.periodEnd} (billed ${item.billed}, now ${item.current}${correctionNote(item.corrections)})`,
      units_consumed: change.units,
      free_threshold: null,
      chargeable_units: null,
      price_per_unit: price.price_per_unit,
      amount: change.amount,
      adjusted_period_start: item.periodStart,
      adjusted_period_end: item.periodEnd,
      corrections: [...item.corrections],
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

/** "; corrections cor_1, cor_2, cor_3 and 4 more", or nothing. */
function correctionNote(ids: readonly string[]): string {
  if (ids.length === 0) return '';
  const named = ids.slice(0, IDS_IN_DESCRIPTION).join(', ');
  return `; corrections ${named}${ids.length > IDS_IN_DESCRIPTION ? ` and ${ids.length - IDS_IN_DESCRIPTION} more` : ''}`;
}
