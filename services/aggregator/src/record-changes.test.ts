import type { MeterRecord } from '@meterstream/domain';
import { changeRepeats, lastVersions, type BufferedRecord } from './record-changes';

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

describe('changeRepeats', () => {
  it('keeps a backfill the meter never stored', () => {
    expect(changeRepeats(0, [at(5, rec('e1', 'backfill'))], []).size).toBe(0);
  });

  it('drops a backfill whose event the meter stored from an earlier offset, removed or not', () => {
    const entry = at(5, rec('e1', 'backfill'));
    expect([...changeRepeats(0, [entry], [stored('e1', 2)])]).toEqual([entry]);
  });

  it('keeps a backfill whose only stored row is its own (an earlier attempt of this flush) or a later one', () => {
    expect(changeRepeats(0, [at(5, rec('e1', 'backfill'))], [stored('e1', 5)]).size).toBe(0);
    expect(changeRepeats(0, [at(5, rec('e1', 'backfill'))], [stored('e1', 9)]).size).toBe(0);
  });

  it('drops a backfill stored from another partition, and a second copy within the flush', () => {
    const second = at(6, rec('e2', 'backfill'));
    const result = changeRepeats(0, [at(5, rec('e1', 'backfill')), at(4, rec('e2', 'backfill')), second], [stored('e1', 900, 1)]);
    expect(result.size).toBe(2);
    expect(result.has(second)).toBe(true);
  });

  it('drops a backfill of an event a new record or a correction named earlier in the flush; never drops new records', () => {
    const flush = [at(1, rec('e1')), at(2, rec('e1', 'backfill')), at(3, rec('e3', 'remove', null)), at(4, rec('e3', 'backfill')), at(5, rec('e5'))];
    expect([...changeRepeats(0, flush, [])].map((e) => e.offset)).toEqual(['2', '4']);
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

describe('changeRepeats of corrections', () => {
  const correction = (event_id: string, change: 'remove' | 'replace', correction_id: string): MeterRecord => ({ ...rec(event_id, change, change === 'remove' ? null : '5'), correction_id });
  const applied = (correction_id: string, first_offset: number, source_partition = 0) => ({ meter_id: 'm', customer_id: 'c', correction_id, source_partition, first_offset: String(first_offset) });

  it('applies a correction the meter never applied, and one whose only stored row is its own', () => {
    expect(changeRepeats(0, [at(5, correction('e1', 'remove', 'cor_1'))], [], []).size).toBe(0);
    expect(changeRepeats(0, [at(5, correction('e1', 'remove', 'cor_1'))], [], [applied('cor_1', 5)]).size).toBe(0);
  });

  it('drops a correction the meter applied from an earlier offset, even after a later correction of the event', () => {
    const resent = at(9, correction('e1', 'replace', 'cor_1'));
    expect([...changeRepeats(0, [at(8, correction('e1', 'remove', 'cor_2')), resent], [], [applied('cor_1', 3)])]).toEqual([resent]);
  });

  it('drops the second copy of a correction within a flush, and keeps other corrections of the same event', () => {
    const second = at(3, correction('e1', 'remove', 'cor_1'));
    const result = changeRepeats(0, [at(1, correction('e1', 'remove', 'cor_1')), at(2, correction('e1', 'replace', 'cor_2')), second], [], []);
    expect([...result]).toEqual([second]);
  });
});
