import type { Admin, Kafka } from 'kafkajs';
import {
  invoiceId,
  Metrics,
  pipelineNames,
  settledWithin,
  type AvroCodec,
  type HealthCheck,
  type HealthProblem,
  type Platform,
  type Logger,
  type MeterstreamConfig,
  type Topics,
  type Warehouse,
} from '@meterstream/common';
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
import { PipelineProgress, type PartitionLag } from './pipeline-progress';
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
  /** Where it counts invoices and its lag (platform.metrics); a private one when absent. */
  metrics?: Metrics;
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
 * - Which periods close (end + grace passed, not invoiced) is periodsToClose, and a period closes only
 *   once the pipeline has applied everything Kafka held at that moment for the meters its subscription
 *   uses (router caught up, then each of those meter topics): a stuck meter holds back only the
 *   subscriptions that use it, and is logged and reported by problems() with its partition.
 * - Late usage of invoiced periods (lateUsageSince, lateUsage) is billed as adjustment lines on the
 *   next invoice, once.
 * - ClickHouse's invoices table is a copy for queries (invoice-store.ts); it is filled after each commit
 *   and repaired at start from the topic.
 */
export class Billing implements HealthCheck {
  readonly name = 'billing';
  private admin: Admin | undefined;
  private progress: PipelineProgress | undefined;
  readonly ledger = new InvoiceLedger();
  private readonly emitter: InvoiceEmitter;
  private readonly store: InvoiceStore;
  private readonly usage: UsageReader;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopping = false;
  /** The meter partitions the last close waited for in vain, and how many due periods each held back. */
  private waitingFor: { lag: PartitionLag; meterId: string; periods: number }[] = [];
  /** Due periods the last close held back while the router had not caught up (no meter partition to name). */
  private waitingForRouter = 0;
  private readonly metrics: Metrics;

  constructor(private readonly deps: BillingDeps) {
    this.emitter = new InvoiceEmitter(deps.kafka, deps.codec, deps.topics.invoices, deps.transactionalId);
    this.store = new InvoiceStore(deps.warehouse);
    this.usage = new UsageReader(deps.warehouse, deps.catalog, deps.config.aggregator.windowSeconds * 1000);
    this.metrics = deps.metrics ?? new Metrics({ processMetrics: false });
  }

  async start({ schedule = true }: { schedule?: boolean } = {}): Promise<void> {
    const { kafka, topics, warehouse } = this.deps;
    await this.emitter.start(); // fences an older instance and aborts its open transaction
    this.admin = kafka.admin();
    await this.admin.connect();
    this.progress = new PipelineProgress(this.admin, warehouse, topics, this.deps.routerGroupId);
    const invoices = await this.emitter.issued();
    for (const invoice of invoices) this.ledger.record(invoice);
    await this.store.repair(invoices);
    this.deps.logger.info({ invoices: this.ledger.size }, 'invoice ledger rebuilt');
    if (schedule) {
      this.timer = setInterval(() => void this.tick(), this.deps.config.billing.tickMs);
    }
  }

  /** Stops within a few seconds: a close waiting for the pipeline gives up at its next poll. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (!(await settledWithin(this.running, 3000))) this.deps.logger.warn('a period close was still running at stop');
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
    if (groups.length === 0) {
      this.waitingFor = [];
      this.waitingForRouter = 0;
      this.recordLag([], now);
      return [];
    }
    const metersOf = (due: DuePeriod<Period>) => due.product.price.meters.map((m) => m.meter_id).filter((id) => catalog.get('meters', id) !== undefined);
    const topicOf = (meterId: string) => this.deps.topics.meter(meterId);
    let waiting = groups;
    const issued: Invoice[] = [];
    // Each time more meters have caught up, the periods whose meters all have close.
    const lags = await this.progress!.catchUp([...new Set(groups.flat().flatMap(metersOf))].map(topicOf), {
      timeoutMs: config.billing.catchUpTimeoutMs,
      stopped: () => this.stopping,
      onCaughtUp: async (caughtUp) => {
        const ready = (due: DuePeriod<Period>) => metersOf(due).every((id) => caughtUp.has(topicOf(id)));
        const closing = waiting.map((group) => group.filter(ready)).filter((group) => group.length > 0);
        waiting = waiting.map((group) => group.filter((due) => !ready(due))).filter((group) => group.length > 0);
        issued.push(...(await this.issue(closing, now)));
      },
    });
    const held = waiting.flat();
    this.waitingFor = lags.map((lag) => {
      const meterId = catalog.list('meters').find((m) => topicOf(m.id) === lag.topic)?.id ?? lag.topic;
      return { lag, meterId, periods: held.filter((due) => metersOf(due).includes(meterId)).length };
    });
    for (const { lag, meterId, periods } of this.waitingFor) {
      const { topic, partition, durable, end } = lag;
      this.deps.logger.warn({ meter: meterId, topic, partition, durable: durable.toString(), end: end.toString(), periods }, 'meter partition not caught up; the periods that use this meter stay open until the next tick');
    }
    this.waitingForRouter = lags.length === 0 ? held.length : 0;
    this.recordLag(held, now);
    if (held.length > 0 && lags.length === 0) this.deps.logger.warn({ due: held.length }, 'pipeline not caught up; periods stay open until the next tick');
    if (issued.length > 0) this.deps.logger.info({ invoices: issued.length }, 'periods closed');
    return issued;
  }

  /** The billing lag gauges: due periods held back, and how long the oldest of them has been due. */
  private recordLag(held: readonly DuePeriod<Period>[], now: number): void {
    const dueSince = held.reduce((oldest, due) => Math.min(oldest, due.period.end + this.deps.config.billing.graceSeconds * 1000), Infinity);
    this.metrics.billingPeriodsWaiting.set(held.length);
    this.metrics.billingLag.set(held.length === 0 ? 0 : Math.max(0, now - dueSince) / 1000);
  }

  /**
   * What held back due periods at the last close: each meter partition (naming its meter and
   * partition), or the router, when it had not caught up with `events`.
   */
  problems(): HealthProblem[] {
    const problems: HealthProblem[] = this.waitingFor.map(({ lag, meterId, periods }) => ({
      check: this.name,
      reason: `${periods} due period(s) wait for meter ${meterId}: ${lag.topic} partition ${lag.partition} is durable to offset ${lag.durable}, not yet ${lag.end}`,
      topic: lag.topic,
      partition: lag.partition,
    }));
    if (this.waitingForRouter > 0) {
      problems.push({ check: this.name, reason: `${this.waitingForRouter} due period(s) wait for the meter-router to catch up with ${this.deps.topics.events}` });
    }
    return problems;
  }

  /** Invoices for the given due periods (grouped by period), emitted and stored. */
  private async issue(groups: DuePeriod<Period>[][], now: number): Promise<Invoice[]> {
    const issued: Invoice[] = [];
    for (const group of groups) {
      for (let i = 0; i < group.length; i += CUSTOMERS_PER_QUERY) {
        const invoices = await this.invoicesFor(group.slice(i, i + CUSTOMERS_PER_QUERY), now);
        for (let j = 0; j < invoices.length; j += INVOICES_PER_TRANSACTION) {
          const batch = invoices.slice(j, j + INVOICES_PER_TRANSACTION);
          await this.emitter.emit(batch);
          this.metrics.invoicesIssued.inc(batch.length);
          for (const invoice of batch) this.ledger.record(invoice);
          await this.store.insert(batch);
          issued.push(...batch);
        }
      }
    }
    return issued;
  }

  /** Invoices for subscriptions that share one period, with their usage read in one query. */
  private async invoicesFor(items: DuePeriod<Period>[], now: number): Promise<Invoice[]> {
    const { start, end } = items[0].period;
    const meterIds = items.flatMap((i) => i.product.price.meters.map((m) => m.meter_id));
    const totals = await this.usage.totals(meterIds, items.map((i) => i.subscription.customer_id), start, end);
    const { config } = this.deps;
    const since = lateUsageSince(now, { backfillMaxAgeMs: config.backfill.maxAgeDays * 86_400_000, graceMs: config.billing.graceSeconds * 1000 });
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
  platform: Pick<Platform, 'kafka' | 'codec' | 'topics' | 'catalog' | 'metrics'>,
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
    metrics: platform.metrics,
  });
}
