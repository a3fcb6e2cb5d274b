import type { FastifyInstance } from 'fastify';
import { type Warehouse } from '@meterstream/common';
import { MeterstreamError, parseIsoTime, type Invoice } from '@meterstream/domain';
import { invoiceByIdQuery, invoicesPageQuery, type InvoiceScope } from '../invoice-queries';
import { pageWindow, type PageQuery } from '../pagination';

interface InvoiceListQuery extends PageQuery {
  customer_id?: string;
  subscription_id?: string;
  status?: string;
  /** Invoices whose period starts at or after this ISO 8601 time. */
  period_start?: string;
  /** Invoices whose period ends at or before this ISO 8601 time. */
  period_end?: string;
}

/** Issued invoices, read from the ClickHouse invoices table; each item is the invoice as emitted. */
export function registerInvoiceRoutes(app: FastifyInstance, warehouse: Warehouse): void {
  app.get<{ Querystring: InvoiceListQuery }>('/invoices', { config: { scope: 'read' } }, async (request) => {
    const q = request.query;
    const { size, offset } = pageWindow(q);
    const scope: InvoiceScope = { customerId: q.customer_id || undefined, subscriptionId: q.subscription_id || undefined, status: q.status || undefined };
    for (const [field, key] of [['period_start', 'periodStartFrom'], ['period_end', 'periodEndTo']] as const) {
      const raw = q[field];
      if (raw === undefined || raw === '') continue;
      const ms = parseIsoTime(raw);
      if (ms === undefined) throw new MeterstreamError('VALIDATION_FAILED', `${field} must be an ISO 8601 date-time`, [{ field, message: 'ISO 8601 date-time with a zone' }]);
      scope[key] = ms;
    }
    const { query, params } = invoicesPageQuery(scope, size, offset);
    const rows = await warehouse.query<{ body: string }>(query, params);
    return { items: rows.map((row) => JSON.parse(row.body) as Invoice) };
  });

  app.get<{ Params: { id: string } }>('/invoices/:id', { config: { scope: 'read' } }, async (request) => {
    const { query, params } = invoiceByIdQuery(request.params.id);
    const [row] = await warehouse.query<{ body: string }>(query, params);
    if (!row) throw new MeterstreamError('NOT_FOUND', `invoice ${request.params.id} does not exist`);
    return JSON.parse(row.body) as Invoice;
  });
}
