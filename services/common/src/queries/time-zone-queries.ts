import type { BuiltQuery } from './usage-queries';

/** One row `{ known: '1' | '0' }`: whether ClickHouse's own tz database has the zone `name`. */
export function timeZoneKnownQuery(name: string): BuiltQuery {
  return { query: 'SELECT toString(count()) AS known FROM system.time_zones WHERE time_zone = {tz:String}', params: { tz: name } };
}
