import type { Product, Subscription } from '../model/catalog';
import { closeBatches } from './close-batches';
import type { DuePeriod } from './period-closing';

const product = { product_id: 'p' } as Product;
const period = { start: 0, end: 1 };
const due = (subscription_id: string, customer_id: string): DuePeriod => ({ subscription: { subscription_id, customer_id, product_id: 'p', start: '' } as Subscription, product, period });
const ids = (batches: DuePeriod[][]) => batches.map((b) => b.map((d) => `${d.subscription.customer_id}/${d.subscription.subscription_id}`));

describe('closeBatches', () => {
  it('reads customers in id order, at most `size` per batch, the last one partial', () => {
    const group = [due('s1', 'cus_9'), due('s2', 'cus_10'), due('s3', 'cus_1'), due('s4', 'cus_100'), due('s5', 'cus_2')];
    // Code-unit order, as ClickHouse orders the ASCII ids of its primary key: cus_1 < cus_10 < cus_100 < cus_2 < cus_9.
    expect(ids(closeBatches(group, 2))).toEqual([['cus_1/s3', 'cus_10/s2'], ['cus_100/s4', 'cus_2/s5'], ['cus_9/s1']]);
  });

  it("keeps a customer's subscriptions in their order and leaves the group as it was", () => {
    const group = [due('s1', 'b'), due('s2', 'a'), due('s3', 'b'), due('s4', 'a')];
    expect(ids(closeBatches(group, 10))).toEqual([['a/s2', 'a/s4', 'b/s1', 'b/s3']]);
    expect(group.map((d) => d.subscription.subscription_id)).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('covers every due period once', () => {
    const group = Array.from({ length: 4_999 }, (_, i) => due(`s${i}`, `cus_${(i * 7919) % 4_999}`));
    const batches = closeBatches(group, 2000);
    expect(batches.map((b) => b.length)).toEqual([2000, 2000, 999]);
    expect(new Set(batches.flat()).size).toBe(4_999);
    const customers = batches.flat().map((d) => d.subscription.customer_id);
    expect(customers).toEqual([...customers].sort());
  });

  it('makes no batch of an empty group and refuses a size below one', () => {
    expect(closeBatches([], 10)).toEqual([]);
    expect(() => closeBatches([due('s', 'c')], 0)).toThrow(RangeError);
  });
});
