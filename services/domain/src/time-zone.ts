/**
 * Whether the JavaScript runtime knows `name` as a time zone (IANA names and their aliases:
 * "Europe/Paris", "Asia/Kolkata" and "Asia/Calcutta", "UTC"). The runtime reads names in any case,
 * ClickHouse does not, so the caller that queries ClickHouse checks the name against ClickHouse's
 * own tz database too (see the usage route): both must know it.
 */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
