import type { Invoice } from '@meterstream/domain';
import type { Warehouse } from '../warehouse/warehouse';
import { invoiceByIdQuery, invoicesPageQuery, type InvoiceScope } from '../queries/invoice-queries';

/** Issued invoices from the ClickHouse invoices table, each as it was emitted (the stored body). */
export class InvoiceReader {
  constructor(private readonly warehouse: Warehouse) {}

  /** A page of invoices, newest period first. */
  async page(scope: InvoiceScope, limit: number, offset: number): Promise<Invoice[]> {
    const { query, params } = invoicesPageQuery(scope, limit, offset);
    const rows = await this.warehouse.query<{ body: string }>(query, params);
    return rows.map((row) => JSON.parse(row.body) as Invoice);
  }

  async byId(id: string): Promise<Invoice | undefined> {
    const { query, params } = invoiceByIdQuery(id);
    const [row] = await this.warehouse.query<{ body: string }>(query, params);
    return row ? (JSON.parse(row.body) as Invoice) : undefined;
  }
}
