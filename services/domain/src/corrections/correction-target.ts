import { MeterstreamError } from '../errors';
import { tooOldToAccept } from './backfill-age';

/** An accepted event as the events table stores it, with its metadata as its latest amend left it. */
export interface StoredEvent {
  event_id: string;
  customer_id: string;
  event_name: string;
  /** Event time, epoch ms. */
  timestamp: number;
  /** The metadata now, JSON text as stored: the event's own, or its latest amend's. */
  metadata: string;
  /** True when an amend changed it. */
  amended: boolean;
}

/**
 * The event a void, an amend or a preview of one names, as the events table and the audit trail (and
 * the gateway's recent voids) know it: the customer's event and whether it is voided, or none, with or
 * without another customer's event of that id.
 */
export type CorrectionTarget =
  | ({ kind: 'found'; voided: boolean } & StoredEvent)
  /** The customer has no event of this id, another customer has. */
  | { kind: 'of-another-customer' }
  | { kind: 'none' };

/** What the refusal rule needs of a target (a CorrectionTarget, or the correction decision's CorrectedEvent). */
export type TargetState = { kind: 'found'; voided: boolean; timestamp: number } | { kind: 'of-another-customer' } | { kind: 'none' };

/**
 * Why a void or amend of event `eventId` of customer `customerId` is refused, or undefined when the
 * event can be corrected now. One rule for POST /events/{id}/void, /amend (decideOnEvent) and
 * /corrections/preview, checked in this order:
 * - 404 EVENT_NOT_FOUND: the customer has no such event (or it is not stored yet: retry shortly);
 * - 422 EVENT_OF_ANOTHER_CUSTOMER: only another customer's event has the id;
 * - 409 EVENT_VOIDED: it is voided;
 * - 422 EVENT_OLDER_THAN_BACKFILL_LIMIT: its time lies more than BACKFILL_MAX_AGE_DAYS before `now`,
 *   less the gateway's margin (tooOldToAccept: the router applies beyondBackfillLimit to the
 *   correction's Kafka record time, a little later than `now`, and must never refuse what the gateway
 *   accepted).
 */
export function correctionTargetRefusal(target: TargetState, customerId: string, eventId: string, now: number, backfillMaxAgeMs: number): MeterstreamError | undefined {
  const what = `event ${eventId} of customer ${customerId}`;
  if (target.kind === 'none') return new MeterstreamError('EVENT_NOT_FOUND', `${what} does not exist (an event accepted moments ago may not be stored yet: retry shortly)`);
  if (target.kind === 'of-another-customer') return new MeterstreamError('EVENT_OF_ANOTHER_CUSTOMER', `${what} does not exist: the id is another customer's event`);
  if (target.voided) return new MeterstreamError('EVENT_VOIDED', `${what} is voided: it can no longer be corrected`);
  if (tooOldToAccept(target.timestamp, now, backfillMaxAgeMs)) {
    return new MeterstreamError(
      'EVENT_OLDER_THAN_BACKFILL_LIMIT',
      `${what} has time ${new Date(target.timestamp).toISOString()}, older than the backfill limit of ${backfillMaxAgeMs / 86_400_000} days (BACKFILL_MAX_AGE_DAYS): it can no longer be corrected`,
    );
  }
  return undefined;
}
