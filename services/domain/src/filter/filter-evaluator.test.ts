import fc from 'fast-check';
import type { MetadataValue } from '../model/usage-event';
import {
  FILTER_OPERATORS,
  compileFilter,
  evaluateFilter,
  type FilterCondition,
  type FilterOperator,
  type MeterFilter,
} from './filter-evaluator';

type Metadata = Record<string, MetadataValue>;
type Value = FilterCondition['value'];

/** Evaluates a one-condition filter on metadata.x. */
function check(actual: MetadataValue | undefined, operator: FilterOperator, value: Value): boolean {
  const metadata: Metadata = actual === undefined ? {} : { x: actual };
  return evaluateFilter({ conjunction: 'and', clauses: [{ key: 'x', operator, value }] }, metadata);
}

const dec = (decimal: string) => ({ decimal });

describe('equals and not_equals', () => {
  it.each<[MetadataValue, Value, boolean]>([
    ['GET', 'GET', true],
    ['GET', 'get', false],
    ['150', 150, true],
    ['150.0', 150, true],
    [' 150 ', '150', true],
    ['1e2', 100, true],
    ['007', 7, true],
    [dec('150.00'), '150', true],
    [dec('0.1'), 0.1, true],
    [dec('12.5'), 12.4, false],
    ['150', '151', false],
    ['abc', 150, false],
    [true, true, true],
    [true, 'true', true],
    ['true', true, true],
    [false, 'false', true],
    [true, false, false],
    [true, 'TRUE', false],
    [true, 1, false],
    [dec('1'), true, false],
    ['', '', true],
  ])('%j equals %j is %s', (actual, value, expected) => {
    expect(check(actual, 'equals', value)).toBe(expected);
    expect(check(actual, 'not_equals', value)).toBe(!expected);
  });

  it('compares decimals exactly, not as binary floats', () => {
    expect(check(dec('0.30000000000000000001'), 'equals', 0.3)).toBe(false);
    expect(check('12345678901234567890.000000000001', 'equals', '12345678901234567890')).toBe(false);
    expect(check(dec('9007199254740993'), 'equals', '9007199254740992')).toBe(false);
  });
});

describe('ordering operators', () => {
  it.each<[MetadataValue, Value, [boolean, boolean, boolean, boolean]]>([
    // actual, value, [greater_than, greater_than_or_equals, less_than, less_than_or_equals]
    ['150', 100, [true, true, false, false]],
    ['150', '1000', [false, false, true, true]],
    [dec('100.0'), 100, [false, true, false, true]],
    [' -5 ', '-4.99', [false, false, true, true]],
    [dec('0.30000000000000000001'), 0.3, [true, true, false, false]],
    ['12345678901234567890.000000000001', '12345678901234567890', [true, true, false, false]],
    ['1e3', 999, [true, true, false, false]],
  ])('%j against %j', (actual, value, expected) => {
    const got = (['greater_than', 'greater_than_or_equals', 'less_than', 'less_than_or_equals'] as const).map((op) =>
      check(actual, op, value),
    );
    expect(got).toEqual(expected);
  });

  it.each<[MetadataValue, Value]>([
    ['abc', 100],
    ['abc', 'abc'],
    ['b', 'a'],
    [true, 0],
    [dec('5'), true],
    ['', 0],
    ['12abc', 10],
  ])('%j against %j never matches (not both numeric)', (actual, value) => {
    for (const op of ['greater_than', 'greater_than_or_equals', 'less_than', 'less_than_or_equals'] as const) {
      expect(check(actual, op, value)).toBe(false);
    }
  });
});

describe('contains and does_not_contain', () => {
  it.each<[MetadataValue, Value, boolean]>([
    ['api.v2.upload', 'v2', true],
    ['api.v2.upload', 'V2', false],
    [dec('12.5'), 2.5, true],
    [dec('12.50'), '2.50', true],
    [dec('12.5'), '12.50', false],
    ['150', 15, true],
    ['1000000000000000000000', 1e21, true],
    [true, 'ru', true],
    [false, true, false],
    ['abc', '', true],
  ])('%j contains %j is %s', (actual, value, expected) => {
    expect(check(actual, 'contains', value)).toBe(expected);
    expect(check(actual, 'does_not_contain', value)).toBe(!expected);
  });
});

describe('missing keys', () => {
  it.each(FILTER_OPERATORS)('an event without the key does not match %s', (operator) => {
    expect(check(undefined, operator, operator.includes('than') ? 1 : 'anything')).toBe(false);
  });

  it('does not read inherited properties such as constructor', () => {
    const filter: MeterFilter = {
      conjunction: 'or',
      clauses: [
        { key: 'constructor', operator: 'not_equals', value: 'x' },
        { key: 'toString', operator: 'does_not_contain', value: 'x' },
        { key: '__proto__', operator: 'not_equals', value: 'x' },
      ],
    };
    expect(evaluateFilter(filter, {})).toBe(false);
    expect(evaluateFilter(filter, { constructor: 'y' })).toBe(true);
  });
});

describe('conjunctions and nesting', () => {
  const gets = { key: 'method', operator: 'equals', value: 'GET' } as const;
  const big = { key: 'bytes', operator: 'greater_than', value: 1000 } as const;

  it('combines conditions with and / or at level 1', () => {
    const event = { method: 'GET', bytes: dec('10') };
    expect(evaluateFilter({ conjunction: 'and', clauses: [gets, big] }, event)).toBe(false);
    expect(evaluateFilter({ conjunction: 'or', clauses: [gets, big] }, event)).toBe(true);
  });

  it('evaluates nested filters at level 2', () => {
    const filter: MeterFilter = {
      conjunction: 'and',
      clauses: [
        { conjunction: 'or', clauses: [gets, { key: 'method', operator: 'equals', value: 'HEAD' }] },
        { conjunction: 'and', clauses: [big] },
      ],
    };
    expect(evaluateFilter(filter, { method: 'HEAD', bytes: '2000' })).toBe(true);
    expect(evaluateFilter(filter, { method: 'POST', bytes: '2000' })).toBe(false);
    expect(evaluateFilter(filter, { method: 'GET', bytes: '999' })).toBe(false);
  });

  it('evaluates nested filters at level 3', () => {
    const filter: MeterFilter = {
      conjunction: 'or',
      clauses: [
        { conjunction: 'and', clauses: [{ conjunction: 'and', clauses: [gets, big] }] },
        { conjunction: 'and', clauses: [{ conjunction: 'or', clauses: [{ key: 'tier', operator: 'equals', value: 'pro' }] }] },
      ],
    };
    expect(evaluateFilter(filter, { method: 'GET', bytes: dec('1001') })).toBe(true);
    expect(evaluateFilter(filter, { tier: 'pro' })).toBe(true);
    expect(evaluateFilter(filter, { method: 'GET', bytes: dec('1000') })).toBe(false);
  });

  it('treats empty clauses (which validation rejects) as the logical identities', () => {
    expect(evaluateFilter({ conjunction: 'and', clauses: [] }, {})).toBe(true);
    expect(evaluateFilter({ conjunction: 'or', clauses: [] }, {})).toBe(false);
  });

  it('a compiled predicate is reusable across events', () => {
    const predicate = compileFilter({ conjunction: 'and', clauses: [big] });
    expect([dec('1001'), '5', 'x', dec('1000.000000000001')].map((bytes) => predicate({ bytes }))).toEqual([true, false, false, true]);
  });

  it('rejects an unknown operator at compile time', () => {
    const bad = { conjunction: 'and', clauses: [{ key: 'x', operator: 'matches', value: 'a' }] } as unknown as MeterFilter;
    expect(() => compileFilter(bad)).toThrow(/unknown filter operator matches/);
  });
});

/*
 * Property: the engine agrees with a deliberately simple reference. The reference uses JavaScript
 * numbers, which is exact here because generated numbers have at most 5 significant digits and
 * exponents far inside the double range; the engine uses Decimal, regexes and its own text forms.
 */
describe('agrees with a reference implementation (property)', () => {
  const KEYS = ['a', 'b', 'c', 'd'];
  const quarter = fc.integer({ min: -24, max: 24 }).map((n) => n / 4);
  const numericText = fc.oneof(
    quarter.map(String),
    quarter.map((n) => n.toFixed(3)),
    quarter.map((n) => ` ${n} `),
    fc.constantFrom('-0', '007', '1e2', '.5', '5.', '+3', '2.5e-1'),
  );
  // No 0, b, o or x: keeps JavaScript's Number from reading hex/binary/octal text the reference would accept.
  const noise = fc.string({ unit: fc.constantFrom('1', '2', '.', '-', '+', 'e', ' ', 'a', 't'), maxLength: 5 });
  const text = fc.oneof(numericText, noise, fc.constantFrom('true', 'false', 'True', 'GET', ''));
  const metadataValue: fc.Arbitrary<MetadataValue> = fc.oneof(
    text,
    fc.boolean(),
    quarter.map((n) => ({ decimal: String(n) })),
    quarter.map((n) => ({ decimal: n.toFixed(2) })),
  );
  const filterValue: fc.Arbitrary<Value> = fc.oneof(text, quarter, fc.boolean());
  const condition = fc.record({ key: fc.constantFrom(...KEYS, 'e'), operator: fc.constantFrom(...FILTER_OPERATORS), value: filterValue });
  const conjunction = fc.constantFrom('and' as const, 'or' as const);
  const level = (inner: fc.Arbitrary<MeterFilter> | null): fc.Arbitrary<MeterFilter> =>
    fc.record({
      conjunction,
      clauses: inner
        ? fc.oneof(fc.array(condition, { minLength: 1, maxLength: 4 }), fc.array(inner, { minLength: 1, maxLength: 3 }))
        : fc.array(condition, { minLength: 1, maxLength: 4 }),
    });
  const filter = level(level(level(null)));
  const metadata = fc.dictionary(fc.constantFrom(...KEYS), metadataValue, { minKeys: 2, maxKeys: 4 });

  const reached = new Set<string>();

  function refNumber(value: Value | MetadataValue): number | undefined {
    if (typeof value === 'boolean') return undefined;
    const t = typeof value === 'object' ? value.decimal : String(value);
    const n = Number(t);
    return t.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  const refText = (value: Value | MetadataValue): string => (typeof value === 'object' ? value.decimal : String(value));

  function refCondition(c: FilterCondition, m: Metadata): boolean {
    const actual = m[c.key];
    if (actual === undefined) return false;
    const a = refNumber(actual);
    const b = refNumber(c.value);
    const numeric = a !== undefined && b !== undefined;
    const equal = numeric ? a === b : refText(actual) === refText(c.value);
    const contained = refText(actual).includes(refText(c.value));
    const results: Record<FilterOperator, boolean> = {
      equals: equal,
      not_equals: !equal,
      greater_than: numeric && a > b,
      greater_than_or_equals: numeric && a >= b,
      less_than: numeric && a < b,
      less_than_or_equals: numeric && a <= b,
      contains: contained,
      does_not_contain: !contained,
    };
    reached.add(`${c.operator}/${numeric}/${results[c.operator]}`);
    return results[c.operator];
  }

  function refFilter(f: MeterFilter, m: Metadata): boolean {
    const clauses: (FilterCondition | MeterFilter)[] = f.clauses;
    const results = clauses.map((c) => ('conjunction' in c ? refFilter(c, m) : refCondition(c, m)));
    return f.conjunction === 'and' ? !results.includes(false) : results.includes(true);
  }

  it('on 10,000 generated (filter, event) pairs, with both outcomes well represented', () => {
    let matched = 0;
    fc.assert(
      fc.property(filter, metadata, (f, m) => {
        const expected = refFilter(f, m);
        if (expected) matched += 1;
        expect(evaluateFilter(f, m)).toBe(expected);
      }),
      { numRuns: 10000 },
    );
    // Guards the generator: a property where (almost) everything matches or nothing does proves little.
    expect(matched).toBeGreaterThan(1000);
    expect(matched).toBeLessThan(9000);
    // Every (operator, both numeric, result) case was reached; ordering never matches non-numeric values.
    expect(reached.size).toBe(FILTER_OPERATORS.length * 4 - 4);
  });

  it('compares 38-digit decimals exactly (reference: BigInt scaled by 10^12)', () => {
    const SCALE = 10n ** 12n;
    const scaled = fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n });
    const format = (v: bigint): string => {
      const abs = v < 0n ? -v : v;
      return `${v < 0n ? '-' : ''}${abs / SCALE}.${(abs % SCALE).toString().padStart(12, '0')}`;
    };
    const ops = ['equals', 'greater_than', 'greater_than_or_equals', 'less_than', 'less_than_or_equals'] as const;
    fc.assert(
      fc.property(scaled, fc.bigInt({ min: -2n, max: 2n }), fc.constantFrom(...ops), (a, delta, operator) => {
        const b = a + delta;
        const expected = { equals: a === b, greater_than: a > b, greater_than_or_equals: a >= b, less_than: a < b, less_than_or_equals: a <= b };
        expect(check(dec(format(a)), operator, format(b))).toBe(expected[operator]);
      }),
      { numRuns: 2000 },
    );
  });
});
