import { createLogger } from '@meterstream/common';
import { type UsageEvent } from '@meterstream/domain';
import { SeenEvents } from './seen-events';

// The in-memory part of SeenEvents: which ids it remembers and which it forgets. The reader stands in
// for an events table that knows `stored` ids (EventReader.knownIds is tested against ClickHouse).
describe('SeenEvents memory of recent ids', () => {
  const event = (id: string) => ({ event_id: id }) as UsageEvent;
  const ids = (events: UsageEvent[]) => events.map((e) => e.event_id);
  const make = (capacity: number, stored: string[] = []) => {
    const reader = { knownIds: async () => new Set(stored) };
    return new SeenEvents(reader, createLogger('silent', 'test'), capacity);
  };

  it('treats remembered ids as seen and forgets the oldest beyond its capacity', async () => {
    const seen = make(3);
    seen.remember(['a', 'b', 'c'].map(event));
    expect(ids(await seen.unseen(['a', 'b', 'c', 'd'].map(event)))).toEqual(['d']);
    seen.remember([event('d')]);
    expect(ids(await seen.unseen(['a', 'b', 'c', 'd'].map(event)))).toEqual(['a']);
    seen.remember(['e', 'f'].map(event));
    expect(ids(await seen.unseen(['a', 'b', 'c', 'd', 'e', 'f'].map(event)))).toEqual(['a', 'b', 'c']);
  });

  it('does not spend capacity on an id it already remembers', async () => {
    const seen = make(2);
    seen.remember(['a', 'b'].map(event));
    seen.remember(['a', 'a', 'b'].map(event));
    expect(ids(await seen.unseen(['a', 'b'].map(event)))).toEqual([]);
  });

  it('asks the events table about ids it does not remember', async () => {
    const seen = make(10, ['x']);
    expect(ids(await seen.unseen(['x', 'y'].map(event)))).toEqual(['y']);
  });
});
