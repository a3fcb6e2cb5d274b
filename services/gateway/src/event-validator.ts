import { isLosslessNumber } from 'lossless-json';
import {
  eventKey,
  isWellFormedText,
  MeterstreamError,
  meteredValue,
  NOT_WELL_FORMED,
  parseIsoTime,
  readDecimal,
  type ErrorCode,
  type FieldError,
  type MeterIndex,
  type MetadataValue,
  type UsageEvent,
} from '@meterstream/domain';

export interface IngestLimits {
  maxEventsPerRequest: number;
  /** Events older than this are rejected (ms). */
  maxEventAgeMs: number;
  /** Events further in the future than this are rejected (ms). */
  maxFutureSkewMs: number;
  maxMetadataKeys: number;
  maxMetadataKeyLength: number;
  maxMetadataValueLength: number;
  maxIdLength: number;
}

/** Dodo Payments' documented limits. */
export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxEventsPerRequest: 1000,
  maxEventAgeMs: 60 * 60 * 1000,
  maxFutureSkewMs: 5 * 60 * 1000,
  maxMetadataKeys: 50,
  maxMetadataKeyLength: 100,
  maxMetadataValueLength: 500,
  maxIdLength: 255,
};

/** A JSON object (not an array, not a number the exact parser kept as text). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !isLosslessNumber(v);

/**
 * Validates an ingest request body (parsed by json-body.ts in its exact form: numbers are
 * LosslessNumbers, or JavaScript numbers whose text is their exact value) and converts it to usage
 * events. Any bad event rejects the whole request, with the index and field of every problem found:
 * - ids, metadata keys and string values must be valid Unicode (no unpaired surrogate): they are
 *   refused, never altered, so two distinct ids can never become one;
 * - a JSON number in metadata becomes exact decimal text and must lie in the range of metered values
 *   (readDecimal, docs/numbers.md);
 * - a value that a current meter matching the event reads (sum, max, last) must be such a decimal too:
 *   the router would otherwise dead-letter it (the same meteredValue decides both).
 * An event is identified by (customer_id, event_id): the same pair twice refuses the request.
 */
export function validateIngestBody(
  body: unknown,
  now: number,
  limits: IngestLimits = DEFAULT_INGEST_LIMITS,
  meters?: Pick<MeterIndex, 'match'>,
  options: IngestOptions = {},
): UsageEvent[] {
  if (!isObject(body) || !Array.isArray(body.events)) {
    throw new MeterstreamError('VALIDATION_FAILED', 'body must be an object with an "events" array', [{ field: 'events', message: 'required array' }]);
  }
  const input = body.events;
  if (input.length < 1 || input.length > limits.maxEventsPerRequest) {
    throw new MeterstreamError('VALIDATION_FAILED', `events must hold 1 to ${limits.maxEventsPerRequest} events`, [
      { field: 'events', message: `got ${input.length} events` },
    ]);
  }
  const errors: FieldError[] = [];
  const tooOld: FieldError[] = [];
  const events: UsageEvent[] = [];
  const seen = new Map<string, number>();
  input.forEach((raw, index) => {
    const fail = (field: string, message: string) => errors.push({ index, field, message });
    if (!isObject(raw)) return fail('', 'must be an object');
    const problemsBefore = errors.length;
    for (const field of ['event_id', 'customer_id', 'event_name'] as const) {
      const problem = idProblem(raw[field], limits);
      if (problem !== undefined) fail(field, problem);
    }
    let timestamp = now;
    if (raw.timestamp !== undefined && raw.timestamp !== null) {
      const parsed = typeof raw.timestamp === 'string' ? parseIsoTime(raw.timestamp) : undefined;
      if (parsed === undefined) fail('timestamp', 'must be an ISO 8601 date-time with a zone, e.g. 2026-01-15T10:30:00Z');
      else if (parsed < now - limits.maxEventAgeMs) {
        fail('timestamp', `older than ${options.tooOld?.limit ?? `the maximum age of ${limits.maxEventAgeMs / 1000} s`}`);
        tooOld.push(errors[errors.length - 1]);
      }
      else if (parsed > now + limits.maxFutureSkewMs) fail('timestamp', `more than ${limits.maxFutureSkewMs / 1000} s in the future`);
      else timestamp = parsed;
    }
    const metadata = validateMetadata(raw.metadata, limits, fail);
    if (typeof raw.event_id === 'string' && typeof raw.customer_id === 'string') {
      const key = eventKey({ customer_id: raw.customer_id, event_id: raw.event_id });
      const first = seen.get(key);
      if (first !== undefined) {
        throw new MeterstreamError(
          'DUPLICATE_EVENT_ID_IN_BATCH',
          `event_id "${raw.event_id}" of customer "${raw.customer_id}" appears more than once in the request`,
          [{ index, field: 'event_id', message: `duplicate of events[${first}]` }],
        );
      }
      seen.set(key, index);
    }
    const event: UsageEvent = {
      event_id: raw.event_id as string,
      customer_id: raw.customer_id as string,
      event_name: raw.event_name as string,
      timestamp,
      metadata,
      ingested_at: now,
    };
    if (meters !== undefined && errors.length === problemsBefore) checkMeteredValues(event, meters, fail);
    events.push(event);
  });
  if (tooOld.length > 0 && options.tooOld !== undefined) {
    const which = tooOld.map((e) => `events[${e.index}]`).join(', ');
    throw new MeterstreamError(options.tooOld.code, `${tooOld.length} event(s) older than ${options.tooOld.limit} (${which}); nothing was ingested`, errors);
  }
  if (errors.length > 0) {
    throw new MeterstreamError('VALIDATION_FAILED', `${errors.length} problem(s) in the events; nothing was ingested`, errors);
  }
  return events;
}

export interface IngestOptions {
  /**
   * How a request holding an event older than limits.maxEventAgeMs is refused (POST /events/backfill:
   * EVENT_OLDER_THAN_BACKFILL_LIMIT): with this code, whatever else is wrong, its `errors` naming every
   * problem found, the old events among them; `limit` says what the limit is ("the backfill limit of 35
   * days"). Default: such an event is one more VALIDATION_FAILED problem.
   */
  tooOld?: { code: ErrorCode; limit: string };
}

/**
 * What is wrong with an id (event_id, customer_id, event_name, and the ids that follow the same rules:
 * correction_id, backfill_id), or undefined: a non-empty string of at most limits.maxIdLength characters,
 * valid Unicode.
 */
export function idProblem(value: unknown, limits: Pick<IngestLimits, 'maxIdLength'> = DEFAULT_INGEST_LIMITS): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'required non-empty string';
  if (value.length > limits.maxIdLength) return `at most ${limits.maxIdLength} characters`;
  if (!isWellFormedText(value)) return NOT_WELL_FORMED;
  return undefined;
}

/**
 * The metadata of an event (ingest, backfill, amend and its preview), by ingest's rules: at most maxMetadataKeys keys of
 * valid text; string values of valid text within maxMetadataValueLength; booleans; numbers (lossless:
 * LosslessNumber or an exact JavaScript number) as exact decimal text in the range of metered values.
 * Absent or null is {}. Every problem goes to `fail` with its field (metadata.<key>).
 */
export function validateMetadata(
  raw: unknown,
  limits: IngestLimits,
  fail: (field: string, message: string) => void,
): Record<string, MetadataValue> {
  const out: Record<string, MetadataValue> = {};
  if (raw === undefined || raw === null) return out;
  if (!isObject(raw)) {
    fail('metadata', 'must be an object of string, number or boolean values');
    return out;
  }
  const entries = Object.entries(raw);
  if (entries.length > limits.maxMetadataKeys) fail('metadata', `at most ${limits.maxMetadataKeys} keys, got ${entries.length}`);
  for (const [key, value] of entries) {
    const field = `metadata.${key}`;
    if (key.length === 0 || key.length > limits.maxMetadataKeyLength) fail(field, `keys must have 1 to ${limits.maxMetadataKeyLength} characters`);
    else if (!isWellFormedText(key)) fail(field, `the key ${NOT_WELL_FORMED}`);
    if (typeof value === 'string') {
      if (value.length > limits.maxMetadataValueLength) fail(field, `at most ${limits.maxMetadataValueLength} characters`);
      else if (!isWellFormedText(value)) fail(field, NOT_WELL_FORMED);
      out[key] = value;
    } else if (typeof value === 'boolean') {
      out[key] = value;
    } else if (isLosslessNumber(value) || typeof value === 'number') {
      // The number as written (LosslessNumber), or a JavaScript number whose text is its exact value.
      const reading = readDecimal(typeof value === 'number' ? String(value) : value.value);
      if (reading.ok) out[key] = { decimal: reading.text };
      else fail(field, `${reading.message}; send text that is not a quantity as a string`);
    } else {
      fail(field, 'must be a string, a number or a boolean (objects, arrays and null are refused)');
    }
  }
  return out;
}

/** A value that a matching sum, max or last meter reads must be a decimal in range (meteredValue: the router's rule). */
export function checkMeteredValues(event: UsageEvent, meters: Pick<MeterIndex, 'match'>, fail: (field: string, message: string) => void): void {
  const failed = new Set<string>();
  for (const meter of meters.match(event)) {
    const read = meteredValue(meter, event.metadata);
    // A missing key is the router's to dead-letter: a meter may be created after its events.
    if (read.ok || read.code === 'METER_KEY_MISSING') continue;
    const field = `metadata.${meter.aggregation.key}`;
    if (!failed.has(field)) fail(field, read.reason);
    failed.add(field);
  }
}
