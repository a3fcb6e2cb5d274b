import { type BuiltQuery } from '@meterstream/common';
import { toClickHouseTime } from '@meterstream/domain';

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
  const where: string[] = [];
  const params: BuiltQuery['params'] = { limit, offset };
  if (scope.customerId !== undefined) {
    where.push('customer_id = {customer_id:String}');
    params.customer_id = scope.customerId;
  }
  if (scope.subscriptionId !== undefined) {
    where.push('subscription_id = {subscription_id:String}');
    params.subscription_id = scope.subscriptionId;
  }
  if (scope.status !== undefined) {
    where.push('status = {status:String}');
    params.status = scope.status;
  }
  if (scope.periodStartFrom !== undefined) {
    where.push("period_start >= {period_start:DateTime64(3, 'UTC')}");
    params.period_start = toClickHouseTime(scope.periodStartFrom);
  }
  if (scope.periodEndTo !== undefined) {
    where.push("period_end <= {period_end:DateTime64(3, 'UTC')}");
    params.period_end = toClickHouseTime(scope.periodEndTo);
  }
  return {
    query: `SELECT body FROM invoices FINAL${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
ORDER BY period_start DESC, subscription_id ASC, id ASC
LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    params,
  };
}

export function invoiceByIdQuery(id: string): BuiltQuery {
  return { query: 'SELECT body FROM invoices FINAL WHERE id = {id:String} LIMIT 1', params: { id } };
}
