import { compileFilter, type FilterPredicate } from '../filter/filter-evaluator';
import type { Meter } from '../model/meter';
import type { UsageEvent } from '../model/usage-event';

interface IndexedMeter {
  meter: Meter;
  matches: FilterPredicate;
}

/** Active meters indexed by event name, each with its compiled filter: the router's lookup per event. */
export class MeterIndex {
  private readonly byEventName = new Map<string, IndexedMeter[]>();

  constructor(meters: readonly Meter[]) {
    for (const meter of meters) {
      if (meter.archived) continue;
      const list = this.byEventName.get(meter.event_name) ?? [];
      list.push({ meter, matches: meter.filter ? compileFilter(meter.filter) : () => true });
      this.byEventName.set(meter.event_name, list);
    }
  }

  /** Every active meter of this event name, whatever its filter (what a correction of such an event may touch). */
  named(eventName: string): Meter[] {
    return (this.byEventName.get(eventName) ?? []).map((c) => c.meter);
  }

  /** Meters whose event name matches the event and whose filter passes. */
  match(event: UsageEvent): Meter[] {
    const candidates = this.byEventName.get(event.event_name);
    if (!candidates) return [];
    return candidates.filter((c) => c.matches(event.metadata)).map((c) => c.meter);
  }
}
