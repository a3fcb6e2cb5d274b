import fs from 'node:fs';
import { AGGREGATION_TYPES, type Meter } from '../domain/meter';
import type { Catalog } from '../domain/catalog';

/** Reads the catalog (meters, products, customers, subscriptions) from a JSON file and checks it. */
export function loadCatalogFile(file: string): Catalog {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`catalog file ${file}: ${(err as Error).message}`);
  }
  const catalog = raw as Partial<Catalog>;
  const result: Catalog = {
    meters: (catalog.meters ?? []).map((m) => ({ ...m, archived: m.archived ?? false })),
    products: catalog.products ?? [],
    customers: catalog.customers ?? [],
    subscriptions: catalog.subscriptions ?? [],
  };
  for (const meter of result.meters) checkMeter(meter, file);
  const meterIds = new Set(result.meters.map((m) => m.id));
  for (const product of result.products) {
    for (const price of product.price.meters) {
      if (!meterIds.has(price.meter_id)) {
        throw new Error(`catalog file ${file}: product ${product.product_id} prices unknown meter ${price.meter_id}`);
      }
    }
  }
  const productIds = new Set(result.products.map((p) => p.product_id));
  for (const sub of result.subscriptions) {
    if (!productIds.has(sub.product_id)) {
      throw new Error(`catalog file ${file}: subscription ${sub.subscription_id} names unknown product ${sub.product_id}`);
    }
  }
  return result;
}

function checkMeter(meter: Meter, file: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(meter.id ?? '')) throw new Error(`catalog file ${file}: meter id "${meter.id}" is invalid`);
  if (!AGGREGATION_TYPES.includes(meter.aggregation?.type)) {
    throw new Error(`catalog file ${file}: meter ${meter.id} has unknown aggregation "${meter.aggregation?.type}"`);
  }
  if (meter.aggregation.type !== 'count' && !meter.aggregation.key) {
    throw new Error(`catalog file ${file}: meter ${meter.id} needs aggregation.key for ${meter.aggregation.type}`);
  }
}
