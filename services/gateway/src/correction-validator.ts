import {
  backfillAcceptAgeMs,
  isWellFormedText,
  MeterstreamError,
  NOT_WELL_FORMED,
  type CorrectionKind,
  type FieldError,
  type MeterIndex,
  type MetadataValue,
  type UsageEvent,
} from '@meterstream/domain';
import { backfillIdOf } from './backfill-id';
import { idProblem, isObject, validateIngestBody, validateMetadata, type IngestLimits } from './event-validator';

/** The longest `reason` of a void or amend (as a metadata value). */
export const MAX_REASON_LENGTH = 500;

/**
 * A POST /events/backfill body, `{ events, backfill_id? }`: the events by ingest's rules
 * (validateIngestBody), except their age, which may reach the backfill limit (backfillAcceptAgeMs of
 * BACKFILL_MAX_AGE_DAYS); an older event refuses the request with 422 EVENT_OLDER_THAN_BACKFILL_LIMIT
 * naming it. `backfill_id` follows the rules of an event id; without it the batch's id is derived from
 * its events (backfillIdOf). The events come back carrying the batch id.
 */
export function validateBackfillBody(
  body: unknown,
  now: number,
  limits: IngestLimits,
  backfillMaxAgeMs: number,
  meters?: Pick<MeterIndex, 'match'>,
): { backfillId: string; events: UsageEvent[] } {
  if (isObject(body) && body.backfill_id !== undefined && body.backfill_id !== null) {
    const problem = idProblem(body.backfill_id, limits);
    if (problem !== undefined) throw new MeterstreamError('VALIDATION_FAILED', `backfill_id: ${problem}`, [{ field: 'backfill_id', message: problem }]);
  }
  const days = backfillMaxAgeMs / 86_400_000;
  const events = validateIngestBody(body, now, { ...limits, maxEventAgeMs: backfillAcceptAgeMs(backfillMaxAgeMs) }, meters, {
    tooOld: { code: 'EVENT_OLDER_THAN_BACKFILL_LIMIT', limit: `the backfill limit of ${days} days (BACKFILL_MAX_AGE_DAYS)` },
  });
  const raw = (body as { events: unknown[]; backfill_id?: unknown }).events;
  const given = (body as { backfill_id?: unknown }).backfill_id;
  const backfillId =
    typeof given === 'string' ? given : backfillIdOf(events.map((event, i) => ({ event, timestampGiven: (raw[i] as { timestamp?: unknown }).timestamp != null })));
  return { backfillId, events: events.map((event) => ({ ...event, backfill_id: backfillId })) };
}

/** A void or amend body, checked: who, which correction, why, and the new metadata (amend; {} for a void). */
export interface CorrectionBody {
  customer_id: string;
  correction_id: string;
  reason: string | null;
  metadata: Record<string, MetadataValue>;
}

const FIELDS: Record<CorrectionKind, readonly string[]> = {
  void: ['customer_id', 'correction_id', 'reason'],
  amend: ['customer_id', 'correction_id', 'metadata', 'reason'],
};

/**
 * The body of POST /events/{event_id}/void (`{ customer_id, correction_id, reason? }`) or /amend (the
 * same and `metadata`), parsed in its exact form: customer_id and correction_id follow the rules of an
 * event id (idProblem), as does the path's event id; reason is optional text of at most
 * MAX_REASON_LENGTH characters; an amend's metadata is required and read by ingest's rules
 * (validateMetadata: lossless numbers, limits; the values the matching meters read are checked once the
 * event is known, checkMeteredValues). A field the route does not take is refused. Every problem at once,
 * 422 VALIDATION_FAILED.
 */
export function validateCorrectionBody(kind: CorrectionKind, eventId: string, body: unknown, limits: IngestLimits): CorrectionBody {
  if (!isObject(body)) throw new MeterstreamError('VALIDATION_FAILED', 'body must be a JSON object', [{ field: '', message: 'must be a JSON object' }]);
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  const pathProblem = idProblem(eventId, limits);
  if (pathProblem !== undefined) fail('event_id', pathProblem);
  for (const field of Object.keys(body)) if (!FIELDS[kind].includes(field)) fail(field, `unknown field: a ${kind} takes ${FIELDS[kind].join(', ')}`);
  for (const field of ['customer_id', 'correction_id'] as const) {
    const problem = idProblem(body[field], limits);
    if (problem !== undefined) fail(field, problem);
  }
  let reason: string | null = null;
  if (body.reason !== undefined && body.reason !== null) {
    if (typeof body.reason !== 'string' || body.reason.length === 0) fail('reason', 'must be a non-empty string (or left out)');
    else if (body.reason.length > MAX_REASON_LENGTH) fail('reason', `at most ${MAX_REASON_LENGTH} characters`);
    else if (!isWellFormedText(body.reason)) fail('reason', NOT_WELL_FORMED);
    else reason = body.reason;
  }
  let metadata: Record<string, MetadataValue> = {};
  if (kind === 'amend') {
    if (body.metadata === undefined || body.metadata === null) fail('metadata', 'required: the event metadata after the amend (an object, {} for none)');
    else metadata = validateMetadata(body.metadata, limits, fail);
  }
  if (errors.length > 0) throw new MeterstreamError('VALIDATION_FAILED', `${errors.length} problem(s) in the ${kind}; nothing was corrected`, errors);
  return { customer_id: body.customer_id as string, correction_id: body.correction_id as string, reason, metadata };
}
