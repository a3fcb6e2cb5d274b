import type { Meter, UsageEvent } from '@meterstream/common';

/** Active meters indexed by event name: the router's lookup for each event. */
export class MeterIndex {
  private readonly byEventName = new Map<string, Meter[]>();

  constructor(meters: readonly Meter[]) {
    for (const meter of meters) {
      if (meter.archived) continue;
      const list = this.byEventName.get(meter.event_name) ?? [];
      list.push(meter);
      this.byEventName.set(meter.event_name, list);
    }
  }

  /** Meters whose event name matches the event. */
  match(event: UsageEvent): readonly Meter[] {
    return this.byEventName.get(event.event_name) ?? [];
  }

  get meters(): Meter[] {
    return [...this.byEventName.values()].flat();
  }
}
