/**
 * How usage over [start, end) is read exactly although it is stored in windows: the windows wholly
 * inside the range come from the stored partials, the records of the windows that the range's start
 * or end cuts come one by one. Windows are aligned to multiples of `windowMs` from the epoch.
 */
export interface UsageRangeSplit {
  /** Whole windows: every window starting in [wholeStart, wholeEnd). */
  wholeStart: number;
  wholeEnd: number;
  /** Single records: timestamps in [start, wholeStart) and in [wholeEnd, end). */
  start: number;
  end: number;
}

export function splitUsageRange(start: number, end: number, windowMs: number): UsageRangeSplit {
  const wholeStart = Math.ceil(start / windowMs) * windowMs;
  const wholeEnd = Math.floor(end / windowMs) * windowMs;
  // No whole window inside: every record of the range is read one by one ([start, end) ∪ [end, end)).
  if (wholeStart >= wholeEnd) return { wholeStart: end, wholeEnd: end, start, end };
  return { wholeStart, wholeEnd, start, end };
}
