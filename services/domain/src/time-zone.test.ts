import { isTimeZone, timeZoneNames } from './time-zone';

describe('isTimeZone', () => {
  it.each(['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires'])('accepts %s', (name) => {
    expect(isTimeZone(name)).toBe(true);
  });

  it.each(['Bogus/Zone', 'europe/paris', 'EUROPE/PARIS', '+01:00', 'GMT+1', '', ' UTC', 'UTC ', 'Europe/Paris\u0000', 'Europe'])('refuses %j', (name) => {
    expect(isTimeZone(name)).toBe(false);
  });

  it('accepts only names the runtime can format with', () => {
    for (const name of timeZoneNames()) expect(new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone).toBeTruthy();
    expect(timeZoneNames().length).toBeGreaterThan(300);
  });
});
