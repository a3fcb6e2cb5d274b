import { formatScaled, parseScaled } from './exact-decimal';

/**
 * An independent oracle for billing: usage and prices computed on BigInt from the documented rules
 * (docs/billing.md, docs/clickhouse.md, DESIGN.md), never by calling the services' code. Quantities and
 * prices are integers scaled by 10^12 (Decimal(·, 12)); charges by 10^24 (a product of two of them),
 * so nothing is rounded before the one half-up rounding per invoice line.
 */
export const Q = 12; // scale of quantities and prices
export const A = 24; // scale of exact charges
const TEN = (n: number) => 10n ** BigInt(n);
const HALF_A = 5n * TEN(A - 1);

export type AggregationKind = 'count' | 'sum' | 'max' | 'last' | 'unique_count';

export interface OracleMeter {
  id: string;
  event_name: string;
  type: AggregationKind;
  key?: string;
}

export interface OracleEvent {
  event_id: string;
  customer_id: string;
  event_name: string;
  timestamp: number;
  /** Metadata as sent: numeric values as decimal text (sent as a string or as a raw JSON number). */
  metadata: Record<string, string>;
}

/** The records a meter takes from the events of one customer over [start, end). */
function meterRecords(meter: OracleMeter, events: readonly OracleEvent[], customerId: string, start: number, end: number): OracleEvent[] {
  return events.filter(
    (e) =>
      e.customer_id === customerId &&
      e.event_name === meter.event_name &&
      e.timestamp >= start &&
      e.timestamp < end &&
      // count needs nothing; the others need the key (an event without it goes to the DLQ for this meter).
      (meter.type === 'count' || Object.hasOwn(e.metadata, meter.key!)),
  );
}

/**
 * A meter's usage over [start, end) as decimal text: count of records; sum; max (0 without records);
 * last = the value of the greatest (timestamp, event_id) (0 without records); distinct key values.
 */
export function oracleUsage(meter: OracleMeter, events: readonly OracleEvent[], customerId: string, start: number, end: number): string {
  const records = meterRecords(meter, events, customerId, start, end);
  const value = (e: OracleEvent) => parseScaled(e.metadata[meter.key!], Q);
  switch (meter.type) {
    case 'count':
      return String(records.length);
    case 'unique_count':
      return String(new Set(records.map((e) => e.metadata[meter.key!])).size);
    case 'sum':
      return formatScaled(records.reduce((s, e) => s + value(e), 0n), Q);
    case 'max':
      return formatScaled(records.reduce<bigint | undefined>((m, e) => (m === undefined || value(e) > m ? value(e) : m), undefined) ?? 0n, Q);
    case 'last': {
      let latest: OracleEvent | undefined;
      for (const e of records) {
        if (!latest || e.timestamp > latest.timestamp || (e.timestamp === latest.timestamp && e.event_id > latest.event_id)) latest = e;
      }
      return formatScaled(latest ? value(latest) : 0n, Q);
    }
  }
}

export interface OracleTier {
  up_to: string | null;
  price_per_unit: string;
  flat_fee?: string;
}

export interface OraclePrice {
  meter_id: string;
  model: 'per_unit' | 'graduated' | 'volume' | 'package';
  price_per_unit: string;
  free_threshold: string;
  tiers?: OracleTier[];
  package_size?: string;
}

export interface OracleProduct {
  product_id: string;
  name: string;
  currency: string;
  fixed_price: number;
  meters: OraclePrice[];
}

/** An expected invoice line, every decimal in canonical text (see exact-decimal.ts normalizeDecimal). */
export interface ExpectedLine {
  type: 'fixed' | 'meter';
  meter_id: string | null;
  units_consumed: string | null;
  free_threshold: string | null;
  chargeable_units: string | null;
  price_per_unit: string | null;
  amount: string;
  pricing_model: string | null;
  tiers: { up_to: string | null; units: string; price_per_unit: string; flat_fee: string; amount: string }[];
}

const q = (text: string) => parseScaled(text, Q);
const qText = (v: bigint) => formatScaled(v, Q);
/** Half-up to a whole number of the lowest denomination (charges are never negative). */
const roundHalfUp = (charge: bigint) => (charge + HALF_A) / TEN(A);

/** The meter line of one period: chargeable = max(0, usage − free_threshold), priced by the model, rounded once. */
export function oracleMeterLine(price: OraclePrice, usage: string): ExpectedLine & { unitPriceShown: string; exactCharge: string } {
  const over = q(usage) - q(price.free_threshold);
  const chargeable = over > 0n ? over : 0n;
  let charge = 0n; // scale A
  let unitPrice: string | null = null;
  let unitPriceShown: string; // what the usage history shows as the price per unit
  const tiers: ExpectedLine['tiers'] = [];
  const tierPart = (t: OracleTier, units: bigint) => {
    const amount = units * q(t.price_per_unit) + q(t.flat_fee ?? '0') * TEN(Q);
    tiers.push({ up_to: t.up_to === null ? null : qText(q(t.up_to)), units: qText(units), price_per_unit: qText(q(t.price_per_unit)), flat_fee: qText(q(t.flat_fee ?? '0')), amount: formatScaled(amount, A) });
    return amount;
  };
  switch (price.model) {
    case 'per_unit':
      charge = chargeable * q(price.price_per_unit);
      unitPrice = unitPriceShown = qText(q(price.price_per_unit));
      break;
    case 'package': {
      const size = q(price.package_size!);
      const packages = (chargeable + size - 1n) / size; // a started package is charged whole
      charge = packages * q(price.price_per_unit) * TEN(Q);
      unitPrice = unitPriceShown = qText(q(price.price_per_unit));
      break;
    }
    case 'volume': {
      // The tier that contains the chargeable quantity (a tier ends at its up_to, inclusive) prices all of it.
      const tier = price.tiers!.find((t) => t.up_to === null || chargeable <= q(t.up_to))!;
      if (chargeable > 0n) charge = tierPart(tier, chargeable);
      unitPrice = unitPriceShown = qText(q(tier.price_per_unit));
      break;
    }
    case 'graduated': {
      let lower = 0n;
      for (const t of price.tiers!) {
        if (chargeable <= lower) break;
        const upper = t.up_to === null || chargeable < q(t.up_to) ? chargeable : q(t.up_to);
        charge += tierPart(t, upper - lower);
        if (t.up_to === null) break;
        lower = q(t.up_to);
      }
      // No single price: the usage history shows the tier of the next unit (chargeable + 1).
      unitPriceShown = qText(q(price.tiers!.find((t) => t.up_to === null || chargeable < q(t.up_to))!.price_per_unit));
      break;
    }
  }
  return {
    type: 'meter',
    meter_id: price.meter_id,
    units_consumed: qText(q(usage)),
    free_threshold: qText(q(price.free_threshold)),
    chargeable_units: qText(chargeable),
    price_per_unit: unitPrice,
    amount: String(roundHalfUp(charge)),
    pricing_model: price.model,
    tiers,
    unitPriceShown,
    exactCharge: formatScaled(charge, A),
  };
}

/** A period's invoice: the fixed fee, then one line per product meter in product order; total = Σ rounded lines. */
export function oracleInvoice(
  product: OracleProduct,
  meters: ReadonlyMap<string, OracleMeter>,
  events: readonly OracleEvent[],
  customerId: string,
  start: number,
  end: number,
): { lines: ExpectedLine[]; total: string; usage: string[]; unitPricesShown: string[]; exactCharges: string[] } {
  const fixed: ExpectedLine = {
    type: 'fixed',
    meter_id: null,
    units_consumed: null,
    free_threshold: null,
    chargeable_units: null,
    price_per_unit: null,
    amount: String(product.fixed_price),
    pricing_model: null,
    tiers: [],
  };
  const usage = product.meters.map((p) => oracleUsage(meters.get(p.meter_id)!, events, customerId, start, end));
  const meterLines = product.meters.map((p, i) => oracleMeterLine(p, usage[i]));
  const lines = [fixed, ...meterLines.map(({ unitPriceShown: _shown, exactCharge: _exact, ...line }) => line)];
  const total = lines.reduce((s, l) => s + BigInt(l.amount), 0n);
  return { lines, total: String(total), usage, unitPricesShown: meterLines.map((l) => l.unitPriceShown), exactCharges: meterLines.map((l) => l.exactCharge) };
}

/** Daily periods from `anchor` that began by `now`, oldest first, the last one cut at `endsAt`. */
export function oracleDailyPeriods(anchor: number, endsAt: number | null, now: number): { start: number; end: number }[] {
  const DAY = 86_400_000;
  const periods: { start: number; end: number }[] = [];
  for (let start = anchor; start <= now && (endsAt === null || start < endsAt); start += DAY) {
    periods.push({ start, end: endsAt === null ? start + DAY : Math.min(start + DAY, endsAt) });
  }
  return periods;
}

/** A seeded PRNG (mulberry32): the same seed gives the same catalog and events. */
export function prng(seed: number): { next(): number; int(min: number, max: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: (items) => items[int(0, items.length - 1)], chance: (p) => next() < p };
}
