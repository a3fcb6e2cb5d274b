import { appliedCorrectionsQuery, countedRecordsQuery, type Warehouse } from '@meterstream/common';
import type { AppliedCorrection, StoredRecord } from './record-changes';
import type { StoredChanges } from './usage-sink';

/** The usage sink's repeat checks (countedRecordsQuery, appliedCorrectionsQuery) on a warehouse. */
export function storedChanges(warehouse: Warehouse): StoredChanges {
  return {
    counted: (records) => {
      const { query, params } = countedRecordsQuery(records.map((r) => r.meter_id), records.map((r) => r.customer_id), records.map((r) => r.event_id));
      return warehouse.query<StoredRecord>(query, params);
    },
    applied: (records) => {
      const { query, params } = appliedCorrectionsQuery(records.map((r) => r.meter_id), records.map((r) => r.customer_id), records.map((r) => r.correction_id ?? ''));
      return warehouse.query<AppliedCorrection>(query, params);
    },
  };
}
