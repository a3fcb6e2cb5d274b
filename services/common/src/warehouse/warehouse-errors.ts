/**
 * ClickHouse error codes that mean "ClickHouse read the insert and refused its data": the same rows
 * fail the same way whenever they are sent again. Anything else (no answer, a timeout, a connection
 * refused, a table missing while migrations run, memory limits) is an infrastructure error: retried,
 * never blamed on a record. Codes from ClickHouse's src/Common/ErrorCodes.cpp.
 */
const DATA_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [130, 'CANNOT_READ_ARRAY_FROM_TEXT'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  [407, 'DECIMAL_OVERFLOW'],
  [469, 'VIOLATED_CONSTRAINT'],
]);

/**
 * The ClickHouse error code of an error thrown by either adapter: chdb sets `clickhouseCode`,
 * @clickhouse/client's ClickHouseError carries it as text in `code`; both messages read "Code: N.".
 */
export function clickHouseErrorCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { clickhouseCode, code, message } = err as { clickhouseCode?: unknown; code?: unknown; message?: unknown };
  if (typeof clickhouseCode === 'number') return clickhouseCode;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const match = typeof message === 'string' ? /^Code: (\d+)\. DB::Exception/.exec(message) : null;
  return match ? Number(match[1]) : undefined;
}

/** True when ClickHouse answered and refused the rows themselves (see DATA_ERROR_CODES). */
export function isDataError(err: unknown): boolean {
  const code = clickHouseErrorCode(err);
  return code !== undefined && DATA_ERROR_CODES.has(code);
}

/** ClickHouse's TIMEOUT_EXCEEDED: a query ran past its `max_execution_time`. */
const TIMEOUT_EXCEEDED = 159;

/** True when ClickHouse stopped a query at its time limit (LIST_QUERY_SETTINGS). */
export function isQueryTimeout(err: unknown): boolean {
  return clickHouseErrorCode(err) === TIMEOUT_EXCEEDED;
}
