import { auditMetadata, auditSteps, eventState, sameMetadataText, storedMetadata, type AuditRow } from './correction-audit';

const row = (correction_id: string, kind: AuditRow['kind'], metadata: string, source_offset: string): AuditRow => ({
  correction_id,
  kind,
  metadata,
  requested_by: 'key_1',
  reason: '',
  requested_at: '2026-01-15T12:00:00.000Z',
  source_offset,
});

describe('stored metadata', () => {
  it('keeps numbers as JSON numbers only when JavaScript reads them back exactly', () => {
    const text = storedMetadata({ a: { decimal: '1.5' }, b: { decimal: '12345678901234567890.25' }, c: 'x', d: true, e: 7n });
    expect(text).toBe('{"a":1.5,"b":"12345678901234567890.25","c":"x","d":true,"e":7}');
    expect(auditMetadata('amend', { a: 'x' })).toBe('{"a":"x"}');
    expect(auditMetadata('backfill', { a: 'x' })).toBe('{"a":"x"}');
    expect(auditMetadata('void', { a: 'x' })).toBe('');
  });

  it('compares metadata texts whatever the order of their keys, and tells values and types apart', () => {
    expect(sameMetadataText('{"a":1,"b":"x"}', '{"b":"x","a":1}')).toBe(true);
    expect(sameMetadataText('{"a":1}', '{"a":"1"}')).toBe(false);
    expect(sameMetadataText('{"a":1}', '{"a":1,"b":2}')).toBe(false);
    expect(sameMetadataText('', '')).toBe(true);
    expect(sameMetadataText('', '{}')).toBe(false);
  });
});

describe('an event history', () => {
  it('gives each row the metadata before (the previous row, else the original) and after it (null for a void)', () => {
    const steps = auditSteps('{"n":1}', [row('cor_1', 'amend', '{"n":2}', '5'), row('cor_2', 'amend', '{"n":3}', '9'), row('cor_3', 'void', '', '12')]);
    expect(steps.map((s) => [s.row.correction_id, s.before, s.after])).toEqual([
      ['cor_1', '{"n":1}', '{"n":2}'],
      ['cor_2', '{"n":2}', '{"n":3}'],
      ['cor_3', '{"n":3}', null],
    ]);
  });

  it('has no before for a backfill row, and the event not stored has none for its first correction', () => {
    expect(auditSteps('{"n":1}', [row('bf_1', 'backfill', '{"n":1}', '3'), row('cor_1', 'amend', '{"n":4}', '8')]).map((s) => [s.before, s.after])).toEqual([
      [null, '{"n":1}'],
      ['{"n":1}', '{"n":4}'],
    ]);
    expect(auditSteps(null, [row('cor_1', 'void', '', '8')]).map((s) => [s.before, s.after])).toEqual([[null, null]]);
  });

  it('is active with its original metadata without corrections, the latest amend after amends, voided after a void', () => {
    expect(eventState('{"n":1}', [])).toEqual({ status: 'active', metadata: '{"n":1}', history: [] });
    expect(eventState('{"n":1}', [row('bf_1', 'backfill', '{"n":1}', '1'), row('cor_1', 'amend', '{"n":2}', '2'), row('cor_2', 'amend', '{"n":5}', '3')])).toMatchObject({
      status: 'active',
      metadata: '{"n":5}',
    });
    const voided = eventState('{"n":1}', [row('cor_1', 'amend', '{"n":2}', '2'), row('cor_2', 'void', '', '3')]);
    expect([voided.status, voided.metadata, voided.history.length]).toEqual(['voided', '{"n":2}', 2]);
    // The latest correction decides: an amend routed after a void (two gateways racing) revives it.
    expect(eventState('{"n":1}', [row('cor_2', 'void', '', '3'), row('cor_3', 'amend', '{"n":7}', '4')])).toMatchObject({ status: 'active', metadata: '{"n":7}' });
  });
});
