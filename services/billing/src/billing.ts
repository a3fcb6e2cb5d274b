import type { Admin, Kafka } from 'kafkajs';
import { invoiceId, pipelineNames, type AvroCodec, type Platform, type Logger, type MeterstreamConfig, type Topics, type Warehouse } from '@meterstream/common';
import {
  InvoiceLedger,
  invoiceUsage,
  lateUsage,
  lateUsageSince,
  periodsToClose,
  buildInvoice,
  duePeriods,
  type CatalogView,
  type DuePeriod,
  type Invoice,
  type Period,
} from '@meterstream/domain';
import { INVOICES_PER_TRANSACTION, InvoiceEmitter } from './invoice-emitter';
import { InvoiceStore } from './invoice-store';
import { PipelineProgress } from './pipeline-progress';
import { UsageReader, type PeriodTotals } from './usage-reader';

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

/** Customers per usage query. */
const CUSTOMERS_PER_QUERY = 2000;

/**
 * Closes billing periods and emits exactly one invoice per subscription and period.
 *
 * - Source of truth is the `invoices` topic (invoice-emitter.ts). At start the transactional producer
 *   fences any older billing instance (and aborts its open transaction); then the ledger is rebuilt by
 *   reading the topic read_committed to its end. A crash at any moment therefore neither loses an
 *   invoice nor emits one twice: an invoice is issued iff its transaction committed, and a restarted
 *   billing knows it.
 * - Which periods close (end + grace passed, not invoiced) is periodsToClose, and they close only once
 *   the pipeline has applied everything Kafka held at that moment (router and aggregator caught up).
 * - Late usage of invoiced periods (lateUsageSince, lateUsage) is billed as adjustment lines on the
 *   next invoice, once.
 * - ClickHouse's invoices table is a copy for queries (invoice-store.ts); it is filled after each commit
 *   and repaired at start from the topic.
 */
export class Billing {
  private admin: Admin | undefined;
  private progress: PipelineProgress | undefined;
  readonly ledger = new InvoiceLedger();
  private readonly emitter: InvoiceEmitter;
  private readonly store: InvoiceStore;
  private readonly usage: UsageReader;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: BillingDeps) {
    this.emitter = new InvoiceEmitter(deps.kafka, deps.codec, deps.topics.invoices, deps.transactionalId);
    this.store = new InvoiceStore(deps.warehouse);
    this.usage = new UsageReader(deps.warehouse, deps.catalog, deps.config.aggregator.windowSeconds * 1000);
  }

  async start({ schedule = true }: { schedule?: boolean } = {}): Promise<void> {
    const { kafka, topics, warehouse, catalog } = this.deps;
    await this.emitter.start(); // fences an older instance and aborts its open transaction
    this.admin = kafka.admin();
    await this.admin.connect();
    this.progress = new PipelineProgress(this.admin, warehouse, topics, catalog, this.deps.routerGroupId);
    const invoices = await this.emitter.issued();
    for (const invoice of invoices) this.ledger.record(invoice);
    await this.store.repair(invoices);
    this.deps.logger.info({ invoices: this.ledger.size }, 'invoice ledger rebuilt');
    if (schedule) {
      this.timer = setInterval(() => void this.tick(), this.deps.config.billing.tickMs);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running.catch(() => undefined);
    await this.emitter.stop();
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
    const { catalog, config } = this.deps;
    const groups = periodsToClose<Period>({
      subscriptions: catalog.list('subscriptions'),
      productOf: (id) => catalog.get('products', id),
      isInvoiced: (subscriptionId, period) => this.ledger.has(invoiceId(subscriptionId, period.start, period.end)),
      duePeriods,
      now,
      graceMs: config.billing.graceSeconds * 1000,
    });
    if (groups.length === 0) return [];
    if (!(await this.progress!.waitCaughtUp(60000))) {
      this.deps.logger.warn({ due: groups.reduce((n, g) => n + g.length, 0) }, 'pipeline not caught up; periods stay open until the next tick');
      return [];
    }
    const issued: Invoice[] = [];
    for (const group of groups) {
      for (let i = 0; i < group.length; i += CUSTOMERS_PER_QUERY) {
        const invoices = await this.invoicesFor(group.slice(i, i + CUSTOMERS_PER_QUERY), now);
        for (let j = 0; j < invoices.length; j += INVOICES_PER_TRANSACTION) {
          const batch = invoices.slice(j, j + INVOICES_PER_TRANSACTION);
          await this.emitter.emit(batch);
          for (const invoice of batch) this.ledger.record(invoice);
          await this.store.insert(batch);
          issued.push(...batch);
        }
      }
    }
    this.deps.logger.info({ invoices: issued.length }, 'periods closed');
    return issued;
  }

  /** Invoices for subscriptions that share one period, with their usage read in one query. */
  private async invoicesFor(items: DuePeriod<Period>[], now: number): Promise<Invoice[]> {
    const { start, end } = items[0].period;
    const meterIds = items.flatMap((i) => i.product.price.meters.map((m) => m.meter_id));
    const totals = await this.usage.totals(meterIds, items.map((i) => i.subscription.customer_id), start, end);
    const { config } = this.deps;
    const since = lateUsageSince(now, config.router.dedupWindowMinutes * 60000, config.billing.graceSeconds * 1000);
    const invoices: Invoice[] = [];
    for (const { subscription, product, period } of items) {
      const usage = invoiceUsage(product, (meterId) => totals(subscription.customer_id, meterId));
      const late = await this.lateUsageOf(subscription.subscription_id, subscription.customer_id, product.price.meters.map((m) => m.meter_id), since);
      invoices.push(buildInvoice(invoiceId(subscription.subscription_id, period.start, period.end), subscription, product, period, usage, late, now));
    }
    return invoices;
  }

  /** Reads the usage of the subscription's invoiced periods since `since`; lateUsage says what changed. */
  private async lateUsageOf(subscriptionId: string, customerId: string, meterIds: string[], since: number) {
    const billed = this.ledger.periodsSince(subscriptionId, since);
    const totals = new Map<string, PeriodTotals>();
    for (const period of billed) totals.set(period.start, await this.usage.totals(meterIds, [customerId], Date.parse(period.start), Date.parse(period.end)));
    return lateUsage(billed, meterIds, (period, meterId) => totals.get(period.start)!(customerId, meterId));
  }
}

/** Billing as every deployment runs it: names from the one names module, the catalog followed live. */
export function createBilling(
  config: MeterstreamConfig,
  platform: Pick<Platform, 'kafka' | 'codec' | 'topics' | 'catalog'>,
  warehouse: Warehouse,
  logger: Logger,
): Billing {
  const names = pipelineNames(config.kafka.topicPrefix);
  return new Billing({
    config,
    kafka: platform.kafka,
    codec: platform.codec,
    topics: platform.topics,
    warehouse,
    catalog: platform.catalog.store,
    logger,
    transactionalId: names.billingTransactionalId,
    routerGroupId: names.routerGroup,
  });
}
