import type { MeterRecord } from '@meterstream/domain';
import { backfillRepeats, lastVersions, type BufferedRecord } from './record-changes';

const rec = (event_id: string, change: MeterRecord['change'] = null, value: string | null = '1', timestamp = 1000): MeterRecord => ({
  meter_id: 'm',
  event_id,
  customer_id: 'c',
  timestamp,
  value,
  unique_key: null,
  change,
  correction_id: null,
});
const at = (offset: number, record: MeterRecord): BufferedRecord => ({ record, offset: String(offset) });
const stored = (event_id: string, first_offset: number, source_partition = 0) => ({ meter_id: 'm', customer_id: 'c', event_id, source_partition, first_offset: String(first_offset) });

describe('backfillRepeats', () => {
  it('keeps a backfill the meter never stored', () => {
    expect(backfillRepeats(0, [at(5, rec('e1', 'backfill'))], []).size).toBe(0);
  });

  it('drops a backfill whose event the meter stored from an earlier offset, removed or not', () => {
    const entry = at(5, rec('e1', 'backfill'));
    expect([...backfillRepeats(0, [entry], [stored('e1', 2)])]).toEqual([entry]);
  });

  it('keeps a backfill whose only stored row is its own (an earlier attempt of this flush) or a later one', () => {
    expect(backfillRepeats(0, [at(5, rec('e1', 'backfill'))], [stored('e1', 5)]).size).toBe(0);
    expect(backfillRepeats(0, [at(5, rec('e1', 'backfill'))], [stored('e1', 9)]).size).toBe(0);
  });

  it('drops a backfill stored from another partition, and a second copy within the flush', () => {
    const second = at(6, rec('e2', 'backfill'));
    const result = backfillRepeats(0, [at(5, rec('e1', 'backfill')), at(4, rec('e2', 'backfill')), second], [stored('e1', 900, 1)]);
    expect(result.size).toBe(2);
    expect(result.has(second)).toBe(true);
  });

  it('drops a backfill of an event a new record or a correction named earlier in the flush; never drops new records', () => {
    const flush = [at(1, rec('e1')), at(2, rec('e1', 'backfill')), at(3, rec('e3', 'remove', null)), at(4, rec('e3', 'backfill')), at(5, rec('e5'))];
    expect([...backfillRepeats(0, flush, [])].map((e) => e.offset)).toEqual(['2', '4']);
  });
});

describe('lastVersions', () => {
  it('keeps the last record of each (meter, customer, time, event), in offset order', () => {
    const flush = [at(1, rec('e1', null, '1')), at(2, rec('e2')), at(3, rec('e1', 'replace', '7')), at(4, rec('e1', 'remove', null))];
    expect(lastVersions(flush).map((e) => e.offset)).toEqual(['2', '4']);
  });

  it('keeps records of the same event id at different times apart', () => {
    expect(lastVersions([at(1, rec('e1', null, '1', 1000)), at(2, rec('e1', null, '1', 2000))])).toHaveLength(2);
  });
});
