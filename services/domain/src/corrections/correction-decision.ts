import { MeterstreamError } from '../errors';
import type { CorrectionKind, MetadataValue, UsageEvent } from '../model/usage-event';
import { auditMetadata, sameMetadataText, type AuditKind } from './correction-audit';
import { correctionTargetRefusal } from './correction-target';

/** A void or amend as the client asked for it (POST /events/{event_id}/void|amend), its body checked. */
export interface CorrectionRequest {
  customer_id: string;
  event_id: string;
  correction_id: string;
  kind: CorrectionKind;
  /** The new metadata (amend); {} for a void. */
  metadata: Record<string, MetadataValue>;
  reason: string | null;
  /** Id of the API key that asks. */
  requested_by: string | null;
}

/**
 * What is known of a correction id this customer used before: from this gateway's recent corrections,
 * or from the audit trail (a backfill batch id shows up there too, with kind `backfill`).
 */
export interface PriorCorrection {
  correction_id: string;
  kind: AuditKind;
  customer_id: string;
  event_id: string;
  event_name: string;
  /** Event time, epoch ms. */
  timestamp: number;
  /** The audit metadata (auditMetadata): '' for a void. */
  metadata: string;
  reason: string | null;
  /** Epoch ms. */
  requested_at: number;
}

/** The event a correction names, as the events table (and this gateway's recent voids) know it. */
export type CorrectedEvent =
  | { kind: 'found'; event_name: string; timestamp: number; voided: boolean }
  /** No event of this customer has the id, but another customer's has. */
  | { kind: 'of-another-customer' }
  | { kind: 'none' };

/** The answer to an accepted correction, the same for every identical re-send. */
export interface CorrectionAnswer {
  correction_id: string;
  kind: CorrectionKind;
  event_id: string;
  customer_id: string;
  event_name: string;
  timestamp: string;
  requested_at: string;
  status: 'accepted';
}

export type CorrectionDecision =
  /** An identical re-send of an accepted correction: answer as before, produce nothing. */
  | { kind: 'repeat'; answer: CorrectionAnswer }
  | { kind: 'refuse'; error: MeterstreamError }
  /** Produce `record` to `events` (key: the customer id), then answer `answer`. */
  | { kind: 'accept'; record: UsageEvent; prior: PriorCorrection; answer: CorrectionAnswer };

/**
 * The decision on a correction whose id this customer used before: the same correction (same event,
 * kind, metadata and reason) is a repeat, anything else a CORRECTION_ID_CONFLICT (a backfill batch id
 * included: correction ids and batch ids share the audit trail).
 */
export function decideOnPrior(request: CorrectionRequest, prior: PriorCorrection): CorrectionDecision {
  const { kind } = prior;
  if (kind === 'backfill') return conflict(request, ['it names a backfill batch']);
  const differences: string[] = [];
  if (prior.event_id !== request.event_id) differences.push(`it corrected event ${prior.event_id}`);
  if (kind !== request.kind) differences.push(`it was ${kind === 'amend' ? 'an amend' : 'a void'}`);
  else if (!sameMetadataText(prior.metadata, auditMetadata(request.kind, request.metadata))) differences.push('it set other metadata');
  if ((prior.reason ?? '') !== (request.reason ?? '')) differences.push('it gave another reason');
  if (differences.length > 0) return conflict(request, differences);
  return { kind: 'repeat', answer: answerOf({ ...prior, kind }) };
}

function conflict(request: CorrectionRequest, differences: string[]): CorrectionDecision {
  return {
    kind: 'refuse',
    error: new MeterstreamError('CORRECTION_ID_CONFLICT', `correction id ${request.correction_id} was used before by customer ${request.customer_id} for another correction: ${differences.join(', ')}`, [
      { field: 'correction_id', message: 'already used for a different correction: choose a new id' },
    ]),
  };
}

/**
 * The decision on a new correction of `event`: refused as correctionTargetRefusal says (the rule POST
 * /corrections/preview applies too: 404 EVENT_NOT_FOUND, or 422 EVENT_OF_ANOTHER_CUSTOMER when only
 * another customer's event has the id, 409 EVENT_VOIDED, 422 EVENT_OLDER_THAN_BACKFILL_LIMIT by
 * tooOldToAccept); else the correction record: the event's id, customer, name and time with the new
 * metadata (amend) or none (void), accepted `now`.
 */
export function decideOnEvent(request: CorrectionRequest, event: CorrectedEvent, now: number, backfillMaxAgeMs: number): CorrectionDecision {
  const refusal = correctionTargetRefusal(event, request.customer_id, request.event_id, now, backfillMaxAgeMs);
  if (refusal !== undefined) return { kind: 'refuse', error: refusal };
  if (event.kind !== 'found') throw new Error('unreachable: correctionTargetRefusal refuses an event that is not found');
  const metadata = request.kind === 'amend' ? request.metadata : {};
  const record: UsageEvent = {
    event_id: request.event_id,
    customer_id: request.customer_id,
    event_name: event.event_name,
    timestamp: event.timestamp,
    metadata,
    ingested_at: now,
    backfill_id: null,
    correction: { correction_id: request.correction_id, kind: request.kind, requested_by: request.requested_by, reason: request.reason },
  };
  const prior: PriorCorrection = {
    correction_id: request.correction_id,
    kind: request.kind,
    customer_id: request.customer_id,
    event_id: request.event_id,
    event_name: event.event_name,
    timestamp: event.timestamp,
    metadata: auditMetadata(request.kind, metadata),
    reason: request.reason,
    requested_at: now,
  };
  return { kind: 'accept', record, prior, answer: answerOf({ ...prior, kind: request.kind }) };
}

function answerOf(prior: PriorCorrection & { kind: CorrectionKind }): CorrectionAnswer {
  return {
    correction_id: prior.correction_id,
    kind: prior.kind,
    event_id: prior.event_id,
    customer_id: prior.customer_id,
    event_name: prior.event_name,
    timestamp: new Date(prior.timestamp).toISOString(),
    requested_at: new Date(prior.requested_at).toISOString(),
    status: 'accepted',
  };
}
