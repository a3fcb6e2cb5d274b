import { invoiceId } from '@meterstream/common';
import {
  invoiceHeader,
  nextUnitPrice,
  priceInvoice,
  priceMeterUsage,
  type InvoiceHeader,
  type InvoiceLine,
  type Meter,
  type MeterPrice,
  type Period,
  type Product,
  type Subscription,
} from '@meterstream/domain';

/** One meter of one period in Dodo's usage history (SubscriptionRetrieveUsageHistoryResponse.Meter). */
export interface UsageHistoryMeter {
  id: string;
  name: string;
  /** Exact decimal text. */
  consumed_units: string;
  /** Exact decimal text: units above the free threshold. */
  chargeable_units: string;
  /** A number, as Dodo's SDK types it; the exact text is the product's `free_threshold`. */
  free_threshold: number;
  price_per_unit: string;
  /** The invoice line's amount: rounded once, half-up, in the currency's lowest denomination. */
  total_price: number;
  currency: string;
}

/** One billing period of Dodo's usage history (SubscriptionRetrieveUsageHistoryResponse). */
export interface UsageHistoryPeriod {
  start_date: string;
  end_date: string;
  meters: UsageHistoryMeter[];
}

/**
 * A meter's usage in one period, priced by the domain's pricer (as billing prices it), so `total_price` is what the invoice
 * line of that period charges (before any late-usage adjustment). `price_per_unit` is the price of
 * every chargeable unit; graduated prices have no single one, so it is the price of the tier the next
 * unit falls in.
 */
export function usageHistoryMeter(price: MeterPrice, meter: Pick<Meter, 'id' | 'name'>, currency: string, usage: string): UsageHistoryMeter {
  const line = priceMeterUsage(price, usage);
  const chargeable = line.chargeable_units ?? '0';
  return {
    id: meter.id,
    name: meter.name,
    consumed_units: line.units_consumed ?? usage,
    chargeable_units: chargeable,
    free_threshold: Number(price.free_threshold),
    price_per_unit: line.price_per_unit ?? nextUnitPrice(price, chargeable),
    total_price: wholeNumber(line.amount),
    currency,
  };
}

export function usageHistoryPeriod(p: Period, meters: UsageHistoryMeter[]): UsageHistoryPeriod {
  return { start_date: new Date(p.start).toISOString(), end_date: new Date(p.end).toISOString(), meters };
}

/** An amount (integer decimal text) as a JSON number; amounts beyond 2^53 would lose digits, so they fail. */
function wholeNumber(amount: string): number {
  const value = Number(amount);
  if (!Number.isSafeInteger(value)) throw new Error(`amount ${amount} does not fit a JSON number exactly`);
  return value;
}

/** The open period's invoice as it stands: not issued, not emitted, not stored. */
export interface InvoicePreview extends InvoiceHeader {
  /** `id` is the one the invoice will carry once this period closes (if the period keeps its end). */
  status: 'preview';
  lines: InvoiceLine[];
  subtotal: string;
  total: string;
  /** When the usage was read (ISO 8601). */
  computed_at: string;
}

/** Prices the open period as billing will (the fixed fee plus one line per product meter). */
export function invoicePreview(
  subscription: Pick<Subscription, 'subscription_id' | 'customer_id'>,
  product: Product,
  p: Period,
  usage: Map<string, string>,
  now: number,
): InvoicePreview {
  const priced = priceInvoice(product, usage);
  return {
    ...invoiceHeader(invoiceId(subscription.subscription_id, p.start, p.end), subscription, product, p),
    status: 'preview',
    lines: priced.lines,
    subtotal: priced.subtotal,
    total: priced.total,
    computed_at: new Date(now).toISOString(),
  };
}
