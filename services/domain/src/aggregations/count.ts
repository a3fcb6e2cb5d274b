import { Decimal } from '../decimal';
import type { Aggregation } from './aggregation';

/** `count`: the number of records; values are ignored. Partials merge by adding their counts. */
export const count: Aggregation = {
  type: 'count',
  first: () => new Decimal(1),
  fold: (state) => new Decimal(state.recordCount + 1),
  mergeSql: 'sum(record_count)',
  column: 'records',
};
