import { DedupWindow } from './dedup-window';

describe('DedupWindow', () => {
  const HOUR = 3600000;
  const NOW = Date.UTC(2026, 10, 23, 12);

  it('remembers ids and forgets them once their event time leaves the window', () => {
    const window = new DedupWindow(2 * HOUR);
    window.add('a', NOW - 3 * HOUR + 1000);
    window.add('b', NOW - HOUR);
    expect(window.has('a')).toBe(true);
    window.expire(NOW);
    expect(window.has('a')).toBe(false);
    expect(window.has('b')).toBe(true);
    expect(window.size).toBe(1);
  });

  it('calls an event too old exactly when it lies before the window', () => {
    const window = new DedupWindow(2 * HOUR);
    expect(window.isTooOld(NOW - 2 * HOUR, NOW)).toBe(false);
    expect(window.isTooOld(NOW - 2 * HOUR - 1, NOW)).toBe(true);
  });

  it('keeps the latest event time of a repeated id', () => {
    const window = new DedupWindow(2 * HOUR);
    window.add('a', NOW - 3 * HOUR);
    window.add('a', NOW - 10);
    window.expire(NOW);
    expect(window.has('a')).toBe(true);
  });
});
