import type { FastifyInstance } from 'fastify';
import { type CatalogLog } from '@meterstream/common';
import { MeterstreamError, validateProductInput, type ProductRecord } from '@meterstream/domain';
import { newProductId } from '../catalog-records';
import { pageOf, type PageQuery } from '../pagination';

/** Dodo's Product as retrieve and create answer it; `price` is the stored usage-based price. */
export function showProduct(product: ProductRecord, businessId: string) {
  return {
    business_id: businessId,
    product_id: product.product_id,
    name: product.name,
    description: product.description ?? null,
    is_recurring: true,
    tax_category: product.tax_category ?? null,
    metadata: product.metadata ?? {},
    price: product.price,
    created_at: product.created_at ?? null,
    updated_at: product.updated_at ?? product.created_at ?? null,
  };
}

/** Dodo's ProductListResponse: `price` is the fixed price, `price_detail` the whole price. */
function showListedProduct(product: ProductRecord, businessId: string) {
  const { price, ...rest } = showProduct(product, businessId);
  return { ...rest, currency: price.currency, price: price.fixed_price, tax_inclusive: false, price_detail: price };
}

/**
 * Dodo Payments' products API for usage-based prices: create, list, retrieve. A product is not
 * updated in place (invoices of its past periods stay explained by the price that made them).
 */
export function registerProductRoutes(app: FastifyInstance, catalog: CatalogLog, businessId: string): void {
  app.post('/products', { config: { scope: 'admin' } }, async (request) => {
    const checked = validateProductInput(request.body, newProductId(), new Date().toISOString(), catalog.store);
    if (!checked.ok) throw new MeterstreamError('VALIDATION_FAILED', 'invalid product', checked.errors);
    await catalog.put('products', checked.value.product_id, checked.value);
    return showProduct(checked.value, businessId);
  });

  app.get<{ Querystring: PageQuery & { archived?: string; recurring?: string } }>('/products', { config: { scope: 'read' } }, async (request) => {
    for (const field of ['archived', 'recurring'] as const) {
      const value = request.query[field];
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw new MeterstreamError('VALIDATION_FAILED', `${field} must be true or false`, [{ field, message: 'must be true or false' }]);
      }
    }
    // Products are never archived, and every usage-based product is recurring.
    if (request.query.archived === 'true' || request.query.recurring === 'false') return { items: [] };
    const products = (catalog.store.list('products') as ProductRecord[]).sort(
      (a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.product_id.localeCompare(b.product_id),
    );
    return pageOf(products.map((p) => showListedProduct(p, businessId)), request.query);
  });

  app.get<{ Params: { id: string } }>('/products/:id', { config: { scope: 'read' } }, async (request) => {
    const product = catalog.store.get('products', request.params.id);
    if (!product) throw new MeterstreamError('NOT_FOUND', `product ${request.params.id} does not exist`);
    return showProduct(product, businessId);
  });
}
