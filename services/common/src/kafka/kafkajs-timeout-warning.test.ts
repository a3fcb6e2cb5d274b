import { ignoreKafkajsNegativeTimeoutWarning, isKafkajsNegativeTimeoutWarning } from './kafkajs-timeout-warning';

// kafkajs's request queue, the code the filter is about (plain JavaScript, no types of its own).
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

const NEGATIVE = 'is a negative number.\nTimeout duration was set to 1.';

function newQueue() {
  const quiet = () => undefined;
  const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
  return new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:9092', logger });
}

/**
 * Runs `fn` with a setTimeout that does what Node (23 and later) does with a negative delay: calls
 * `target.emitWarning` with a TimeoutNegativeWarning from inside setTimeout, on the caller's stack.
 */
function withNodeTimers(target: { emitWarning: NodeJS.Process['emitWarning'] }, fn: () => void): number[] {
  const delays: number[] = [];
  const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((_callback: () => void, delay?: number) => {
    delays.push(delay ?? 0);
    if ((delay ?? 0) < 0) target.emitWarning(`${delay} ${NEGATIVE}`, 'TimeoutNegativeWarning');
    return { unref: () => undefined } as unknown as NodeJS.Timeout;
  }) as typeof setTimeout);
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return delays;
}

describe('kafkajs TimeoutNegativeWarning filter', () => {
  it('kafkajs still passes setTimeout a negative delay while no broker throttles it (else remove the filter)', () => {
    const queue = newQueue();
    const before = Date.now();
    const delays = withNodeTimers({ emitWarning: jest.fn() }, () => queue.scheduleCheckPendingRequests());
    const after = Date.now();
    queue.destroy();
    // throttledUntil (-1) - Date.now()
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(-1 - after);
    expect(delays[0]).toBeLessThanOrEqual(-1 - before);
  });

  it("drops the TimeoutNegativeWarning raised from kafkajs's request queue", () => {
    const emitted = jest.fn();
    const target = { emitWarning: emitted as NodeJS.Process['emitWarning'] };
    ignoreKafkajsNegativeTimeoutWarning(target);
    const queue = newQueue();
    withNodeTimers(target, () => queue.scheduleCheckPendingRequests());
    queue.destroy();
    expect(emitted).not.toHaveBeenCalled();
  });

  it('passes on a TimeoutNegativeWarning from anywhere else, in every call shape, and other warnings', () => {
    const emitted = jest.fn();
    const target = { emitWarning: emitted as NodeJS.Process['emitWarning'] };
    ignoreKafkajsNegativeTimeoutWarning(target);
    withNodeTimers(target, () => setTimeout(() => undefined, -5));
    const error = Object.assign(new Error(`-1 ${NEGATIVE}`), { name: 'TimeoutNegativeWarning' });
    target.emitWarning(`-2 ${NEGATIVE}`, { type: 'TimeoutNegativeWarning', code: 'X' });
    target.emitWarning(error);
    target.emitWarning('deprecated', 'DeprecationWarning', 'DEP0001');
    expect(emitted.mock.calls).toEqual([
      [`-5 ${NEGATIVE}`, 'TimeoutNegativeWarning'],
      [`-2 ${NEGATIVE}`, { type: 'TimeoutNegativeWarning', code: 'X' }],
      [error],
      ['deprecated', 'DeprecationWarning', 'DEP0001'],
    ]);
  });

  it('passes on other warning types raised inside the request queue', () => {
    const emitted = jest.fn();
    const target = { emitWarning: emitted as NodeJS.Process['emitWarning'] };
    ignoreKafkajsNegativeTimeoutWarning(target);
    const queue = newQueue();
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation((() => {
      target.emitWarning('2147483648 does not fit into a 32-bit signed integer.', 'TimeoutOverflowWarning');
      return { unref: () => undefined } as unknown as NodeJS.Timeout;
    }) as unknown as typeof setTimeout);
    try {
      queue.scheduleCheckPendingRequests();
    } finally {
      spy.mockRestore();
      queue.destroy();
    }
    expect(emitted).toHaveBeenCalledTimes(1);
    expect(emitted.mock.calls[0][1]).toBe('TimeoutOverflowWarning');
  });

  it('installs once: a second call keeps the first filter', () => {
    const target = { emitWarning: jest.fn() as NodeJS.Process['emitWarning'] };
    ignoreKafkajsNegativeTimeoutWarning(target);
    const first = target.emitWarning;
    ignoreKafkajsNegativeTimeoutWarning(target);
    expect(target.emitWarning).toBe(first);
  });

  it('recognises the warning by type and by the kafkajs request queue on the stack (POSIX and Windows paths)', () => {
    const posix = 'Error\n    at setTimeout (node:timers:125:19)\n    at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';
    const windows = 'Error\n    at RequestQueue.scheduleCheckPendingRequests (C:\\app\\node_modules\\kafkajs\\src\\network\\requestQueue\\index.js:317:37)';
    expect(isKafkajsNegativeTimeoutWarning('TimeoutNegativeWarning', posix)).toBe(true);
    expect(isKafkajsNegativeTimeoutWarning('TimeoutNegativeWarning', windows)).toBe(true);
    expect(isKafkajsNegativeTimeoutWarning('TimeoutOverflowWarning', posix)).toBe(false);
    expect(isKafkajsNegativeTimeoutWarning('TimeoutNegativeWarning', 'Error\n    at Object.<anonymous> (/app/services/x.js:1:1)')).toBe(false);
    expect(isKafkajsNegativeTimeoutWarning('TimeoutNegativeWarning', 'Error\n    at f (/app/node_modules/kafkajs/src/network/connection.js:1:1)')).toBe(false);
  });
});
