import type { FastifyInstance } from 'fastify';
import { type CatalogLog } from '@meterstream/common';
import { MeterstreamError, parseIsoTime, validateCustomerInput, validateCustomerPatch, type CustomerRecord } from '@meterstream/domain';
import { newCustomerId } from '../catalog-records';
import { pageOf, type PageQuery } from '../pagination';

interface CustomerListQuery extends PageQuery {
  email?: string;
  name?: string;
  created_at_gte?: string;
  created_at_lte?: string;
}

/** Dodo's customer as the API shows it. */
export function showCustomer(customer: CustomerRecord, businessId: string) {
  return {
    business_id: businessId,
    customer_id: customer.customer_id,
    name: customer.name,
    email: customer.email,
    phone_number: customer.phone_number ?? null,
    metadata: customer.metadata ?? {},
    created_at: customer.created_at ?? null,
  };
}

/**
 * Dodo Payments' customers API: create, list (email, name, created_at filters), retrieve, update
 * (name, email, phone_number, metadata). Customers live in the catalog (`catalog.customers`).
 */
export function registerCustomerRoutes(app: FastifyInstance, catalog: CatalogLog, businessId: string): void {
  const show = (customer: CustomerRecord) => showCustomer(customer, businessId);
  const find = (id: string): CustomerRecord => {
    const customer = catalog.store.get('customers', id);
    if (!customer) throw new MeterstreamError('NOT_FOUND', `customer ${id} does not exist`);
    return customer;
  };

  app.post('/customers', { config: { scope: 'admin' } }, async (request) => {
    const checked = validateCustomerInput(request.body, newCustomerId(), new Date().toISOString());
    if (!checked.ok) throw new MeterstreamError('VALIDATION_FAILED', 'invalid customer', checked.errors);
    await catalog.put('customers', checked.value.customer_id, checked.value);
    return show(checked.value);
  });

  app.get<{ Querystring: CustomerListQuery }>('/customers', { config: { scope: 'read' } }, async (request) => {
    const q = request.query;
    const bounds: { gte?: number; lte?: number } = {};
    for (const [field, key] of [['created_at_gte', 'gte'], ['created_at_lte', 'lte']] as const) {
      const raw = q[field];
      if (raw === undefined || raw === '') continue;
      const ms = parseIsoTime(raw);
      if (ms === undefined) throw new MeterstreamError('VALIDATION_FAILED', `${field} must be an ISO 8601 date-time`, [{ field, message: 'ISO 8601 date-time' }]);
      bounds[key] = ms;
    }
    const name = q.name?.toLowerCase();
    const customers = (catalog.store.list('customers') as CustomerRecord[])
      .filter((c) => !q.email || c.email === q.email)
      .filter((c) => !name || c.name.toLowerCase().includes(name))
      .filter((c) => {
        if (bounds.gte === undefined && bounds.lte === undefined) return true;
        const created = c.created_at ? Date.parse(c.created_at) : undefined;
        return created !== undefined && (bounds.gte === undefined || created >= bounds.gte) && (bounds.lte === undefined || created <= bounds.lte);
      })
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.customer_id.localeCompare(b.customer_id));
    return pageOf(customers.map(show), q);
  });

  app.get<{ Params: { id: string } }>('/customers/:id', { config: { scope: 'read' } }, async (request) => show(find(request.params.id)));

  app.patch<{ Params: { id: string } }>('/customers/:id', { config: { scope: 'admin' } }, async (request) => {
    const existing = find(request.params.id);
    const checked = validateCustomerPatch(request.body ?? {}, existing);
    if (!checked.ok) throw new MeterstreamError('VALIDATION_FAILED', 'invalid customer update', checked.errors);
    await catalog.put('customers', existing.customer_id, checked.value);
    return show(checked.value);
  });
}
