import { Decimal, toDecimal } from '../decimal';
import { isDecimalNumber, metadataText, type MetadataValue } from '../model/usage-event';

/** Meter filters as in Dodo Payments' meters API (rules and examples: docs/filters.md). */
export const FILTER_OPERATORS = [
  'equals',
  'not_equals',
  'greater_than',
  'greater_than_or_equals',
  'less_than',
  'less_than_or_equals',
  'contains',
  'does_not_contain',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export const FILTER_CONJUNCTIONS = ['and', 'or'] as const;
export type FilterConjunction = (typeof FILTER_CONJUNCTIONS)[number];

export interface FilterCondition {
  key: string;
  operator: FilterOperator;
  value: string | number | boolean;
}

/** Clauses are all conditions or all nested filters; at most 3 levels (checked by validateFilter). */
export interface MeterFilter {
  conjunction: FilterConjunction;
  clauses: FilterCondition[] | MeterFilter[];
}

export type FilterPredicate = (metadata: Readonly<Record<string, MetadataValue>>) => boolean;

type FilterValue = FilterCondition['value'] | MetadataValue;
type ValueTest = (actual: MetadataValue) => boolean;

/**
 * The exact number a value stands for, or undefined when it is not numeric. Same rule as the record
 * extractor (toDecimal): numbers, exact integers (bigint), {decimal} and numeric text, surrounding whitespace and exponents
 * allowed; booleans and values beyond Decimal's range are not numeric.
 */
export function numericValue(value: FilterValue): Decimal | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'bigint') return new Decimal(value.toString());
  const number = toDecimal(typeof value === 'object' && isDecimalNumber(value) ? value.decimal : value);
  return number !== undefined && number.isFinite() ? number : undefined;
}

/** Text form for equality and substring tests: strings as given, "true"/"false", plain decimal text. */
function textValue(value: FilterValue): string {
  return typeof value === 'number' ? new Decimal(value).toFixed() : metadataText(value);
}

function isEqual(actual: MetadataValue, want: Decimal | undefined, wantText: string): boolean {
  if (want !== undefined) {
    const number = numericValue(actual);
    if (number !== undefined) return number.eq(want);
  }
  return metadataText(actual) === wantText;
}

/** Ordering applies only when both sides are numeric; otherwise the condition does not match. */
function ordering(want: Decimal | undefined, accept: (sign: number) => boolean): ValueTest {
  if (want === undefined) return () => false;
  return (actual) => {
    const number = numericValue(actual);
    return number !== undefined && accept(number.cmp(want));
  };
}

function valueTest(operator: FilterOperator, want: Decimal | undefined, wantText: string): ValueTest {
  switch (operator) {
    case 'equals':
      return (actual) => isEqual(actual, want, wantText);
    case 'not_equals':
      return (actual) => !isEqual(actual, want, wantText);
    case 'greater_than':
      return ordering(want, (sign) => sign > 0);
    case 'greater_than_or_equals':
      return ordering(want, (sign) => sign >= 0);
    case 'less_than':
      return ordering(want, (sign) => sign < 0);
    case 'less_than_or_equals':
      return ordering(want, (sign) => sign <= 0);
    case 'contains':
      return (actual) => metadataText(actual).includes(wantText);
    case 'does_not_contain':
      return (actual) => !metadataText(actual).includes(wantText);
    default: {
      const unknown: never = operator;
      throw new Error(`unknown filter operator ${String(unknown)}`);
    }
  }
}

function compileCondition(condition: FilterCondition): FilterPredicate {
  const { key } = condition;
  const test = valueTest(condition.operator, numericValue(condition.value), textValue(condition.value));
  return (metadata) => {
    // hasOwn: a key like "constructor" must not find Object.prototype's property.
    if (!Object.hasOwn(metadata, key)) return false;
    const actual = metadata[key];
    return actual !== undefined && actual !== null && test(actual);
  };
}

/**
 * Turns a (validated) filter into a predicate, parsing the filter values once. The router compiles
 * each meter's filter when the catalog changes and calls the predicate for every event.
 */
export function compileFilter(filter: MeterFilter): FilterPredicate {
  const clauses: readonly (FilterCondition | MeterFilter)[] = filter.clauses;
  const parts = clauses.map((clause) => ('clauses' in clause ? compileFilter(clause) : compileCondition(clause)));
  if (filter.conjunction === 'and') {
    return (metadata) => {
      for (const part of parts) if (!part(metadata)) return false;
      return true;
    };
  }
  if (filter.conjunction === 'or') {
    return (metadata) => {
      for (const part of parts) if (part(metadata)) return true;
      return false;
    };
  }
  throw new Error(`unknown filter conjunction ${String(filter.conjunction)}`);
}

/** One-off evaluation; on a hot path compile once with compileFilter instead. */
export function evaluateFilter(filter: MeterFilter, metadata: Readonly<Record<string, MetadataValue>>): boolean {
  return compileFilter(filter)(metadata);
}
