import { storedInvoiceIdsQuery, type Warehouse } from '@meterstream/common';
import { Decimal, toClickHouseTime, type Invoice } from '@meterstream/domain';

/**
 * ClickHouse's invoices table: a copy of the `invoices` topic for queries, filled after each commit
 * and repaired at start.
 */
export class InvoiceStore {
  constructor(private readonly warehouse: Warehouse) {}

  async insert(invoices: readonly Invoice[]): Promise<void> {
    if (invoices.length > 0) await this.warehouse.insert('invoices', invoices.map(invoiceRow));
  }

  /** Inserts the issued invoices the table lacks (a crash between commit and insert). */
  async repair(issued: readonly Invoice[]): Promise<void> {
    if (issued.length === 0) return;
    const { query, params } = storedInvoiceIdsQuery(issued.map((i) => i.id));
    const stored = new Set((await this.warehouse.query<{ id: string }>(query, params)).map((r) => r.id));
    await this.insert(issued.filter((i) => !stored.has(i.id)));
  }
}

function invoiceRow(invoice: Invoice): Record<string, unknown> {
  return {
    id: invoice.id,
    subscription_id: invoice.subscription_id,
    customer_id: invoice.customer_id,
    currency: invoice.currency,
    period_start: toClickHouseTime(Date.parse(invoice.period_start)),
    period_end: toClickHouseTime(Date.parse(invoice.period_end)),
    status: invoice.status,
    total: new Decimal(invoice.total).toFixed(),
    body: JSON.stringify(invoice),
    issued_at: toClickHouseTime(Date.parse(invoice.issued_at)),
  };
}
