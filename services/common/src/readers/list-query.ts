import { MeterstreamError } from '@meterstream/domain';
import { LIST_QUERY_TIME_LIMIT_SECONDS } from '../queries/optional-filters';
import type { BuiltQuery } from '../queries/usage-queries';
import { isQueryTimeout } from '../warehouse/warehouse-errors';
import type { Warehouse } from '../warehouse/warehouse';

/** Runs a listing query (built with LIST_QUERY_SETTINGS); its time limit becomes a retryable 503 QUERY_TIMEOUT. */
export async function listQuery<T>(warehouse: Warehouse, { query, params }: BuiltQuery): Promise<T[]> {
  try {
    return await warehouse.query<T>(query, params);
  } catch (err) {
    if (isQueryTimeout(err)) throw new MeterstreamError('QUERY_TIMEOUT', `the listing took longer than ${LIST_QUERY_TIME_LIMIT_SECONDS} s; narrow it (customer_id, start, end) or retry`);
    throw err;
  }
}
