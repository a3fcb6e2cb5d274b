import {
  FILTER_CONJUNCTIONS,
  FILTER_OPERATORS,
  numericValue,
  type FilterCondition,
  type FilterConjunction,
  type FilterOperator,
  type MeterFilter,
} from './filter-evaluator';

export const MAX_FILTER_DEPTH = 3;
export const MAX_KEY_LENGTH = 100;
export const MAX_STRING_VALUE_LENGTH = 500;

export interface FilterError {
  field: string;
  message: string;
}

export type FilterValidation = { ok: true; filter: MeterFilter } | { ok: false; errors: FilterError[] };

const ORDERING_OPERATORS: readonly FilterOperator[] = ['greater_than', 'greater_than_or_equals', 'less_than', 'less_than_or_equals'];

type Fields = Record<string, unknown>;

function isObject(input: unknown): input is Fields {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/** A clause is a nested filter when it has either filter property; anything else is read as a condition. */
function isNestedFilter(clause: unknown): boolean {
  return isObject(clause) && ('clauses' in clause || 'conjunction' in clause);
}

/** Length in characters (code points), without spreading long strings. */
function longerThan(text: string, max: number): boolean {
  return text.length > max && (text.length > 2 * max || [...text].length > max);
}

function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return (list as readonly unknown[]).includes(value);
}

function rejectUnknown(input: Fields, known: readonly string[], field: string, errors: FilterError[]): void {
  for (const name of Object.keys(input)) {
    if (!known.includes(name)) errors.push({ field: `${field}.${name}`, message: `unknown property; allowed: ${known.join(', ')}` });
  }
}

function readValue(input: Fields, field: string, errors: FilterError[]): FilterCondition['value'] | undefined {
  const value = input.value;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    errors.push({ field: `${field}.value`, message: 'must be a finite number' });
  } else if (typeof value === 'string') {
    if (!longerThan(value, MAX_STRING_VALUE_LENGTH)) return value;
    errors.push({ field: `${field}.value`, message: `must be at most ${MAX_STRING_VALUE_LENGTH} characters` });
  } else {
    errors.push({ field: `${field}.value`, message: 'must be a string, a number or a boolean' });
  }
  return undefined;
}

function readCondition(input: unknown, field: string, errors: FilterError[]): FilterCondition | undefined {
  if (!isObject(input)) {
    errors.push({ field, message: 'must be a condition {key, operator, value} or a filter {conjunction, clauses}' });
    return undefined;
  }
  const before = errors.length;
  rejectUnknown(input, ['key', 'operator', 'value'], field, errors);
  const { key, operator } = input;
  if (typeof key !== 'string' || key.length === 0) {
    errors.push({ field: `${field}.key`, message: 'must be a non-empty string' });
  } else if (longerThan(key, MAX_KEY_LENGTH)) {
    errors.push({ field: `${field}.key`, message: `must be at most ${MAX_KEY_LENGTH} characters` });
  }
  if (!isOneOf(FILTER_OPERATORS, operator)) {
    errors.push({ field: `${field}.operator`, message: `must be one of ${FILTER_OPERATORS.join(', ')}` });
  }
  const value = readValue(input, field, errors);
  if (value !== undefined && ORDERING_OPERATORS.includes(operator as FilterOperator) && numericValue(value) === undefined) {
    errors.push({ field: `${field}.value`, message: `${String(operator)} compares numbers: the value must be a number or numeric text` });
  }
  if (errors.length > before) return undefined;
  return { key: key as string, operator: operator as FilterOperator, value: value as FilterCondition['value'] };
}

function readFilter(input: unknown, field: string, depth: number, errors: FilterError[]): MeterFilter | undefined {
  if (depth > MAX_FILTER_DEPTH) {
    errors.push({ field, message: `filters nest at most ${MAX_FILTER_DEPTH} levels (the maximum depth is ${MAX_FILTER_DEPTH}); this one is at level ${depth}` });
    return undefined;
  }
  if (!isObject(input)) {
    errors.push({ field, message: 'must be a filter {conjunction, clauses}' });
    return undefined;
  }
  const before = errors.length;
  rejectUnknown(input, ['conjunction', 'clauses'], field, errors);
  const { conjunction, clauses } = input;
  if (!isOneOf(FILTER_CONJUNCTIONS, conjunction)) {
    errors.push({ field: `${field}.conjunction`, message: `must be one of ${FILTER_CONJUNCTIONS.join(', ')}` });
  }
  let read: FilterCondition[] | MeterFilter[] = [];
  if (!Array.isArray(clauses)) {
    errors.push({ field: `${field}.clauses`, message: 'must be an array' });
  } else if (clauses.length === 0) {
    errors.push({ field: `${field}.clauses`, message: 'must hold at least one clause' });
  } else {
    read = readClauses(clauses, `${field}.clauses`, depth, errors);
  }
  if (errors.length > before) return undefined;
  return { conjunction: conjunction as FilterConjunction, clauses: read };
}

/** All conditions or all nested filters, as decided by the first clause. */
function readClauses(clauses: unknown[], field: string, depth: number, errors: FilterError[]): FilterCondition[] | MeterFilter[] {
  const nested = isNestedFilter(clauses[0]);
  const filters: MeterFilter[] = [];
  const conditions: FilterCondition[] = [];
  clauses.forEach((clause, index) => {
    const at = `${field}[${index}]`;
    if (isNestedFilter(clause) !== nested) {
      const [expected, found] = nested ? ['nested filters', 'a condition'] : ['conditions', 'a nested filter'];
      errors.push({ field: at, message: `clauses must not mix conditions and filters: clause 0 makes these ${expected}, this is ${found}` });
    } else if (nested) {
      const filter = readFilter(clause, at, depth + 1, errors);
      if (filter) filters.push(filter);
    } else {
      const condition = readCondition(clause, at, errors);
      if (condition) conditions.push(condition);
    }
  });
  return nested ? filters : conditions;
}

/**
 * Checks an untrusted filter (an API body, a catalog record) and returns a clean copy holding only the
 * known properties, or every problem found with its field path (`filter.clauses[1].operator`).
 */
export function validateFilter(input: unknown, field = 'filter'): FilterValidation {
  const errors: FilterError[] = [];
  const filter = readFilter(input, field, 1, errors);
  return filter && errors.length === 0 ? { ok: true, filter } : { ok: false, errors };
}
