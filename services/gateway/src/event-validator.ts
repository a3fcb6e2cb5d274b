import { Decimal, MeterstreamError, parseIsoTime, type FieldError, type MetadataValue, type UsageEvent } from '@meterstream/domain';

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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates an ingest request body and converts it to usage events. Any bad event rejects the whole
 * request, with the index and field of every problem found. JSON numbers in metadata become exact
 * decimal text.
 */
export function validateIngestBody(body: unknown, now: number, limits: IngestLimits = DEFAULT_INGEST_LIMITS): UsageEvent[] {
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
  const events: UsageEvent[] = [];
  const seen = new Map<string, number>();
  input.forEach((raw, index) => {
    const fail = (field: string, message: string) => errors.push({ index, field, message });
    if (!isObject(raw)) return fail('', 'must be an object');
    for (const field of ['event_id', 'customer_id', 'event_name'] as const) {
      const value = raw[field];
      if (typeof value !== 'string' || value.length === 0) fail(field, 'required non-empty string');
      else if (value.length > limits.maxIdLength) fail(field, `at most ${limits.maxIdLength} characters`);
    }
    let timestamp = now;
    if (raw.timestamp !== undefined && raw.timestamp !== null) {
      const parsed = typeof raw.timestamp === 'string' ? parseIsoTime(raw.timestamp) : undefined;
      if (parsed === undefined) fail('timestamp', 'must be an ISO 8601 date-time with a zone, e.g. 2026-01-15T10:30:00Z');
      else if (parsed < now - limits.maxEventAgeMs) fail('timestamp', `older than the maximum age of ${limits.maxEventAgeMs / 1000} s`);
      else if (parsed > now + limits.maxFutureSkewMs) fail('timestamp', `more than ${limits.maxFutureSkewMs / 1000} s in the future`);
      else timestamp = parsed;
    }
    const metadata = validateMetadata(raw.metadata, limits, fail);
    if (typeof raw.event_id === 'string') {
      const first = seen.get(raw.event_id);
      if (first !== undefined) {
        throw new MeterstreamError('DUPLICATE_EVENT_ID_IN_BATCH', `event_id "${raw.event_id}" appears more than once in the request`, [
          { index, field: 'event_id', message: `duplicate of events[${first}]` },
        ]);
      }
      seen.set(raw.event_id, index);
    }
    events.push({
      event_id: raw.event_id as string,
      customer_id: raw.customer_id as string,
      event_name: raw.event_name as string,
      timestamp,
      metadata,
      ingested_at: now,
    });
  });
  if (errors.length > 0) {
    throw new MeterstreamError('VALIDATION_FAILED', `${errors.length} problem(s) in the events; nothing was ingested`, errors);
  }
  return events;
}

function validateMetadata(
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
    if (key.length === 0 || key.length > limits.maxMetadataKeyLength) fail(`metadata.${key}`, `keys must have 1 to ${limits.maxMetadataKeyLength} characters`);
    if (typeof value === 'string') {
      if (value.length > limits.maxMetadataValueLength) fail(`metadata.${key}`, `at most ${limits.maxMetadataValueLength} characters`);
      out[key] = value;
    } else if (typeof value === 'boolean') {
      out[key] = value;
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      // A safe integer prints exactly; other numbers may print with an exponent, which Decimal expands.
      out[key] = { decimal: Number.isSafeInteger(value) ? String(value) : new Decimal(value).toFixed() };
    } else {
      fail(`metadata.${key}`, 'must be a string, a finite number or a boolean (objects and arrays are refused)');
    }
  }
  return out;
}
