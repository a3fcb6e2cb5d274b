import { Decimal } from '../decimal';
import type { Aggregation } from './aggregation';

/** `max`: the greatest value. Partials merge by taking the greatest of their maxima. */
export const max: Aggregation = {
  type: 'max',
  first: (record) => record.value ?? new Decimal(0),
  fold: (state, record) => (record.value !== undefined && record.value.gt(state.value) ? record.value : state.value),
  mergeSql: 'max(value)',
  column: 'max_value',
};
