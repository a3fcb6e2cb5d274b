import { LagJudge, partitionLags, ReachabilityCheck } from './health-checks';

describe('partitionLags', () => {
  it('is end minus committed, from the low offset for a partition never committed, never negative', () => {
    const ends = [
      { partition: 0, high: '100', low: '0' },
      { partition: 1, high: '50', low: '20' },
      { partition: 2, high: '7', low: '0' },
      { partition: 3, high: '9007199254740993', low: '0' },
    ];
    const committed = [
      { partition: 0, offset: '40' },
      { partition: 1, offset: '-1' },
      { partition: 2, offset: '9' },
      { partition: 3, offset: '1' },
    ];
    expect(partitionLags('g', 't', ends, committed).map((l) => [l.partition, l.committed, l.end, l.lag])).toEqual([
      [0, 40n, 100n, 60n],
      [1, 20n, 50n, 30n],
      [2, 9n, 7n, 0n],
      [3, 1n, 9007199254740993n, 9007199254740992n],
    ]);
  });
});

describe('LagJudge', () => {
  const lag = (committed: bigint, end: bigint) => ({ group: 'g', topic: 't', partition: 0, committed, end, lag: end > committed ? end - committed : 0n });

  it('reports lag over the threshold', () => {
    const judge = new LagJudge({ lagThreshold: 100, stallMs: 60_000 });
    expect(judge.judge([lag(0n, 100n)], 0)).toEqual([]);
    expect(judge.judge([lag(0n, 101n)], 1)).toEqual([
      { check: 'consumer-lag', reason: 'group g is 101 record(s) behind on t partition 0 (threshold 100)', topic: 't', partition: 0 },
    ]);
  });

  it('reports a partition behind whose committed offset has not moved for stallMs, and forgets it once it moves', () => {
    const judge = new LagJudge({ lagThreshold: 1000, stallMs: 10_000 });
    const t = Date.UTC(2026, 0, 1);
    expect(judge.judge([lag(5n, 8n)], t)).toEqual([]);
    expect(judge.judge([lag(5n, 9n)], t + 9_999)).toEqual([]);
    expect(judge.judge([lag(5n, 9n)], t + 10_000)).toEqual([
      {
        check: 'consumer-lag',
        reason: 'group g made no progress on t partition 0 for 10 s (committed 5, end 9)',
        topic: 't',
        partition: 0,
        since: new Date(t).toISOString(),
      },
    ]);
    expect(judge.judge([lag(6n, 9n)], t + 15_000)).toEqual([]); // moved: the clock starts again
    expect(judge.judge([lag(6n, 9n)], t + 24_999)).toEqual([]);
    expect(judge.judge([lag(6n, 9n)], t + 25_000)).toHaveLength(1);
    // Caught up: not stuck, however long the offset stays.
    expect(judge.judge([lag(9n, 9n)], t + 90_000)).toEqual([]);
  });
});

describe('ReachabilityCheck', () => {
  it('is an error when the probe fails or hangs, and reuses an answer for cacheMs', async () => {
    let clock = 0;
    let calls = 0;
    let behaviour: 'ok' | 'fail' | 'hang' = 'ok';
    const check = new ReachabilityCheck(
      'clickhouse',
      'ClickHouse',
      async () => {
        calls += 1;
        if (behaviour === 'fail') throw new Error('ECONNREFUSED');
        if (behaviour === 'hang') await new Promise(() => undefined);
      },
      { timeoutMs: 50, cacheMs: 1000 },
      () => clock,
    );
    expect(await check.problems()).toEqual([]);
    behaviour = 'fail';
    expect(await check.problems()).toEqual([]); // cached
    expect(calls).toBe(1);
    clock = 1000;
    expect(await check.problems()).toEqual([{ check: 'clickhouse', severity: 'error', reason: 'ClickHouse unreachable: ECONNREFUSED' }]);
    behaviour = 'hang';
    clock = 2000;
    expect(await check.problems()).toEqual([{ check: 'clickhouse', severity: 'error', reason: 'ClickHouse unreachable: no answer within 50 ms' }]);
    // While that probe hangs, no second one starts.
    expect(await check.problems()).toEqual([{ check: 'clickhouse', severity: 'error', reason: 'ClickHouse unreachable: no answer within 50 ms' }]);
    expect(calls).toBe(3);
  });
});
