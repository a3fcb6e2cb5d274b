import { isTimeZone } from './time-zone';

describe('isTimeZone', () => {
  it.each(['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Asia/Calcutta', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])('accepts %s', (name) => {
    expect(isTimeZone(name)).toBe(true);
  });

  it.each(['Bogus/Zone', 'Europe', '', ' UTC', 'UTC ', 'Europe/Paris\u0000', 'Europe/Paris?x', '../../etc/passwd', 'E'.repeat(65)])('refuses %j', (name) => {
    expect(isTimeZone(name)).toBe(false);
  });

  it('accepts every name the runtime lists', () => {
    for (const name of Intl.supportedValuesOf('timeZone')) expect([name, isTimeZone(name)]).toEqual([name, true]);
  });
});
