import { timeZoneKnownQuery } from './time-zone-queries';

describe('timeZoneKnownQuery', () => {
  it('binds the name as a parameter', () => {
    expect(timeZoneKnownQuery("Europe/Paris' OR 1=1 --")).toEqual({
      query: 'SELECT toString(count()) AS known FROM system.time_zones WHERE time_zone = {tz:String}',
      params: { tz: "Europe/Paris' OR 1=1 --" },
    });
  });
});
