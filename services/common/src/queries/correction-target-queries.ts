import { CORRECTION_KINDS } from '@meterstream/domain';
import type { BuiltQuery } from './usage-queries';

/**
 * The latest void or amend of one event (customer_id, event_id) in the audit trail (event_corrections,
 * written by the raw event sink): at most one row `{ kind, metadata }`. An event's records, and all its
 * corrections, lie in one partition of `events` (keyed by customer), so the greatest source offset is
 * the latest.
 */
export function latestCorrectionQuery(customerId: string, eventId: string): BuiltQuery {
  return {
    query: `SELECT kind, metadata FROM event_corrections FINAL
WHERE customer_id = {customer_id:String} AND event_id = {event_id:String} AND kind IN {kinds:Array(String)}
ORDER BY source_offset DESC LIMIT 1`,
    params: { customer_id: customerId, event_id: eventId, kinds: [...CORRECTION_KINDS] },
  };
}
