/**
 * The time zones a query may name: the IANA names the JavaScript runtime lists
 * (`Intl.supportedValuesOf('timeZone')`, canonical names, exact case) and `UTC`. Aliases ("GMT",
 * "Asia/Calcutta"), other casings ("europe/paris") and offsets ("+01:00") are refused, so that a name
 * means the same here and in ClickHouse; a name ClickHouse's own tz database lacks is refused by the
 * caller, which knows ClickHouse (see the usage route).
 */
const SUPPORTED: ReadonlySet<string> = new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);

export function isTimeZone(name: string): boolean {
  return SUPPORTED.has(name);
}

/** Every name isTimeZone accepts, sorted. */
export function timeZoneNames(): string[] {
  return [...SUPPORTED].sort();
}
