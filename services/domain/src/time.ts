const DAY_MS = 86_400_000;
/** The range of a JavaScript Date: ±100,000,000 days around the epoch. */
const MAX_TIME_MS = 8.64e15;
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/**
 * The day toClickHouseTime wrote last (days since the epoch) and its "YYYY-MM-DD " text: the times of
 * a flush fall on one day or a few, so the date is formatted once per day change, not once per time.
 */
let cachedDay = Number.NaN;
let cachedDate = '';

/**
 * ClickHouse DateTime64(3, 'UTC') text for epoch milliseconds: "2026-01-31 23:59:59.999". The same
 * text as `new Date(ms).toISOString().replace('T', ' ').replace('Z', '')` for every time a Date holds
 * (fractions of a millisecond truncated, as Date does), and the same RangeError outside that range.
 * On the aggregator's per-row path: the time of day is integer arithmetic and table lookups, and the
 * date comes from a one-day cache (the output depends on `ms` only).
 */
export function toClickHouseTime(ms: number): string {
  const time = Math.trunc(ms);
  if (!(time >= -MAX_TIME_MS && time <= MAX_TIME_MS)) throw new RangeError('Invalid time value'); // NaN too, as Date's
  const day = Math.floor(time / DAY_MS);
  if (day !== cachedDay) {
    const iso = new Date(day * DAY_MS).toISOString(); // years beyond 9999 have six digits and a sign
    cachedDate = `${iso.slice(0, iso.indexOf('T'))} `;
    cachedDay = day;
  }
  const ofDay = time - day * DAY_MS;
  const hours = Math.floor(ofDay / 3_600_000);
  const minutes = Math.floor(ofDay / 60_000) % 60;
  const seconds = Math.floor(ofDay / 1000) % 60;
  return `${cachedDate}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[ofDay % 1000]}`;
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
