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

  it('answers concurrent requests from one shared lookup while another runs, and a failed lookup as none known', async () => {
    const asked: string[][] = [];
    let release!: () => void;
    let fail = false;
    const firstDone = new Promise<void>((r) => (release = r));
    const reader = {
      knownEvents: async (events: readonly UsageEvent[]) => {
        asked.push(events.map((e) => e.event_id));
        if (asked.length === 1) await firstDone;
        if (fail) throw new Error('engine unavailable');
        return new Set([eventKey(event('known-1')), eventKey(event('known-2'))]);
      },
    };
    const seen = new SeenEvents(reader, createLogger('silent', 'test'), 10);
    const first = seen.unseen(['a', 'known-1'].map(event));
    await Promise.resolve();
    const second = seen.unseen(['b', 'known-2'].map(event));
    const third = seen.unseen(['c', 'known-1', 'known-2'].map(event));
    release();
    expect({ first: ids(await first), second: ids(await second), third: ids(await third), asked }).toEqual({
      first: ['a'],
      second: ['b'],
      third: ['c'],
      asked: [['a', 'known-1'], ['b', 'known-2', 'c', 'known-1', 'known-2']],
    });
    fail = true;
    expect(ids(await seen.unseen(['d', 'known-1'].map(event)))).toEqual(['d', 'known-1']);
  });
});
