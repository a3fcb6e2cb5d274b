import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Meter, Product } from '@meterstream/domain';
import { CatalogStore } from './catalog-store';
import { loadCatalogFile } from './file-catalog';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const DEMO = path.resolve(__dirname, '../../../../scripts/demo-catalog.json');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-catalog-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes a seed file and returns its path. */
const seedFile = (seed: Record<string, unknown[]>): string => {
  const file = path.join(dir, `catalog-${files++}.json`);
  fs.writeFileSync(file, JSON.stringify(seed));
  return file;
};

const meter = { id: 'mtr_calls', name: 'Calls', event_name: 'api_request', aggregation: { type: 'count' }, measurement_unit: 'calls' };
const customer = { customer_id: 'cus_1', name: 'Acme', email: 'billing@acme.test' };
const product = (meters: unknown[]) => ({
  product_id: 'prod_1',
  name: 'Pro',
  price: { type: 'usage_based_price', currency: 'USD', fixed_price: 100, payment_frequency_interval: 'Month', payment_frequency_count: 1, meters },
});
const subscription = { subscription_id: 'sub_1', customer_id: 'cus_1', product_id: 'prod_1', start: '2026-01-01T00:00:00Z' };

describe('loadCatalogFile', () => {
  it('loads the demo catalog through the API validation', () => {
    const seed = loadCatalogFile(DEMO, new CatalogStore(), NOW);
    expect(seed.meters.map((m) => m.id)).toEqual(['mtr_api_calls', 'mtr_tokens', 'mtr_active_users']);
    expect(seed.products.map((p) => p.product_id)).toEqual(['prod_pro']);
    expect(seed.products[0].price.meters[0]).toEqual({ meter_id: 'mtr_api_calls', price_per_unit: '0.5', free_threshold: '100' });
    expect(seed.customers).toEqual([{ customer_id: 'cus_acme', name: 'Acme Corp', email: 'billing@acme.test', phone_number: null, metadata: {}, created_at: new Date(NOW).toISOString() }]);
  });

  it('keeps the file ids and stores what the API would store', () => {
    const seed = loadCatalogFile(seedFile({ meters: [meter], customers: [customer], products: [product([{ meter_id: 'mtr_calls', price_per_unit: '0.5' }])], subscriptions: [subscription] }), new CatalogStore(), NOW);
    expect(seed.products[0].price.meters).toEqual([{ meter_id: 'mtr_calls', price_per_unit: '0.5', free_threshold: '0' }]);
    expect(seed.subscriptions).toEqual([
      expect.objectContaining({ subscription_id: 'sub_1', customer_id: 'cus_1', product_id: 'prod_1', start: '2026-01-01T00:00:00.000Z', status: 'active', ends_at: null }),
    ]);
  });

  it('refuses an invalid product, naming the file, the product and the field', () => {
    const tiers = [{ up_to: '10', price_per_unit: '1' }, { up_to: '5', price_per_unit: '1' }, { up_to: null, price_per_unit: '1' }];
    const file = seedFile({ meters: [meter], products: [product([{ meter_id: 'mtr_calls', model: 'graduated', tiers }])] });
    expect(() => loadCatalogFile(file, new CatalogStore(), NOW)).toThrow(
      `catalog file ${file}: products[0] (prod_1): price.meters[0].tiers[1].up_to tiers must be strictly ascending and positive, 5 <= 10`,
    );
    const unknownMeter = seedFile({ products: [product([{ meter_id: 'mtr_nope', price_per_unit: '1' }])] });
    expect(() => loadCatalogFile(unknownMeter, new CatalogStore(), NOW)).toThrow(`products[0] (prod_1): price.meters[0].meter_id meter mtr_nope does not exist`);
  });

  it('refuses an invalid subscription, naming every refused field', () => {
    const file = seedFile({
      meters: [meter],
      products: [product([])],
      subscriptions: [{ ...subscription, customer_id: 'cus_missing', start: '2026-03-10T12:00:01Z' }],
    });
    expect(() => loadCatalogFile(file, new CatalogStore(), NOW)).toThrow(
      `catalog file ${file}: subscriptions[0] (sub_1): customer_id customer cus_missing does not exist; start must not lie in the future`,
    );
  });

  it('refuses an object without a usable id', () => {
    const file = seedFile({ customers: [{ ...customer, customer_id: 'cus 1' }] });
    expect(() => loadCatalogFile(file, new CatalogStore(), NOW)).toThrow(`catalog file ${file}: customers[0].customer_id is invalid`);
  });

  it('resolves references to the live catalog and leaves the objects it holds alone', () => {
    const live = new CatalogStore();
    live.apply('meters', 'mtr_calls', { ...meter, aggregation: { type: 'count', key: null }, description: null, filter: null, archived: true } as Meter);
    live.apply('products', 'prod_1', product([{ meter_id: 'mtr_calls', price_per_unit: '1', free_threshold: '0' }]) as Product);
    // The live product prices a meter archived since: the file's copy of it is not checked again.
    const file = seedFile({ meters: [meter], products: [product([{ meter_id: 'mtr_calls', price_per_unit: '1' }])], customers: [customer], subscriptions: [subscription] });
    const seed = loadCatalogFile(file, live, NOW);
    expect(seed.meters).toEqual([]);
    expect(seed.products).toEqual([]);
    expect(seed.subscriptions.map((s) => s.product_id)).toEqual(['prod_1']);
  });
});
