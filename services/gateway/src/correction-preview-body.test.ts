import { MeterstreamError } from '@meterstream/domain';
import { validateCorrectionPreviewBody } from './correction-preview-body';
import { DEFAULT_INGEST_LIMITS } from './event-validator';
import { parseJsonBody } from './json-body';

function refusal(body: unknown): MeterstreamError {
  try {
    validateCorrectionPreviewBody(body, DEFAULT_INGEST_LIMITS);
  } catch (error) {
    expect(error).toBeInstanceOf(MeterstreamError);
    return error as MeterstreamError;
  }
  throw new Error('expected the body to be refused');
}
const fields = (error: MeterstreamError) => error.errors.map((e) => e.field).sort();

describe('validateCorrectionPreviewBody', () => {
  it('takes a void without metadata', () => {
    expect(validateCorrectionPreviewBody({ customer_id: 'c', event_id: 'e', kind: 'void' }, DEFAULT_INGEST_LIMITS)).toEqual({ customer_id: 'c', event_id: 'e', kind: 'void', metadata: {} });
    expect(validateCorrectionPreviewBody({ customer_id: 'c', event_id: 'e', kind: 'void', metadata: null }, DEFAULT_INGEST_LIMITS).metadata).toEqual({});
  });

  it("reads an amend's metadata without loss, as ingest does (the exact body form)", () => {
    const body = parseJsonBody('{"customer_id":"c","event_id":"e","kind":"amend","metadata":{"tokens":12345678901234567890.123456789012,"ok":true,"tier":"gold","n":1e3}}', 'exact');
    expect(validateCorrectionPreviewBody(body, DEFAULT_INGEST_LIMITS).metadata).toEqual({
      tokens: { decimal: '12345678901234567890.123456789012' },
      ok: true,
      tier: 'gold',
      n: { decimal: '1000' },
    });
  });

  it('names every problem at once: ids, kind, unknown fields', () => {
    const error = refusal({ customer_id: '', event_id: 'x'.repeat(256), kind: 'delete', correction_id: 'c1' });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(fields(error)).toEqual(['correction_id', 'customer_id', 'event_id', 'kind']);
  });

  it('requires metadata for an amend and refuses it for a void', () => {
    expect(fields(refusal({ customer_id: 'c', event_id: 'e', kind: 'amend' }))).toEqual(['metadata']);
    expect(fields(refusal({ customer_id: 'c', event_id: 'e', kind: 'void', metadata: {} }))).toEqual(['metadata']);
  });

  it("refuses metadata ingest refuses, by field: nested values, numbers out of range", () => {
    const body = parseJsonBody('{"customer_id":"c","event_id":"e","kind":"amend","metadata":{"deep":{"a":1},"huge":1e40}}', 'exact');
    expect(fields(refusal(body))).toEqual(['metadata.deep', 'metadata.huge']);
  });

  it('refuses a body that is not an object, and text that is not valid Unicode', () => {
    expect(refusal([1]).errors).toEqual([{ field: '', message: 'must be a JSON object' }]);
    expect(fields(refusal({ customer_id: 'c\uD800', event_id: 'e', kind: 'void' }))).toEqual(['customer_id']);
  });
});
