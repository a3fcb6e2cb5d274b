import { clickHouseErrorCode, isDataError } from './warehouse-errors';

describe('warehouse errors', () => {
  it('reads the code from chdb, from @clickhouse/client and from the message', () => {
    expect(clickHouseErrorCode(Object.assign(new Error('x'), { clickhouseCode: 69, code: 'CHDB_INSERT' }))).toBe(69);
    expect(clickHouseErrorCode(Object.assign(new Error('x'), { code: '407', type: 'DECIMAL_OVERFLOW' }))).toBe(407);
    expect(clickHouseErrorCode(new Error('Code: 27. DB::Exception: Cannot parse input'))).toBe(27);
    expect(clickHouseErrorCode(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(clickHouseErrorCode('Code: 27.')).toBeUndefined();
  });

  it('calls refused data a data error, and everything else infrastructure', () => {
    expect(isDataError(Object.assign(new Error('Too many digits'), { clickhouseCode: 69 }))).toBe(true);
    expect(isDataError(Object.assign(new Error('x'), { code: '41', type: 'CANNOT_PARSE_DATETIME' }))).toBe(true);
    // Unknown table (a migration not applied yet), memory limit, timeout, no server: retried.
    expect(isDataError(Object.assign(new Error('x'), { clickhouseCode: 60 }))).toBe(false);
    expect(isDataError(Object.assign(new Error('x'), { code: '241', type: 'MEMORY_LIMIT_EXCEEDED' }))).toBe(false);
    expect(isDataError(Object.assign(new Error('Timeout error.'), { code: 'ETIMEDOUT' }))).toBe(false);
    expect(isDataError(new Error('injected: insert refused'))).toBe(false);
  });
});
