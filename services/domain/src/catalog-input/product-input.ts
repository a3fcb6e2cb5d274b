import type { FieldError } from '../errors';
import type { CatalogView, MeterPrice, Tier } from '../model/catalog';
import type { ProductRecord } from '../model/catalog-records';
import { INTERVALS, type Interval } from '../periods/billing-periods';
import type { MeterPriceInput } from '../pricing/charge-model';
import { validateFixedPrice, validateMeterPrice } from '../pricing/price-validation';
import { isObject, readMetadata, readText, type Checked } from './input-readers';

/** Dodo's tax categories (informational here: Meterstream computes no tax). */
export const TAX_CATEGORIES = ['digital_products', 'saas', 'e_book', 'edtech'] as const;
export const MAX_METERS_PER_PRICE = 50;
const MAX_INTERVAL_COUNT = 1000;

/**
 * Dodo's ProductCreateParams with a usage-based price: `name`, optional `description`, `tax_category`,
 * `metadata`, and `price: { type: 'usage_based_price', currency, fixed_price, payment_frequency_interval,
 * payment_frequency_count, subscription_period_interval?, subscription_period_count?, meters }`. Every
 * priced meter must exist and not be archived; every price must pass validateMeterPrice, the check the
 * pricer makes too, so creation and billing can never disagree. Errors name the full path, e.g.
 * `price.meters[1].tiers[0].up_to`.
 */
export function validateProductInput(input: unknown, id: string, now: string, catalog: CatalogView): Checked<ProductRecord> {
  if (!isObject(input)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  const name = readText(input.name, 'name', errors, 200);
  const description = readText(input.description, 'description', errors, 2000, false);
  let taxCategory: string | undefined;
  if (input.tax_category !== undefined && input.tax_category !== null) {
    if (TAX_CATEGORIES.includes(input.tax_category as (typeof TAX_CATEGORIES)[number])) taxCategory = input.tax_category as string;
    else errors.push({ field: 'tax_category', message: `one of ${TAX_CATEGORIES.join(', ')}` });
  }
  const metadata = readMetadata(input.metadata, 'metadata', errors);
  const price = readPrice(input.price, errors, catalog);
  if (errors.length > 0 || !price) return { ok: false, errors };
  return {
    ok: true,
    value: {
      product_id: id,
      name: name!,
      description: description ?? null,
      tax_category: taxCategory ?? null,
      metadata: metadata ?? {},
      created_at: now,
      updated_at: now,
      price,
    },
  };
}

function readPrice(value: unknown, errors: FieldError[], catalog: CatalogView): ProductRecord['price'] | undefined {
  if (!isObject(value)) {
    errors.push({ field: 'price', message: 'required object: a usage_based_price' });
    return undefined;
  }
  const before = errors.length;
  if (value.type !== 'usage_based_price') errors.push({ field: 'price.type', message: 'must be usage_based_price (the only price type Meterstream bills)' });
  const currency = value.currency;
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) errors.push({ field: 'price.currency', message: 'an ISO 4217 code in capitals, e.g. USD' });
  const fixedPrice = value.fixed_price;
  for (const problem of validateFixedPrice(fixedPrice)) errors.push({ field: `price.${problem.field}`, message: problem.message });
  const interval = readInterval(value.payment_frequency_interval, 'price.payment_frequency_interval', errors, true);
  const count = readCount(value.payment_frequency_count, 'price.payment_frequency_count', errors, true);
  const periodInterval = readInterval(value.subscription_period_interval, 'price.subscription_period_interval', errors, false);
  const periodCount = readCount(value.subscription_period_count, 'price.subscription_period_count', errors, false);
  const meters = readMeterPrices(value.meters, errors, catalog);
  if (errors.length > before) return undefined;
  return {
    type: 'usage_based_price',
    currency: currency as string,
    fixed_price: fixedPrice as number,
    payment_frequency_interval: interval!,
    payment_frequency_count: count!,
    ...(periodInterval !== undefined ? { subscription_period_interval: periodInterval } : {}),
    ...(periodCount !== undefined ? { subscription_period_count: periodCount } : {}),
    meters,
  };
}

function readInterval(value: unknown, field: string, errors: FieldError[], required: boolean): Interval | undefined {
  if (value === undefined || value === null) {
    if (required) errors.push({ field, message: `required: one of ${INTERVALS.join(', ')}` });
    return undefined;
  }
  if (INTERVALS.includes(value as Interval)) return value as Interval;
  errors.push({ field, message: `one of ${INTERVALS.join(', ')}` });
  return undefined;
}

function readCount(value: unknown, field: string, errors: FieldError[], required: boolean): number | undefined {
  if (value === undefined || value === null) {
    if (required) errors.push({ field, message: 'required' });
    return undefined;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_INTERVAL_COUNT) return value;
  errors.push({ field, message: `a whole number from 1 to ${MAX_INTERVAL_COUNT}` });
  return undefined;
}

function readMeterPrices(value: unknown, errors: FieldError[], catalog: CatalogView): MeterPrice[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.push({ field: 'price.meters', message: 'must be an array' });
    return [];
  }
  if (value.length > MAX_METERS_PER_PRICE) {
    errors.push({ field: 'price.meters', message: `at most ${MAX_METERS_PER_PRICE} meters` });
    return [];
  }
  const seen = new Set<string>();
  const prices: MeterPrice[] = [];
  value.forEach((item, i) => {
    const price = readMeterPrice(item, `price.meters[${i}]`, errors, catalog, seen);
    if (price) prices.push(price);
  });
  return prices;
}

/**
 * One meter's price. Here: JSON types (decimals as strings) and the catalog (the meter exists, is not
 * archived, is priced once); the pricing rules are validateMeterPrice's, the pricer's own check.
 */
export function readMeterPrice(value: unknown, at: string, errors: FieldError[], catalog: CatalogView, seen = new Set<string>()): MeterPrice | undefined {
  if (!isObject(value)) {
    errors.push({ field: at, message: 'must be an object {meter_id, price_per_unit, free_threshold}' });
    return undefined;
  }
  const before = errors.length;
  const meterId = readText(value.meter_id, `${at}.meter_id`, errors, 200);
  if (meterId !== undefined) {
    const meter = catalog.get('meters', meterId);
    if (!meter) errors.push({ field: `${at}.meter_id`, message: `meter ${meterId} does not exist` });
    else if (meter.archived) errors.push({ field: `${at}.meter_id`, message: `meter ${meterId} is archived` });
    else if (seen.has(meterId)) errors.push({ field: `${at}.meter_id`, message: `meter ${meterId} is priced twice` });
    seen.add(meterId);
  }
  const model = value.model ?? undefined;
  const pricePerUnit = readDecimalText(value.price_per_unit, `${at}.price_per_unit`, errors);
  const freeThreshold = readDecimalText(value.free_threshold, `${at}.free_threshold`, errors, true);
  const packageSize = readDecimalText(value.package_size, `${at}.package_size`, errors);
  const tiers = readTiers(value.tiers, `${at}.tiers`, errors);
  if (errors.length > before) return undefined;

  const draft: MeterPriceInput = {
    meter_id: meterId!,
    ...(model !== undefined ? { model: model as MeterPrice['model'] } : {}),
    ...(pricePerUnit !== undefined ? { price_per_unit: pricePerUnit } : {}),
    ...(freeThreshold !== undefined ? { free_threshold: freeThreshold } : {}),
    ...(tiers !== undefined ? { tiers } : {}),
    ...(packageSize !== undefined ? { package_size: packageSize } : {}),
  };
  const problems = validateMeterPrice(draft);
  for (const problem of problems) errors.push({ field: `${at}.${problem.field}`, message: problem.message });
  // Tiered models price by their tiers: their price_per_unit is optional and unused.
  return problems.length === 0 ? { ...draft, price_per_unit: pricePerUnit ?? '0', free_threshold: freeThreshold ?? '0' } : undefined;
}

/** Tiers as JSON: an array of {up_to: decimal text or null, price_per_unit, flat_fee?}; their rules are the pricer's. */
function readTiers(value: unknown, at: string, errors: FieldError[]): Tier[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    errors.push({ field: at, message: 'an array of tiers {up_to, price_per_unit, flat_fee?}' });
    return undefined;
  }
  const before = errors.length;
  const tiers = value.map((tier, i): Tier => {
    const field = `${at}[${i}]`;
    if (!isObject(tier)) {
      errors.push({ field, message: 'must be an object {up_to, price_per_unit, flat_fee?}' });
      return { up_to: null, price_per_unit: '0' };
    }
    if (tier.up_to === undefined) errors.push({ field: `${field}.up_to`, message: 'required: a decimal string, or null for the last, unbounded tier' });
    const upTo = tier.up_to === null ? null : (readDecimalText(tier.up_to, `${field}.up_to`, errors) ?? null);
    const pricePerUnit = readDecimalText(tier.price_per_unit, `${field}.price_per_unit`, errors, false, true) ?? '0';
    const flatFee = readDecimalText(tier.flat_fee, `${field}.flat_fee`, errors);
    return { up_to: upTo, price_per_unit: pricePerUnit, ...(flatFee !== undefined ? { flat_fee: flatFee } : {}) };
  });
  return errors.length > before ? undefined : tiers;
}

/**
 * A decimal as JSON: a string (its rules are the pricer's), undefined when absent. `allowNumber` also
 * takes a JSON number (Dodo's SDK types `free_threshold` as a number): it becomes the shortest decimal
 * text of that number.
 */
function readDecimalText(value: unknown, field: string, errors: FieldError[], allowNumber = false, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) errors.push({ field, message: 'required: a decimal string' });
    return undefined;
  }
  if (typeof value === 'string') return value;
  if (allowNumber && typeof value === 'number' && Number.isFinite(value)) return String(value);
  errors.push({ field, message: allowNumber ? 'a decimal string, or a number' : 'a decimal string' });
  return undefined;
}
