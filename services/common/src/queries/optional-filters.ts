import { toClickHouseTime } from '@meterstream/domain';
import type { QueryParams } from '../warehouse/warehouse';

/** One condition of a listing, applied only when its value is given; the value is bound, never spliced. */
export interface OptionalFilter {
  /** The condition with its one placeholder, e.g. `customer_id = {customer_id:String}`. */
  sql: string;
  param: string;
  value: string | number | undefined;
}

/** ` WHERE a AND b` for the filters whose value is given ('' when none is), their values put in `params`. */
export function whereGiven(filters: readonly OptionalFilter[], params: QueryParams): string {
  const given = filters.filter((f): f is OptionalFilter & { value: string | number } => f.value !== undefined);
  for (const f of given) params[f.param] = f.value;
  return given.length > 0 ? ` WHERE ${given.map((f) => f.sql).join(' AND ')}` : '';
}

/** An optional epoch-ms bound as DateTime64 text. */
export function optionalTime(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : toClickHouseTime(ms);
}

/**
 * The longest one listing query may run (ClickHouse `max_execution_time`, in seconds): past it ClickHouse
 * stops the query with TIMEOUT_EXCEEDED and the route answers a retryable 503 QUERY_TIMEOUT.
 */
export const LIST_QUERY_TIME_LIMIT_SECONDS = 5;

/** The SETTINGS clause every listing query ends with (a constant of ours, not a request value). */
export const LIST_QUERY_SETTINGS = `SETTINGS max_execution_time = ${LIST_QUERY_TIME_LIMIT_SECONDS}`;
