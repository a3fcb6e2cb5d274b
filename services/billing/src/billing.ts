import os from 'node:os';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { invoiceId, periodUsageQuery, totalOf, type AvroCodec, type Logger, type MeterstreamConfig, type PeriodUsageRow, type Topics, type Warehouse } from '@meterstream/common';
import { Decimal, duePeriods, toClickHouseTime, type CatalogView, type Invoice, type Period, type Product, type Subscription } from '@meterstream/domain';
import { buildInvoice, type LateUsage } from './invoice-builder';
import { InvoiceLedger } from './invoice-ledger';
import { PipelineProgress } from './pipeline-progress';

export interface BillingDeps {
  config: MeterstreamConfig;
  kafka: Kafka;
  codec: AvroCodec;
  topics: Topics;
  warehouse: Warehouse;
  catalog: CatalogView;
  logger: Logger;
  transactionalId: string;
  routerGroupId: string;
}

interface DuePeriod {
  subscription: Subscription;
  product: Product;
  period: Period;
}

/** Invoices per Kafka transaction when closing many periods at once. */
const INVOICES_PER_TRANSACTION = 200;
/** Customers per usage query. */
const CUSTOMERS_PER_QUERY = 2000;

/**
 * Closes billing periods and emits exactly one invoice per subscription and period.
 *
 * - Source of truth is the `invoices` topic. At start the transactional producer fences any older
 *   billing instance (and aborts its open transaction); then the ledger is rebuilt by reading the topic
 *   read_committed to its end. A crash at any moment therefore neither loses an invoice nor emits one
 *   twice: an invoice is issued iff its transaction committed, and a restarted billing knows it.
 * - A period closes once `end + grace` has passed and the pipeline has applied everything Kafka held
 *   at that moment (router and aggregator caught up).
 * - Late usage of invoiced periods (within the router's deduplication window, the only late events the
 *   pipeline accepts) is billed as adjustment lines on the next invoice, once.
 * - ClickHouse's invoices table is a copy for queries; it is filled after each commit and repaired at
 *   start from the topic.
 */
export class Billing {
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private progress: PipelineProgress | undefined;
  readonly ledger = new InvoiceLedger();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: BillingDeps) {}

  async start({ schedule = true }: { schedule?: boolean } = {}): Promise<void> {
    const { kafka, codec, topics, warehouse, catalog } = this.deps;
    await codec.register(topics.invoices, 'invoice');
    await this.transactionalProducer(); // fences an older instance and aborts its open transaction
    this.admin = kafka.admin();
    await this.admin.connect();
    this.progress = new PipelineProgress(this.admin, warehouse, topics, catalog, this.deps.routerGroupId);
    const invoices = await this.readIssuedInvoices();
    for (const invoice of invoices) this.ledger.record(invoice);
    await this.repairWarehouse(invoices);
    this.deps.logger.info({ invoices: this.ledger.size }, 'invoice ledger rebuilt');
    if (schedule) {
      this.timer = setInterval(() => void this.tick(), this.deps.config.billing.tickMs);
    }
  }

  private async transactionalProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.deps.kafka.producer({
      transactionalId: this.deps.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running.catch(() => undefined);
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /** Runs one close now (also what the scheduler does every BILLING_TICK_MS); resolves with the invoices issued. */
  tick(now = Date.now()): Promise<Invoice[]> {
    const run = this.running.then(() => this.closeDue(now));
    this.running = run.then(
      () => undefined,
      (err) => this.deps.logger.error({ err }, 'period close failed; it will be retried'),
    );
    return run;
  }

  private async closeDue(now: number): Promise<Invoice[]> {
    const due = this.duePeriods(now);
    if (due.length === 0) return [];
    if (!(await this.progress!.waitCaughtUp(60000))) {
      this.deps.logger.warn({ due: due.length }, 'pipeline not caught up; periods stay open until the next tick');
      return [];
    }
    const issued: Invoice[] = [];
    const byPeriod = new Map<string, DuePeriod[]>();
    for (const item of due) {
      const key = `${item.period.start}-${item.period.end}`;
      byPeriod.set(key, [...(byPeriod.get(key) ?? []), item]);
    }
    for (const items of byPeriod.values()) {
      for (let i = 0; i < items.length; i += CUSTOMERS_PER_QUERY) {
        const chunk = items.slice(i, i + CUSTOMERS_PER_QUERY);
        const invoices = await this.invoicesFor(chunk, now);
        for (let j = 0; j < invoices.length; j += INVOICES_PER_TRANSACTION) {
          const batch = invoices.slice(j, j + INVOICES_PER_TRANSACTION);
          await this.emit(batch);
          issued.push(...batch);
        }
      }
    }
    this.deps.logger.info({ invoices: issued.length }, 'periods closed');
    return issued;
  }

  private duePeriods(now: number): DuePeriod[] {
    const graceMs = this.deps.config.billing.graceSeconds * 1000;
    const out: DuePeriod[] = [];
    for (const subscription of this.deps.catalog.list('subscriptions')) {
      const product = this.deps.catalog.get('products', subscription.product_id);
      if (!product) continue;
      const endsAt = subscription.ends_at ? Date.parse(subscription.ends_at) : null;
      const { payment_frequency_interval: interval, payment_frequency_count: count } = product.price;
      for (const period of duePeriods(Date.parse(subscription.start), interval, count, now, graceMs, endsAt)) {
        if (!this.ledger.has(invoiceId(subscription.subscription_id, period.start, period.end))) out.push({ subscription, product, period });
      }
    }
    return out;
  }

  /** Invoices for subscriptions that share one period, with their usage read in one query. */
  private async invoicesFor(items: DuePeriod[], now: number): Promise<Invoice[]> {
    const { start, end } = items[0].period;
    const meterIds = [...new Set(items.flatMap((i) => i.product.price.meters.map((m) => m.meter_id)))];
    const rows = await this.usage(meterIds, items.map((i) => i.subscription.customer_id), start, end);
    const lookback = now - (this.deps.config.router.dedupWindowMinutes * 60000 + this.deps.config.billing.graceSeconds * 1000);
    const invoices: Invoice[] = [];
    for (const { subscription, product, period } of items) {
      const usage = new Map<string, string>();
      for (const price of product.price.meters) {
        const meter = this.deps.catalog.get('meters', price.meter_id);
        usage.set(price.meter_id, meter ? totalOf(meter.aggregation.type, rows.get(`${price.meter_id}\u0000${subscription.customer_id}`)) : '0');
      }
      const late = await this.lateUsage(subscription, product, lookback);
      invoices.push(buildInvoice(subscription, product, period, usage, late, now));
    }
    return invoices;
  }

  /** Usage of earlier invoiced periods (within the lookback) that differs from what was billed. */
  private async lateUsage(subscription: Subscription, product: Product, since: number): Promise<LateUsage[]> {
    const late: LateUsage[] = [];
    for (const billed of this.ledger.periodsSince(subscription.subscription_id, since)) {
      const meterIds = product.price.meters.map((m) => m.meter_id);
      const rows = await this.usage(meterIds, [subscription.customer_id], Date.parse(billed.start), Date.parse(billed.end));
      for (const meterId of meterIds) {
        const meter = this.deps.catalog.get('meters', meterId);
        if (!meter) continue;
        const current = totalOf(meter.aggregation.type, rows.get(`${meterId}\u0000${subscription.customer_id}`));
        if (!new Decimal(current).eq(billed.billed(meterId))) {
          late.push({ periodStart: billed.start, periodEnd: billed.end, meterId, billed: billed.billed(meterId), current });
        }
      }
    }
    return late;
  }

  private async usage(meterIds: string[], customerIds: string[], start: number, end: number): Promise<Map<string, PeriodUsageRow>> {
    const { query, params } = periodUsageQuery(meterIds, [...new Set(customerIds)], start, end);
    const rows = await this.deps.warehouse.query<PeriodUsageRow>(query, params);
    return new Map(rows.map((r) => [`${r.meter_id}\u0000${r.customer_id}`, r]));
  }

  /** One Kafka transaction for the batch; the ledger and ClickHouse follow the commit. */
  private async emit(invoices: Invoice[]): Promise<void> {
    const topic = this.deps.topics.invoices;
    const messages = await Promise.all(invoices.map(async (inv) => ({ key: inv.id, value: await this.deps.codec.encode(topic, inv) })));
    const producer = await this.transactionalProducer();
    const tx = await producer.transaction();
    try {
      await tx.send({ topic, acks: -1, messages });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      // Start the next attempt with a new producer: a failed one may stay unusable.
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    for (const invoice of invoices) this.ledger.record(invoice);
    await this.deps.warehouse.insert('invoices', invoices.map(invoiceRow));
  }

  /** Every committed invoice on the topic, read_committed, up to the end it had after fencing. */
  private async readIssuedInvoices(): Promise<Invoice[]> {
    const topic = this.deps.topics.invoices;
    const ends = new Map((await this.admin!.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    const position = new Map<number, bigint>();
    const done = () => [...ends].every(([p, high]) => high === 0n || (position.get(p) ?? 0n) >= high);
    if (done()) return [];
    const invoices: Invoice[] = [];
    const consumer = this.deps.kafka.consumer({
      groupId: `${topic}.billing-ledger.${os.hostname()}.${process.pid}.${Date.now()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const advance = (partition: number, next: bigint) => {
          if (next > (position.get(partition) ?? 0n)) position.set(partition, next);
          if (done()) resolve();
        };
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => advance(payload.partition, BigInt(payload.lastOffset) + 1n));
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                if (message.value) invoices.push(await this.deps.codec.decode<Invoice>(message.value));
              }
              const last = batch.messages[batch.messages.length - 1];
              if (last) advance(batch.partition, BigInt(last.offset) + 1n);
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return invoices;
  }

  /** Inserts into ClickHouse the issued invoices it lacks (a crash between commit and insert). */
  private async repairWarehouse(invoices: Invoice[]): Promise<void> {
    if (invoices.length === 0) return;
    const stored = new Set(
      (await this.deps.warehouse.query<{ id: string }>('SELECT DISTINCT id FROM invoices WHERE id IN {ids:Array(String)}', { ids: invoices.map((i) => i.id) })).map((r) => r.id),
    );
    const missing = invoices.filter((i) => !stored.has(i.id));
    if (missing.length > 0) await this.deps.warehouse.insert('invoices', missing.map(invoiceRow));
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
