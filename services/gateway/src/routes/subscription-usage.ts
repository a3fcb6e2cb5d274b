import type { FastifyInstance } from 'fastify';
import { type UsageReader } from '@meterstream/common';
import { MeterstreamError, elapsedPeriods, openPeriod, parseIsoTime, periodsOverlapping, type CatalogView, type Meter, type MeterPrice, type Period } from '@meterstream/domain';
import { pageWindow, type PageQuery } from '../pagination';
import { invoicePreview, usageHistoryMeter, usageHistoryPeriod, type UsageHistoryPeriod } from '../usage-report';
import { findSubscription, productOf } from './subscriptions';

interface UsageHistoryQuery extends PageQuery {
  start_date?: string;
  end_date?: string;
  meter_id?: string;
}

/**
 * Usage of a subscription from real-time aggregates (ClickHouse `meter_usage`), priced as billing
 * prices it: Dodo's usage history (one item per billing period, most recent first) and a preview of the
 * open period's invoice. Neither issues nor stores anything.
 */
export function registerSubscriptionUsageRoutes(app: FastifyInstance, usage: UsageReader, catalog: CatalogView): void {
  /** A meter's total for one customer over [start, end), exact decimal text ("0" without usage). */
  const meterTotal = (meter: Meter, customerId: string, p: Period): Promise<string> =>
    usage.total({ meterId: meter.id, aggregation: meter.aggregation.type, customerId, start: p.start, end: p.end });
  const meterOf = (price: MeterPrice): Meter => {
    const meter = catalog.get('meters', price.meter_id);
    if (!meter) throw new MeterstreamError('UNKNOWN_METER', `meter ${price.meter_id} does not exist`);
    return meter;
  };

  app.get<{ Params: { id: string }; Querystring: UsageHistoryQuery }>(
    '/subscriptions/:id/usage-history',
    { config: { scope: 'read' } },
    async (request) => {
      const q = request.query;
      const subscription = findSubscription(catalog, request.params.id);
      const product = productOf(catalog, subscription);
      const { size, offset } = pageWindow(q);
      const from = readTime(q.start_date, 'start_date');
      const to = readTime(q.end_date, 'end_date');
      if (from !== undefined && to !== undefined && to < from) {
        throw new MeterstreamError('VALIDATION_FAILED', 'end_date must not lie before start_date', [{ field: 'end_date', message: 'must not lie before start_date' }]);
      }
      let prices = product.price.meters;
      if (q.meter_id) {
        prices = prices.filter((p) => p.meter_id === q.meter_id);
        if (prices.length === 0) {
          throw new MeterstreamError('VALIDATION_FAILED', `product ${product.product_id} does not price meter ${q.meter_id}`, [
            { field: 'meter_id', message: `not priced by this subscription's product ${product.product_id}` },
          ]);
        }
      }
      const priced = prices.map((price) => ({ price, meter: meterOf(price) }));
      const periods = periodsOverlapping(elapsedPeriods(subscription, product.price, Date.now()), from, to).slice(offset, offset + size);
      const items: UsageHistoryPeriod[] = [];
      for (const p of periods) {
        const meters = await Promise.all(
          priced.map(async ({ price, meter }) => usageHistoryMeter(price, meter, product.price.currency, await meterTotal(meter, subscription.customer_id, p))),
        );
        items.push(usageHistoryPeriod(p, meters));
      }
      return { items };
    },
  );

  app.get<{ Params: { id: string } }>('/subscriptions/:id/invoice-preview', { config: { scope: 'read' } }, async (request) => {
    const subscription = findSubscription(catalog, request.params.id);
    const product = productOf(catalog, subscription);
    const now = Date.now();
    const open = openPeriod(subscription, product.price, now);
    if (!open) throw new MeterstreamError('NOT_FOUND', `subscription ${subscription.subscription_id} ended at ${subscription.ends_at}: it has no open period`);
    const totals = await Promise.all(product.price.meters.map(async (price) => [price.meter_id, await meterTotal(meterOf(price), subscription.customer_id, open)] as const));
    return invoicePreview(subscription, product, open, new Map(totals), now);
  });
}

function readTime(raw: string | undefined, field: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = parseIsoTime(raw);
  if (ms === undefined) throw new MeterstreamError('VALIDATION_FAILED', `${field} must be an ISO 8601 date-time`, [{ field, message: 'ISO 8601 date-time with a zone' }]);
  return ms;
}
