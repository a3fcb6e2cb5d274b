import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import {
  Decimal,
  MeterstreamError,
  toClickHouseTime,
  usageTotalQuery,
  type AvroCodec,
  type CatalogView,
  type Invoice,
  type Logger,
  type Topics,
  type Warehouse,
} from '@meterstream/common';
import { invoiceId } from './invoice-id';
import { priceInvoice } from './invoice-pricer';

export interface BillingDeps {
  kafka: Kafka;
  codec: AvroCodec;
  topics: Topics;
  warehouse: Warehouse;
  catalog: CatalogView;
  logger: Logger;
  transactionalId: string;
}

export interface ClosePeriodRequest {
  subscriptionId: string;
  /** Inclusive, epoch ms. */
  periodStart: number;
  /** Exclusive, epoch ms. */
  periodEnd: number;
}

/**
 * Reads a period's usage totals from ClickHouse, prices them and emits the invoice to `invoices` (Avro,
 * in a Kafka transaction) and to the ClickHouse invoices table. The invoice id is deterministic; an
 * invoice already stored for the same subscription and period is returned instead of a second one.
 */
export class Billing {
  private producer: Producer | undefined;

  constructor(private readonly deps: BillingDeps) {}

  async start(): Promise<void> {
    await this.deps.codec.register(this.deps.topics.invoices, 'invoice');
    this.producer = this.deps.kafka.producer({
      transactionalId: this.deps.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
    });
    await this.producer.connect();
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
  }

  async closePeriod(request: ClosePeriodRequest): Promise<Invoice> {
    const { catalog, warehouse } = this.deps;
    const subscription = catalog.get('subscriptions', request.subscriptionId);
    if (!subscription) throw new MeterstreamError('UNKNOWN_SUBSCRIPTION', `subscription ${request.subscriptionId} does not exist`);
    const product = catalog.get('products', subscription.product_id);
    if (!product) throw new MeterstreamError('NOT_FOUND', `product ${subscription.product_id} does not exist`);

    const id = invoiceId(subscription.subscription_id, request.periodStart, request.periodEnd);
    const existing = await warehouse.query<{ body: string }>('SELECT body FROM invoices FINAL WHERE id = {id:String} LIMIT 1', { id });
    if (existing.length > 0) return JSON.parse(existing[0].body) as Invoice;

    const usage = new Map<string, string>();
    for (const price of product.price.meters) {
      const meter = catalog.get('meters', price.meter_id);
      if (!meter) throw new MeterstreamError('UNKNOWN_METER', `product ${product.product_id} prices unknown meter ${price.meter_id}`);
      const { query, params } = usageTotalQuery({
        meterId: meter.id,
        aggregation: meter.aggregation.type,
        customerId: subscription.customer_id,
        start: request.periodStart,
        end: request.periodEnd,
      });
      const [row] = await warehouse.query<{ total: string; records: string }>(query, params);
      usage.set(meter.id, row && row.records !== '0' ? row.total : '0');
    }
    const priced = priceInvoice(product, usage);
    const invoice: Invoice = {
      id,
      subscription_id: subscription.subscription_id,
      customer_id: subscription.customer_id,
      product_id: product.product_id,
      currency: product.price.currency,
      period_start: new Date(request.periodStart).toISOString(),
      period_end: new Date(request.periodEnd).toISOString(),
      status: 'issued',
      lines: priced.lines,
      subtotal: priced.subtotal,
      total: priced.total,
      issued_at: new Date().toISOString(),
    };
    await this.emit(invoice);
    this.deps.logger.info({ invoice: id, subscription: subscription.subscription_id, total: invoice.total }, 'invoice issued');
    return invoice;
  }

  private async emit(invoice: Invoice): Promise<void> {
    if (!this.producer) throw new Error('billing is not started');
    const topic = this.deps.topics.invoices;
    const value = await this.deps.codec.encode(topic, invoice);
    const tx = await this.producer.transaction();
    try {
      await tx.send({ topic, acks: -1, messages: [{ key: invoice.id, value }] });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    await this.deps.warehouse.insert(
      'invoices',
      [
        {
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
        },
      ],
      { dedupToken: invoice.id },
    );
  }
}
