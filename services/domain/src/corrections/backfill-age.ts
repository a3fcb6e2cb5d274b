import { beyondBackfillLimit } from '../routing/route-decision';

/**
 * How much younger than BACKFILL_MAX_AGE_DAYS an event must be for the gateway to accept it (a
 * backfilled event, or the event a void or amend corrects). The router and the raw event sink measure
 * the limit from the Kafka record time, which is later than the gateway's clock by the time the
 * record takes to be produced (at most the producer's retries, seconds): with this margin an event the
 * gateway accepted is never dead-lettered as too old afterwards (docs/corrections.md).
 */
export const BACKFILL_ACCEPT_MARGIN_MS = 60_000;

/** The age limit of the gateway in ms, for a validator that takes a maximum age (IngestLimits.maxEventAgeMs). */
export function backfillAcceptAgeMs(backfillMaxAgeMs: number): number {
  return backfillMaxAgeMs - BACKFILL_ACCEPT_MARGIN_MS;
}

/** True when the gateway refuses an event of this time as older than the backfill limit (same rule as backfillAcceptAgeMs). */
export function tooOldToAccept(eventTime: number, now: number, backfillMaxAgeMs: number): boolean {
  return beyondBackfillLimit(eventTime, now + BACKFILL_ACCEPT_MARGIN_MS, backfillMaxAgeMs);
}
