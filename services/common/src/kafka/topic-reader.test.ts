import { ReadPositions, TopicReadTimeoutError } from './topic-reader';

describe('ReadPositions', () => {
  it('resolves once every partition reached its offset', async () => {
    const positions = new ReadPositions();
    let done = false;
    const waiting = positions.waitFor('t', new Map([[0, 5n], [1, 2n]]), 10_000).then(() => (done = true));
    positions.advance('t', 0, 5n);
    await Promise.resolve();
    expect(done).toBe(false);
    positions.advance('other', 1, 9n);
    positions.advance('t', 1, 3n);
    await waiting;
    expect(done).toBe(true);
  });

  it('resolves at once for offsets already passed or empty partitions, and never moves back', async () => {
    const positions = new ReadPositions();
    positions.advance('t', 0, 7n);
    positions.advance('t', 0, 4n);
    expect(positions.position('t', 0)).toBe(7n);
    await expect(positions.waitFor('t', new Map([[0, 7n], [1, 0n]]), 1)).resolves.toBeUndefined();
  });

  it('fails loudly after the timeout, naming the partitions behind and how far they got', async () => {
    const positions = new ReadPositions();
    positions.advance('t', 1, 2n);
    const failure = positions.waitFor('t', new Map([[0, 1n], [1, 4n]]), 20);
    positions.advance('t', 0, 1n);
    const err = await failure.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TopicReadTimeoutError);
    expect((err as Error).message).toBe(
      't not read to its end within 20 ms (partition 1 at 2 of 4): a transaction left open on the topic holds back read_committed readers, or the broker is unreachable',
    );
    // The timed-out waiter is gone: reaching the offset later resolves nothing and throws nothing.
    positions.advance('t', 1, 4n);
  });
});
