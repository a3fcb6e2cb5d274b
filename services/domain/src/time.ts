/** ClickHouse DateTime64(3, 'UTC') text for epoch milliseconds: "2026-01-31 23:59:59.999". */
export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Start of the tumbling window that contains `ms`. */
export function windowStartOf(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs) * windowMs;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses an ISO 8601 time with a zone (`Z` or ±hh:mm) to epoch milliseconds; undefined when it is not
 * one, or names an impossible date or time (Date.parse would roll Feb 30 over to Mar 2). Fraction
 * digits beyond milliseconds are dropped, as Date.parse drops them. On the ingest hot path: no
 * allocation beyond the match.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = +m[4];
  const minute = +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7];
  const millis = fraction === undefined ? 0 : fraction.length >= 3 ? +fraction.slice(0, 3) : +fraction * 10 ** (3 - fraction.length);
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offsetHours = +m[9];
    const offsetMins = +m[10];
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
