import { readiness, settledWithin } from './health';

describe('readiness', () => {
  it('is ok with no problem, degraded with the problems of every check, a throwing check included', async () => {
    expect(await readiness([])).toEqual({ status: 'ok', reasons: [] });
    expect(await readiness([{ name: 'a', problems: () => [] }])).toEqual({ status: 'ok', reasons: [] });
    const stuck = { check: 'aggregator', reason: 'flush failing', topic: 'meter.x', partition: 2 };
    expect(
      await readiness([
        { name: 'aggregator', problems: async () => [stuck] },
        { name: 'billing', problems: () => Promise.reject(new Error('boom')) },
      ]),
    ).toEqual({ status: 'degraded', reasons: [stuck, { check: 'billing', reason: 'health check failed: boom' }] });
  });

  it('is error when any problem is an error, and reports a check that does not answer in time', async () => {
    const down = { check: 'clickhouse', severity: 'error' as const, reason: 'ClickHouse unreachable: ECONNREFUSED' };
    const lag = { check: 'consumer-lag', reason: 'behind' };
    expect(await readiness([{ name: 'consumer-lag', problems: () => [lag] }, { name: 'clickhouse', problems: () => [down] }])).toEqual({ status: 'error', reasons: [lag, down] });
    expect(await readiness([{ name: 'slow', problems: () => new Promise(() => undefined) }], 50)).toEqual({
      status: 'degraded',
      reasons: [{ check: 'slow', reason: 'health check did not answer within 50 ms' }],
    });
  });

  it('settledWithin waits for a settled promise and gives up on a hanging one', async () => {
    expect(await settledWithin(Promise.resolve(1), 1000)).toBe(true);
    expect(await settledWithin(Promise.reject(new Error('x')), 1000)).toBe(true);
    expect(await settledWithin(new Promise(() => undefined), 50)).toBe(false);
  });
});
