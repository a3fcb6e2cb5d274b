import type { PriorCorrection } from '@meterstream/domain';
import { RecentCorrections } from './recent-corrections';

const correction = (correction_id: string, kind: PriorCorrection['kind'], event_id = 'evt_1', customer_id = 'cus_1'): PriorCorrection => ({
  correction_id,
  kind,
  customer_id,
  event_id,
  event_name: 'api.call',
  timestamp: 1000,
  metadata: kind === 'void' ? '' : '{}',
  reason: null,
  requested_at: 2000,
});

describe('RecentCorrections', () => {
  it('finds a correction by customer and id, and the events it voided', () => {
    const recent = new RecentCorrections();
    recent.remember(correction('cor_1', 'void'));
    recent.remember(correction('cor_2', 'amend', 'evt_2'));
    expect(recent.get('cus_1', 'cor_1')).toEqual(correction('cor_1', 'void'));
    expect(recent.get('cus_2', 'cor_1')).toBeUndefined();
    expect([recent.isVoided({ customer_id: 'cus_1', event_id: 'evt_1' }), recent.isVoided({ customer_id: 'cus_1', event_id: 'evt_2' }), recent.isVoided({ customer_id: 'cus_2', event_id: 'evt_1' })]).toEqual([true, false, false]);
  });

  it('forgets the oldest correction first, and the void it made with it', () => {
    const recent = new RecentCorrections(2);
    recent.remember(correction('cor_1', 'void', 'evt_1'));
    recent.remember(correction('cor_2', 'amend', 'evt_2'));
    recent.remember(correction('cor_3', 'amend', 'evt_3'));
    expect([recent.get('cus_1', 'cor_1'), recent.isVoided({ customer_id: 'cus_1', event_id: 'evt_1' })]).toEqual([undefined, false]);
    expect(recent.get('cus_1', 'cor_2')?.event_id).toBe('evt_2');
    recent.remember(correction('cor_4', 'void', 'evt_4'));
    recent.remember(correction('cor_5', 'amend', 'evt_5'));
    expect([recent.get('cus_1', 'cor_3'), recent.get('cus_1', 'cor_4')?.kind, recent.isVoided({ customer_id: 'cus_1', event_id: 'evt_4' })]).toEqual([undefined, 'void', true]);
  });

  it("runs one customer's tasks one after the other, failures included, and other customers' alongside", async () => {
    const recent = new RecentCorrections();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = recent.serialize('cus_1', async () => {
      log.push('a start');
      await gate;
      log.push('a end');
      throw new Error('a failed');
    });
    const second = recent.serialize('cus_1', async () => {
      log.push('b');
      return 'b done';
    });
    const other = recent.serialize('cus_2', async () => {
      log.push('c');
      return 'c done';
    });
    expect(await other).toBe('c done');
    release();
    await expect(first).rejects.toThrow('a failed');
    expect(await second).toBe('b done');
    expect(log).toEqual(['a start', 'c', 'a end', 'b']);
  });
});
