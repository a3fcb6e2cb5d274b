/** ClickHouse DateTime64(3, 'UTC') text for epoch milliseconds: "2026-01-31 23:59:59.999". */
export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Start of the tumbling window that contains `ms`. */
export function windowStartOf(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs) * windowMs;
}

/** Parses an ISO 8601 time with a zone; undefined when it is not one. */
export function parseIsoTime(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
  const second = match[7] === undefined ? 0 : Number(match[7]);
  // Date.parse rolls impossible dates over (Feb 30 becomes Mar 2); refuse them instead.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
