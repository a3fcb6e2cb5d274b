import { Decimal } from '../decimal';
import type { Aggregation } from './aggregation';

/**
 * `unique_count`: the number of distinct values of the meter's key. A partial keeps the set of keys it
 * saw (`uniqueKeys`, its value stays 0); partials merge by counting the distinct keys of their union
 * exactly, so a month's total is the month's distinct count, not a sum of per-window counts.
 */
export const uniqueCount: Aggregation = {
  type: 'unique_count',
  first: () => new Decimal(0),
  fold: () => new Decimal(0),
  mergeSql: 'uniqExactArray(unique_keys)',
  column: 'unique_count',
};
