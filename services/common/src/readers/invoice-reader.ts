import type { Invoice } from '@meterstream/domain';
import type { Warehouse } from '../warehouse/warehouse';
import { invoiceByIdQuery, invoicesPageQuery, subscriptionInvoicesQuery, type InvoiceScope } from '../queries/invoice-queries';
import { listQuery } from './list-query';

/** Issued invoices from the ClickHouse invoices table, each as it was emitted (the stored body). */
export class InvoiceReader {
  constructor(private readonly warehouse: Warehouse) {}

  /** A page of invoices, newest period first; at most LIST_QUERY_TIME_LIMIT_SECONDS. */
  async page(scope: InvoiceScope, limit: number, offset: number): Promise<Invoice[]> {
    const rows = await listQuery<{ body: string }>(this.warehouse, invoicesPageQuery(scope, limit, offset));
    return rows.map((row) => JSON.parse(row.body) as Invoice);
  }

  /** The subscription's invoices whose period ends after `periodEndAfter` (epoch ms), oldest period first. */
  async ofSubscriptionSince(subscriptionId: string, periodEndAfter: number): Promise<Invoice[]> {
    const { query, params } = subscriptionInvoicesQuery(subscriptionId, periodEndAfter);
    const rows = await this.warehouse.query<{ body: string }>(query, params);
    return rows.map((row) => JSON.parse(row.body) as Invoice);
  }

  async byId(id: string): Promise<Invoice | undefined> {
    const { query, params } = invoiceByIdQuery(id);
    const [row] = await this.warehouse.query<{ body: string }>(query, params);
    return row ? (JSON.parse(row.body) as Invoice) : undefined;
  }
}
