import fc from 'fast-check';
import { FILTER_OPERATORS, type MeterFilter } from './filter-evaluator';
import { validateFilter, type FilterError } from './filter-validator';

const cond = (key = 'method', operator: string = 'equals', value: unknown = 'GET') => ({ key, operator, value });
const wrap = (clauses: unknown[], conjunction = 'and') => ({ conjunction, clauses });

function errorsOf(input: unknown): FilterError[] {
  const result = validateFilter(input);
  if (result.ok) throw new Error(`expected errors, got a valid filter: ${JSON.stringify(input)}`);
  return result.errors;
}

describe('validateFilter: accepted filters', () => {
  it('accepts a flat filter and returns an equal copy', () => {
    const input = wrap([cond(), cond('bytes', 'greater_than', 100), cond('beta', 'equals', true)], 'or');
    const result = validateFilter(input);
    expect(result).toEqual({ ok: true, filter: input });
    expect(result.ok && result.filter).not.toBe(input);
  });

  it('accepts nesting at 2 and 3 levels', () => {
    expect(validateFilter(wrap([wrap([cond()])])).ok).toBe(true);
    expect(validateFilter(wrap([wrap([wrap([cond()])]), wrap([cond()])])).ok).toBe(true);
  });

  it('accepts boundary sizes: 100-character key, 500-character value, empty string value', () => {
    expect(validateFilter(wrap([cond('k'.repeat(100), 'contains', 'v'.repeat(500))])).ok).toBe(true);
    expect(validateFilter(wrap([cond('😀'.repeat(100), 'equals', '')])).ok).toBe(true);
  });

  it('accepts numeric text for ordering operators', () => {
    expect(validateFilter(wrap([cond('bytes', 'less_than', ' 12.5 ')])).ok).toBe(true);
  });
});

describe('validateFilter: rejected filters', () => {
  it('rejects a 4-level filter, naming the maximum depth of 3', () => {
    const errors = errorsOf(wrap([wrap([wrap([wrap([cond()])])])]));
    expect(errors).toEqual([{ field: 'filter.clauses[0].clauses[0].clauses[0]', message: expect.stringContaining('the maximum depth is 3') }]);
  });

  it('names the field path of a bad nested operator', () => {
    const errors = errorsOf(wrap([wrap([cond()]), wrap([cond('a', 'matches')])]));
    expect(errors).toEqual([{ field: 'filter.clauses[1].clauses[0].operator', message: expect.stringContaining('equals, not_equals') }]);
  });

  it.each<[string, unknown, string]>([
    ['not an object', null, 'filter'],
    ['an array', [cond()], 'filter'],
    ['unknown conjunction', wrap([cond()], 'AND'), 'filter.conjunction'],
    ['missing conjunction', { clauses: [cond()] }, 'filter.conjunction'],
    ['clauses not an array', { conjunction: 'and', clauses: cond() }, 'filter.clauses'],
    ['empty clauses', wrap([]), 'filter.clauses'],
    ['empty nested clauses', wrap([wrap([])]), 'filter.clauses[0].clauses'],
    ['a clause that is not an object', wrap(['method = GET']), 'filter.clauses[0]'],
    ['empty key', wrap([cond('')]), 'filter.clauses[0].key'],
    ['non-string key', wrap([cond(7 as unknown as string)]), 'filter.clauses[0].key'],
    ['101-character key', wrap([cond('k'.repeat(101))]), 'filter.clauses[0].key'],
    ['501-character value', wrap([cond('k', 'equals', 'v'.repeat(501))]), 'filter.clauses[0].value'],
    ['NaN value', wrap([cond('k', 'equals', NaN)]), 'filter.clauses[0].value'],
    ['infinite value', wrap([cond('k', 'less_than', Infinity)]), 'filter.clauses[0].value'],
    ['null value', wrap([cond('k', 'equals', null)]), 'filter.clauses[0].value'],
    ['object value', wrap([cond('k', 'equals', { decimal: '1' })]), 'filter.clauses[0].value'],
    ['ordering against text', wrap([cond('k', 'greater_than', 'abc')]), 'filter.clauses[0].value'],
    ['ordering against a boolean', wrap([cond('k', 'less_than_or_equals', true)]), 'filter.clauses[0].value'],
    ['unknown condition property', wrap([{ ...cond(), negate: true }]), 'filter.clauses[0].negate'],
    ['unknown filter property', { ...wrap([cond()]), not: true }, 'filter.not'],
  ])('rejects %s', (_name, input, field) => {
    expect(errorsOf(input).map((e) => e.field)).toEqual([field]);
  });

  it('rejects mixing conditions and nested filters, at the odd clause', () => {
    const errors = errorsOf(wrap([cond(), wrap([cond()]), cond()]));
    expect(errors).toEqual([{ field: 'filter.clauses[1]', message: expect.stringContaining('must not mix') }]);
    expect(errorsOf(wrap([wrap([cond()]), cond()])).map((e) => e.field)).toEqual(['filter.clauses[1]']);
  });

  it('collects every error, not only the first', () => {
    const errors = errorsOf({ conjunction: 'xor', clauses: [cond('', 'equals'), cond('ok', 'nope', [])] });
    expect(errors.map((e) => e.field)).toEqual([
      'filter.conjunction',
      'filter.clauses[0].key',
      'filter.clauses[1].operator',
      'filter.clauses[1].value',
    ]);
  });

  it('prefixes paths with the caller-given field name', () => {
    expect(validateFilter(wrap([cond('')]), 'body.filter')).toEqual({
      ok: false,
      errors: [{ field: 'body.filter.clauses[0].key', message: 'must be a non-empty string' }],
    });
  });
});

describe('validateFilter (property)', () => {
  const condition = fc.record({
    key: fc.string({ minLength: 1, maxLength: 100 }),
    operator: fc.constantFrom(...FILTER_OPERATORS.filter((op) => !op.includes('than'))),
    value: fc.oneof(fc.string({ maxLength: 500 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
  });
  const level = (inner: fc.Arbitrary<MeterFilter> | null): fc.Arbitrary<MeterFilter> =>
    fc.record({
      conjunction: fc.constantFrom('and' as const, 'or' as const),
      clauses: inner
        ? fc.oneof(fc.array(condition, { minLength: 1, maxLength: 3 }), fc.array(inner, { minLength: 1, maxLength: 3 }))
        : fc.array(condition, { minLength: 1, maxLength: 3 }),
    });

  it('accepts every well-formed filter up to 3 levels and returns it unchanged', () => {
    fc.assert(
      fc.property(level(level(level(null))), (filter) => {
        expect(validateFilter(filter)).toEqual({ ok: true, filter });
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects any such filter once it is wrapped to a 4th level', () => {
    fc.assert(
      fc.property(level(level(level(null))), (filter) => {
        // The innermost clauses become level 4 exactly when the filter already reaches level 3.
        const depth = (f: MeterFilter): number =>
          1 + Math.max(0, ...(f.clauses as object[]).map((c) => ('clauses' in c ? depth(c as MeterFilter) : 0)));
        const wrapped = wrap([filter]);
        expect(validateFilter(wrapped).ok).toBe(depth(filter) < 3);
      }),
      { numRuns: 1000 },
    );
  });
});
