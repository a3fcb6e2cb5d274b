import fs from 'node:fs';
import {
  validateCustomerInput,
  validateMeterInput,
  validateProductInput,
  validateSubscriptionInput,
  type CatalogKind,
  type CatalogObjects,
  type CatalogSeed,
  type CatalogView,
  type Checked,
  type Meter,
} from '@meterstream/domain';
import type { CatalogLog } from './catalog-log';
import { CatalogStore } from './catalog-store';

const SEED_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The seed's object kinds, in the order they may refer to each other, with the field holding each id. */
const SEED_KINDS = [
  ['meters', 'id'],
  ['customers', 'customer_id'],
  ['products', 'product_id'],
  ['subscriptions', 'subscription_id'],
] as const satisfies readonly (readonly [keyof CatalogSeed, string])[];

/**
 * Reads a catalog seed file (meters, products, customers, subscriptions) and checks every object with
 * the HTTP API's own validation, as if it were created through the API with the file's id: products
 * may price meters of the file or of the `live` catalog, subscriptions name customers and products of
 * either. Objects the live catalog already holds are neither checked nor returned: seeding leaves them
 * alone. Throws naming the file, the object and each refused field.
 */
export function loadCatalogFile(file: string, live: CatalogView = new CatalogStore(), now = Date.now()): CatalogSeed {
  let raw: Partial<Record<keyof CatalogSeed, unknown[]>>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`catalog file ${file}: ${(err as Error).message}`);
  }
  const iso = new Date(now).toISOString();
  const checkers: { [K in keyof CatalogSeed]: (input: unknown, id: string, view: CatalogView) => Checked<CatalogObjects[K]> } = {
    meters: (input, id) => {
      const checked = validateMeterInput(input, id, iso);
      return checked.ok ? { ok: true, value: checked.meter } : checked;
    },
    customers: (input, id) => validateCustomerInput(input, id, iso),
    products: (input, id, view) => validateProductInput(input, id, iso, view),
    subscriptions: (input, id, view) => validateSubscriptionInput(input, id, now, view),
  };

  const seeded = new CatalogStore();
  const view: CatalogView = {
    get: (kind, id) => live.get(kind, id) ?? seeded.get(kind, id),
    list: (kind) => [...live.list(kind), ...seeded.list(kind)],
    onChange: () => () => undefined,
  };
  const seed: CatalogSeed = { meters: [], products: [], customers: [], subscriptions: [] };
  for (const [kind, idField] of SEED_KINDS) {
    const inputs = raw[kind] ?? [];
    if (!Array.isArray(inputs)) throw new Error(`catalog file ${file}: ${kind} must be an array`);
    inputs.forEach((input, i) => {
      const id = (input as Record<string, unknown> | null)?.[idField];
      if (typeof id !== 'string' || !SEED_ID.test(id)) throw new Error(`catalog file ${file}: ${kind}[${i}].${idField} is invalid`);
      if (live.get(kind as CatalogKind, id)) return;
      const checked = checkers[kind](input, id, view);
      if (!checked.ok) {
        throw new Error(`catalog file ${file}: ${kind}[${i}] (${id}): ${checked.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
      }
      seeded.apply(kind, id, checked.value);
      (seed[kind] as CatalogObjects[typeof kind][]).push(checked.value);
    });
  }
  return seed;
}

/**
 * Writes the seed's objects that the catalog does not hold yet; existing objects are left alone. The
 * seed was checked by loadCatalogFile, references included.
 */
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
    if (!log.store.get('subscriptions', subscription.subscription_id)) {
      await log.put('subscriptions', subscription.subscription_id, subscription);
      written++;
    }
  }
  return written;
}
