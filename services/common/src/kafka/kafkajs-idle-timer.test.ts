import { stopKafkajsIdleTimers } from './kafkajs-idle-timer';

// kafkajs's request queue, the code the fix is about (plain JavaScript, no types of its own).
type Queue = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
  maybeThrottle(ms: number): void;
};
const RequestQueue = require('kafkajs/src/network/requestQueue') as { new (options: object): Queue; prototype: Queue };

function newQueue(): Queue {
  const quiet = () => undefined;
  const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
  return new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:9092', logger });
}

/** The delays `fn` passed to setTimeout (no timer is really armed). */
function delaysOf(fn: () => void): number[] {
  const delays: number[] = [];
  const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((_callback: () => void, delay?: number) => {
    delays.push(delay ?? 0);
    return { unref: () => undefined } as unknown as NodeJS.Timeout;
  }) as typeof setTimeout);
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return delays;
}

describe('kafkajs idle timer fix', () => {
  const original = RequestQueue.prototype.scheduleCheckPendingRequests;
  afterAll(() => {
    RequestQueue.prototype.scheduleCheckPendingRequests = original;
  });

  it('kafkajs itself still arms a timer on an idle queue (else remove the fix)', () => {
    const delays = delaysOf(() => original.call(newQueue()));
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeLessThan(0);
  });

  it('arms no timer on an idle queue once installed', () => {
    stopKafkajsIdleTimers();
    expect(delaysOf(() => newQueue().scheduleCheckPendingRequests())).toEqual([]);
  });

  it('still arms the check for waiting requests: at the end of a broker throttle, or soon when over the in-flight limit', () => {
    stopKafkajsIdleTimers();
    const throttled = newQueue();
    throttled.pending.push({});
    throttled.maybeThrottle(5000);
    const [delay] = delaysOf(() => throttled.scheduleCheckPendingRequests());
    expect(delay).toBeGreaterThan(4000);
    expect(delay).toBeLessThanOrEqual(5000);
    const busy = newQueue();
    busy.pending.push({});
    expect(delaysOf(() => busy.scheduleCheckPendingRequests())).toHaveLength(1);
  });

  it('installs once: a second call keeps the first wrapper', () => {
    stopKafkajsIdleTimers();
    const installed = RequestQueue.prototype.scheduleCheckPendingRequests;
    stopKafkajsIdleTimers();
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(installed);
  });
});
