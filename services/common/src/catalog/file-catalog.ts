import fs from 'node:fs';
import type { CatalogSeed } from '@meterstream/domain';
import type { Meter } from '@meterstream/domain';
import type { CatalogLog } from './catalog-log';
import { validateMeterInput } from '@meterstream/domain';

/**
 * Reads a catalog seed file (meters, products, customers, subscriptions) and checks it. Meters follow
 * the meters API's rules; products may only price meters of the file or of the live catalog.
 */
export function loadCatalogFile(file: string): CatalogSeed {
  let raw: Partial<Record<keyof CatalogSeed, unknown[]>>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`catalog file ${file}: ${(err as Error).message}`);
  }
  const now = new Date().toISOString();
  const meters: Meter[] = (raw.meters ?? []).map((input, i) => {
    const id = (input as { id?: unknown }).id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw new Error(`catalog file ${file}: meters[${i}].id is invalid`);
    const checked = validateMeterInput(input, id, now);
    if (!checked.ok) {
      throw new Error(`catalog file ${file}: meters[${i}] (${id}): ${checked.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
    }
    return checked.meter;
  });
  return {
    meters,
    products: (raw.products ?? []) as CatalogSeed['products'],
    customers: (raw.customers ?? []) as CatalogSeed['customers'],
    subscriptions: (raw.subscriptions ?? []) as CatalogSeed['subscriptions'],
  };
}

/** Writes the seed's objects that the catalog does not hold yet; existing objects are left alone. */
export async function seedCatalog(log: CatalogLog, seed: CatalogSeed, provisionMeter: (meter: Meter) => Promise<void>): Promise<number> {
  let written = 0;
  for (const meter of seed.meters) {
    if (!log.store.get('meters', meter.id)) {
      await provisionMeter(meter);
      await log.put('meters', meter.id, meter);
      written++;
    }
  }
  for (const product of seed.products) {
    for (const price of product.price.meters) {
      if (!log.store.get('meters', price.meter_id)) throw new Error(`product ${product.product_id} prices unknown meter ${price.meter_id}`);
    }
    if (!log.store.get('products', product.product_id)) {
      await log.put('products', product.product_id, product);
      written++;
    }
  }
  for (const customer of seed.customers) {
    if (!log.store.get('customers', customer.customer_id)) {
      await log.put('customers', customer.customer_id, customer);
      written++;
    }
  }
  for (const subscription of seed.subscriptions) {
    if (!log.store.get('products', subscription.product_id)) {
      throw new Error(`subscription ${subscription.subscription_id} names unknown product ${subscription.product_id}`);
    }
    if (!log.store.get('subscriptions', subscription.subscription_id)) {
      await log.put('subscriptions', subscription.subscription_id, subscription);
      written++;
    }
  }
  return written;
}
