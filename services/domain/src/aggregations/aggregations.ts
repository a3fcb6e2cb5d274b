import type { AggregationType } from '../model/meter';
import type { Aggregation } from './aggregation';
import { count } from './count';
import { last } from './last';
import { max } from './max';
import { sum } from './sum';
import { uniqueCount } from './unique-count';

export type { Aggregation, FoldInput, PartialState } from './aggregation';

/** Every aggregation's rule, by type: the one place that maps a meter's aggregation to its rule. */
export const AGGREGATIONS: Readonly<Record<AggregationType, Aggregation>> = {
  count,
  sum,
  max,
  last,
  unique_count: uniqueCount,
};

export function aggregationOf(type: AggregationType): Aggregation {
  return AGGREGATIONS[type];
}
