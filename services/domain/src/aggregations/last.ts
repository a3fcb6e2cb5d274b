import { Decimal } from '../decimal';
import type { Aggregation } from './aggregation';

/**
 * `last`: the value of the latest record in event time; ties on the timestamp go to the greater event
 * id, so the result does not depend on arrival order. Partials merge by taking the value of the partial
 * whose latest (timestamp, event id) is greatest.
 */
export const last: Aggregation = {
  type: 'last',
  first: (record) => record.value ?? new Decimal(0),
  fold: (state, record, later) => (later && record.value !== undefined ? record.value : state.value),
  mergeSql: 'argMax(value, (last_timestamp, last_event_id))',
  column: 'last_value',
};
