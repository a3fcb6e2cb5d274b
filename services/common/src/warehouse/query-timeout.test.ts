import { isQueryTimeout } from './warehouse-errors';

describe('isQueryTimeout', () => {
  it("recognizes ClickHouse's TIMEOUT_EXCEEDED from either adapter, nothing else", () => {
    // chdb (as the embedded adapter throws it) and @clickhouse/client (code as text).
    expect(isQueryTimeout({ clickhouseCode: 159, message: 'Code: 159. DB::Exception: Timeout exceeded: elapsed 1001.3 ms, maximum: 1000 ms. (TIMEOUT_EXCEEDED)' })).toBe(true);
    expect(isQueryTimeout({ code: '159', message: 'Timeout exceeded' })).toBe(true);
    expect(isQueryTimeout(new Error('Code: 159. DB::Exception: Timeout exceeded: elapsed 5000 ms'))).toBe(true);
    expect(isQueryTimeout({ clickhouseCode: 160, message: 'Code: 160. DB::Exception: Estimated query execution time is too long (TOO_SLOW)' })).toBe(false);
    expect(isQueryTimeout(new Error('socket hang up'))).toBe(false);
    expect(isQueryTimeout(undefined)).toBe(false);
  });
});
