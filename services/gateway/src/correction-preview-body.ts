import { CORRECTION_KINDS, isWellFormedText, MeterstreamError, NOT_WELL_FORMED, type CorrectionKind, type FieldError, type MetadataValue } from '@meterstream/domain';
import { isObject, validateMetadata, type IngestLimits } from './event-validator';

/** A POST /corrections/preview body, checked. */
export interface CorrectionPreviewRequest {
  customer_id: string;
  event_id: string;
  kind: CorrectionKind;
  /** The metadata after the amend; {} for a void. */
  metadata: Record<string, MetadataValue>;
}

const FIELDS = ['customer_id', 'event_id', 'kind', 'metadata'];

/**
 * The body of POST /corrections/preview, `{ customer_id, event_id, kind: void | amend, metadata? }`,
 * parsed in its exact form (every number keeps its digits): customer_id and event_id by the rules of
 * an ingested event's ids; `metadata` required for an amend and read by ingest's rules
 * (validateMetadata: lossless numbers as exact decimal text, the same limits), refused for a void; no
 * other field. Every problem at once, 422 VALIDATION_FAILED.
 */
export function validateCorrectionPreviewBody(body: unknown, limits: IngestLimits): CorrectionPreviewRequest {
  if (!isObject(body)) throw new MeterstreamError('VALIDATION_FAILED', 'body must be a JSON object', [{ field: '', message: 'must be a JSON object' }]);
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  for (const field of Object.keys(body)) if (!FIELDS.includes(field)) fail(field, `unknown field: a preview takes ${FIELDS.join(', ')}`);
  for (const field of ['customer_id', 'event_id'] as const) {
    const value = body[field];
    if (typeof value !== 'string' || value.length === 0) fail(field, 'required non-empty string');
    else if (value.length > limits.maxIdLength) fail(field, `at most ${limits.maxIdLength} characters`);
    else if (!isWellFormedText(value)) fail(field, NOT_WELL_FORMED);
  }
  const kind = body.kind;
  const known = typeof kind === 'string' && (CORRECTION_KINDS as readonly string[]).includes(kind);
  if (!known) fail('kind', `required: one of ${CORRECTION_KINDS.join(', ')}`);
  let metadata: Record<string, MetadataValue> = {};
  const given = body.metadata !== undefined && body.metadata !== null;
  if (kind === 'amend') {
    if (!given) fail('metadata', 'required for an amend: the event metadata after it (an object, {} for none)');
    else metadata = validateMetadata(body.metadata, limits, fail);
  } else if (kind === 'void' && given) {
    fail('metadata', 'a void takes no metadata');
  }
  if (errors.length > 0) throw new MeterstreamError('VALIDATION_FAILED', `${errors.length} problem(s) in the preview request`, errors);
  return { customer_id: body.customer_id as string, event_id: body.event_id as string, kind: kind as CorrectionKind, metadata };
}
