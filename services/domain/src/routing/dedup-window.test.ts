import { eventKey } from '../model/usage-event';
import { DedupWindow } from './dedup-window';

const ev = (event_id: string, customer_id = 'cus_1') => ({ customer_id, event_id });
const key = (event_id: string, customer_id = 'cus_1') => eventKey(ev(event_id, customer_id));

describe('DedupWindow', () => {
  const HOUR = 3600000;
  const NOW = Date.UTC(2026, 10, 23, 12);

  it('remembers ids and forgets them once their event time leaves the window', () => {
    const window = new DedupWindow(2 * HOUR);
    window.add(key('a'), NOW - 3 * HOUR + 1000);
    window.add(key('b'), NOW - HOUR);
    expect(window.has(ev('a'))).toBe(true);
    window.expire(NOW);
    expect(window.has(ev('a'))).toBe(false);
    expect(window.has(ev('b'))).toBe(true);
    expect(window.size).toBe(1);
  });

  it('calls an event too old exactly when it lies before the window', () => {
    const window = new DedupWindow(2 * HOUR);
    expect(window.isTooOld(NOW - 2 * HOUR, NOW)).toBe(false);
    expect(window.isTooOld(NOW - 2 * HOUR - 1, NOW)).toBe(true);
  });

  it('keeps the latest event time of a repeated id', () => {
    const window = new DedupWindow(2 * HOUR);
    window.add(key('a'), NOW - 3 * HOUR);
    window.add(key('a'), NOW - 10);
    window.expire(NOW);
    expect(window.has(ev('a'))).toBe(true);
  });

  it('identifies an event by customer and id', () => {
    const window = new DedupWindow(2 * HOUR);
    window.add(key('a', 'cus_1'), NOW);
    expect(window.has(ev('a', 'cus_1'))).toBe(true);
    expect(window.has(ev('a', 'cus_2'))).toBe(false);
  });

  it('matches a legacy id (written before ids were per customer) under any customer, until it expires', () => {
    const window = new DedupWindow(2 * HOUR);
    window.addLegacyId('a', NOW - 3 * HOUR + 1000);
    expect(window.has(ev('a', 'cus_7'))).toBe(true);
    expect(window.size).toBe(1);
    window.expire(NOW);
    expect(window.has(ev('a', 'cus_7'))).toBe(false);
    expect(window.size).toBe(0);
  });
});
