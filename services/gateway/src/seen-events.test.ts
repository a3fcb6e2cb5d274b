import { createLogger } from '@meterstream/common';
import { eventKey, type UsageEvent } from '@meterstream/domain';
import { SeenEvents } from './seen-events';

// The in-memory part of SeenEvents: which events it remembers and which it forgets. The reader stands
// in for an events table that knows `stored` events (EventReader.knownEvents is tested against
// ClickHouse). A bare id is an event of cus_1.
describe('SeenEvents memory of recent events', () => {
  const event = (id: string) => ({ event_id: id, customer_id: 'cus_1' }) as UsageEvent;
  const eventOf = (id: string, customer_id: string) => ({ event_id: id, customer_id }) as UsageEvent;
  const ids = (events: UsageEvent[]) => events.map((e) => e.event_id);
  const make = (capacity: number, stored: UsageEvent[] = []) => {
    const reader = { knownEvents: async () => new Set(stored.map(eventKey)) };
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
    const seen = make(10, [event('x')]);
    expect(ids(await seen.unseen(['x', 'y'].map(event)))).toEqual(['y']);
  });

  it('tells the same event id of two customers apart, remembered or stored', async () => {
    const seen = make(10, [eventOf('s', 'cus_stored')]);
    seen.remember([eventOf('r', 'cus_1')]);
    const batch = [eventOf('r', 'cus_1'), eventOf('r', 'cus_2'), eventOf('s', 'cus_stored'), eventOf('s', 'cus_2')];
    expect((await seen.unseen(batch)).map((e) => `${e.customer_id}/${e.event_id}`)).toEqual(['cus_2/r', 'cus_2/s']);
  });
});
