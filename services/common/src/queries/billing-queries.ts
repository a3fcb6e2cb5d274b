import type { BuiltQuery } from './usage-queries';

/** Which of these invoice ids the invoices table holds (billing repairs the rest at start). */
export function storedInvoiceIdsQuery(ids: readonly string[]): BuiltQuery {
  return { query: 'SELECT DISTINCT id FROM invoices WHERE id IN {ids:Array(String)}', params: { ids: [...ids] } };
}

