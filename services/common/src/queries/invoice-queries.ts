import { toClickHouseTime } from '@meterstream/domain';
import type { BuiltQuery } from './usage-queries';
import { LIST_QUERY_SETTINGS, optionalTime, whereGiven } from './optional-filters';

export interface InvoiceScope {
  customerId?: string;
  subscriptionId?: string;
  status?: string;
  /** Invoices whose period starts at or after this (epoch ms). */
  periodStartFrom?: number;
  /** Invoices whose period ends at or before this (epoch ms). */
  periodEndTo?: number;
}

/**
 * A page of stored invoice bodies, newest period first. The invoices table is a ReplacingMergeTree:
 * FINAL collapses a row written twice (a retried insert) at read time.
 */
export function invoicesPageQuery(scope: InvoiceScope, limit: number, offset: number): BuiltQuery {
  const params: BuiltQuery['params'] = { limit, offset };
  const where = whereGiven(
    [
      { sql: 'customer_id = {customer_id:String}', param: 'customer_id', value: scope.customerId },
      { sql: 'subscription_id = {subscription_id:String}', param: 'subscription_id', value: scope.subscriptionId },
      { sql: 'status = {status:String}', param: 'status', value: scope.status },
      { sql: "period_start >= {period_start:DateTime64(3, 'UTC')}", param: 'period_start', value: optionalTime(scope.periodStartFrom) },
      { sql: "period_end <= {period_end:DateTime64(3, 'UTC')}", param: 'period_end', value: optionalTime(scope.periodEndTo) },
    ],
    params,
  );
  return {
    query: `SELECT body FROM invoices FINAL${where}
ORDER BY period_start DESC, subscription_id ASC, id ASC
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
${LIST_QUERY_SETTINGS}`,
    params,
  };
}

export function invoiceByIdQuery(id: string): BuiltQuery {
  return { query: 'SELECT body FROM invoices FINAL WHERE id = {id:String} LIMIT 1', params: { id } };
}

/**
 * Every stored invoice of one subscription whose period ends after `periodEndAfter` (epoch ms), oldest
 * period first: the invoice of a period and every later one (which carry its adjustment lines).
 */
export function subscriptionInvoicesQuery(subscriptionId: string, periodEndAfter: number): BuiltQuery {
  return {
    query: `SELECT body FROM invoices FINAL
WHERE subscription_id = {subscription_id:String} AND period_end > {period_end:DateTime64(3, 'UTC')}
ORDER BY period_start ASC, id ASC`,
    params: { subscription_id: subscriptionId, period_end: toClickHouseTime(periodEndAfter) },
  };
}
