import { createHash } from 'node:crypto';
import { eventKey, isDecimalNumber, type UsageEvent } from '@meterstream/domain';

/**
 * The id of a backfill batch sent without `backfill_id`: `bf_` and the first 24 hex digits of the
 * SHA-256 of the batch's events, so that sending the same batch again gives the same id. An event is
 * read as the gateway accepted it: customer, id, name, time (null when the request left it out, so that
 * the gateway's clock does not change the id) and metadata (numbers as their exact decimal text, keys in
 * any order); the events are taken in (customer_id, event_id) order, so their order in the request does
 * not matter either.
 */
export function backfillIdOf(events: readonly { event: UsageEvent; timestampGiven: boolean }[]): string {
  const parts = events
    .map(({ event, timestampGiven }) => ({
      key: eventKey(event),
      text: JSON.stringify([event.customer_id, event.event_id, event.event_name, timestampGiven ? event.timestamp : null, sortedMetadata(event)]),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part.text).update('\n');
  return `bf_${hash.digest('hex').slice(0, 24)}`;
}

function sortedMetadata(event: UsageEvent): [string, unknown][] {
  return Object.keys(event.metadata)
    .sort()
    .map((key) => {
      const value = event.metadata[key];
      return [key, isDecimalNumber(value) ? { decimal: value.decimal } : typeof value === 'bigint' ? { decimal: value.toString() } : value];
    });
}
