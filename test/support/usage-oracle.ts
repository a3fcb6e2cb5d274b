import fc from 'fast-check';
import type { AggregationType } from '@meterstream/domain';
import { formatScaled, parseScaled } from './exact-decimal';

/**
 * An independent oracle for usage over a set of counted records, for the engine tests of the usage sink
 * and of usage queries: BigInt arithmetic on exact decimal text, no service code.
 */
export interface CountedRecord {
  /** The record's event is `ev_<id>` (ties of `last` are broken by that text). */
  id: number;
  timestamp: number;
  value: string;
  key: string;
}

/** Decimal text with up to 18 integer and 12 fraction digits, either sign. */
export const decimalValue = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.integer({ min: 0, max: 12 }))
  .map(([negative, digits, scale]) => formatScaled((negative ? -digits : digits) * 10n ** BigInt(12 - scale)));

/** The aggregation over the records ("0" when there are none): count, sum, max, last (latest time, then greater event id), distinct keys. */
export function usageOracle(type: AggregationType, counted: readonly CountedRecord[]): string {
  if (counted.length === 0) return '0';
  switch (type) {
    case 'count':
      return String(counted.length);
    case 'sum':
      return formatScaled(counted.reduce((acc, r) => acc + parseScaled(r.value), 0n));
    case 'max':
      return formatScaled(counted.map((r) => parseScaled(r.value)).reduce((a, b) => (b > a ? b : a)));
    case 'last': {
      const byTime = [...counted].sort((a, b) => a.timestamp - b.timestamp || (`ev_${a.id}` < `ev_${b.id}` ? -1 : `ev_${a.id}` > `ev_${b.id}` ? 1 : 0));
      return formatScaled(parseScaled(byTime[byTime.length - 1]!.value));
    }
    case 'unique_count':
      return String(new Set(counted.map((r) => r.key)).size);
  }
}

/** One canonical text per decimal value. */
export const normalizeDecimal = (text: string): string => formatScaled(parseScaled(text));
