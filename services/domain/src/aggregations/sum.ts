import { Decimal } from '../decimal';
import type { Aggregation } from './aggregation';

/** `sum`: the sum of the values. Partials merge by adding their sums. */
export const sum: Aggregation = {
  type: 'sum',
  first: (record) => record.value ?? new Decimal(0),
  fold: (state, record) => (record.value === undefined ? state.value : state.value.plus(record.value)),
  mergeSql: 'sum(value)',
  column: 'sum_value',
};
