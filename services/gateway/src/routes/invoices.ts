import type { FastifyInstance } from 'fastify';
import { type InvoiceReader, type InvoiceScope } from '@meterstream/common';
import { MeterstreamError, parseIsoTime } from '@meterstream/domain';
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
export function registerInvoiceRoutes(app: FastifyInstance, invoices: InvoiceReader): void {
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
    return { items: await invoices.page(scope, size, offset) };
  });

  app.get<{ Params: { id: string } }>('/invoices/:id', { config: { scope: 'read' } }, async (request) => {
    const invoice = await invoices.byId(request.params.id);
    if (!invoice) throw new MeterstreamError('NOT_FOUND', `invoice ${request.params.id} does not exist`);
    return invoice;
  });
}
