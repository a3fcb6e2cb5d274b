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
  listCorrections,
  periodKey,
  readsByPeriod,
  periodsToClose,
  buildInvoice,
  closeBatches,
  duePeriods,
  type CatalogView,
  type DuePeriod,
  type Invoice,
  type LateUsage,
  type Period,
} from '@meterstream/domain';
import { INVOICES_PER_TRANSACTION, InvoiceEmitter } from './invoice-emitter';
import { InvoiceStore } from './invoice-store';
import { PipelineProgress, type PartitionLag } from './pipeline-progress';
import { UsageReader, type PeriodCorrections, type PeriodTotals } from './usage-reader';

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
 * - Late usage of invoiced periods is billed as adjustment lines on the next invoice, once: an event
 *   that arrived late, a backfilled one, a void or an amend (docs/billing.md). Each close re-reads the
 *   invoiced periods that can still have changed since the previous one (lateUsageSince: up to
 *   max(dedup window, BACKFILL_MAX_AGE_DAYS) before the closing period's start), one usage query per
 *   distinct period for all the subscriptions that have it.
 * - Meter and adjustment lines name the corrections and backfill batches they bill
 *   (InvoiceLine.corrections): an id is listed by the first line of its period and meter that bills it.
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
      this.timer = setInterval(() => void this.close(), this.deps.config.billing.tickMs);
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

  /** Runs one close now (POST /billing/run, `main.js run-once`); resolves with the invoices issued, every one kept. */
  async tick(now = Date.now()): Promise<Invoice[]> {
    const issued: Invoice[] = [];
    await this.close(now, (batch) => {
      for (const invoice of batch) issued.push(invoice);
    });
    return issued;
  }

  /**
   * Runs one close now, after the one running (what the scheduler does every BILLING_TICK_MS); resolves
   * with how many invoices it issued. Each committed batch goes to `onIssued` and is not kept: a close
   * that collected its invoices held all of them to its end (about 4 KB each: 400 MiB at 100,000).
   */
  close(now = Date.now(), onIssued: (batch: readonly Invoice[]) => void = () => {}): Promise<number> {
    const run = this.running.then(() => this.closeDue(now, onIssued));
    this.running = run.then(
      () => undefined,
      (err) => this.deps.logger.error({ err }, 'period close failed; it will be retried'),
    );
    return run;
  }

  private async closeDue(now: number, onIssued: (batch: readonly Invoice[]) => void): Promise<number> {
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
      return 0;
    }
    const metersOf = (due: DuePeriod<Period>) => due.product.price.meters.map((m) => m.meter_id).filter((id) => catalog.get('meters', id) !== undefined);
    const topicOf = (meterId: string) => this.deps.topics.meter(meterId);
    let waiting = groups;
    let issued = 0;
    // Each time more meters have caught up, the periods whose meters all have close.
    const lags = await this.progress!.catchUp([...new Set(groups.flat().flatMap(metersOf))].map(topicOf), {
      timeoutMs: config.billing.catchUpTimeoutMs,
      stopped: () => this.stopping,
      onCaughtUp: async (caughtUp) => {
        const ready = (due: DuePeriod<Period>) => metersOf(due).every((id) => caughtUp.has(topicOf(id)));
        const closing = waiting.map((group) => group.filter(ready)).filter((group) => group.length > 0);
        waiting = waiting.map((group) => group.filter((due) => !ready(due))).filter((group) => group.length > 0);
        issued += await this.issue(closing, now, onIssued);
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
    if (issued > 0) this.deps.logger.info({ invoices: issued }, 'periods closed');
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

  /**
   * Invoices for the given due periods (grouped by period), emitted and stored, each committed batch
   * handed to `onIssued`; resolves with how many. A group is read in batches of customers in customer
   * order (closeBatches), so that each usage query scans only its own slice of the usage tables.
   */
  private async issue(groups: DuePeriod<Period>[][], now: number, onIssued: (batch: readonly Invoice[]) => void): Promise<number> {
    let issued = 0;
    for (const group of groups) {
      for (const items of closeBatches(group, CUSTOMERS_PER_QUERY)) {
        const invoices = await this.invoicesFor(items, now);
        for (let j = 0; j < invoices.length; j += INVOICES_PER_TRANSACTION) {
          const batch = invoices.slice(j, j + INVOICES_PER_TRANSACTION);
          await this.emitter.emit(batch);
          this.metrics.invoicesIssued.inc(batch.length);
          for (const invoice of batch) this.ledger.record(invoice);
          await this.store.insert(batch);
          onIssued(batch);
          issued += batch.length;
        }
      }
    }
    return issued;
  }

  /**
   * Invoices for subscriptions that share one period: their usage read in one query, then the
   * correction ids of the period (listed on the meter lines), then the late usage of their invoiced
   * periods (lateUsageOf).
   */
  private async invoicesFor(items: DuePeriod<Period>[], now: number): Promise<Invoice[]> {
    const { start, end } = items[0].period;
    const meterIds = [...new Set(items.flatMap(meterIdsOf))];
    const customerIds = items.map((i) => i.subscription.customer_id);
    const totals = await this.usage.totals(meterIds, customerIds, start, end);
    // Read after the usage: a correction whose effect the usage holds had its records stored before it,
    // so the line that bills it lists it.
    const corrections = await this.usage.corrections(meterIds, customerIds, start, end);
    const { config } = this.deps;
    const since = lateUsageSince(start, config.router.dedupWindowMinutes * 60000, config.backfill.maxAgeDays * 86_400_000);
    const late = await this.lateUsageOf(items, since);
    return items.map(({ subscription, product, period }, n) => {
      const customerId = subscription.customer_id;
      const usage = invoiceUsage(product, (meterId) => totals(customerId, meterId));
      const listed = new Map(meterIdsOf(items[n]).map((meterId) => [meterId, corrections(customerId, meterId)]));
      return buildInvoice(invoiceId(subscription.subscription_id, period.start, period.end), subscription, product, period, usage, late[n], now, listed);
    });
  }

  /**
   * The late usage of each item's subscription (in the items' order): its invoiced periods ending at or
   * after `since` (lateUsageSince) whose usage now differs from what was billed, with the correction ids
   * each adjustment line lists. Batched as the period close is: the usage of every distinct invoiced
   * period is read in one query for all the customers that have it (one query per period, not per
   * subscription and period), and the correction ids in one query per period that changed.
   */
  private async lateUsageOf(items: readonly DuePeriod<Period>[], since: number): Promise<LateUsage[][]> {
    const billed = items.map((item) => this.ledger.periodsSince(item.subscription.subscription_id, since));
    const customerOf = (n: number) => items[n].subscription.customer_id;
    const totals = new Map<string, PeriodTotals>();
    for (const read of readsByPeriod(items.map((item, n) => ({ customerId: customerOf(n), meterIds: meterIdsOf(item), periods: billed[n] })))) {
      totals.set(periodKey(read), await this.usage.totals(read.meterIds, read.customerIds, Date.parse(read.start), Date.parse(read.end)));
    }
    const late = items.map((item, n) => lateUsage(billed[n], meterIdsOf(item), (period, meterId) => totals.get(periodKey(period))!(customerOf(n), meterId)));
    const changed = late.flatMap((found, n) => found.map((l) => ({ customerId: customerOf(n), meterIds: [l.meterId], periods: [{ start: l.periodStart, end: l.periodEnd }] })));
    const ids = new Map<string, PeriodCorrections>();
    for (const read of readsByPeriod(changed)) ids.set(periodKey(read), await this.usage.corrections(read.meterIds, read.customerIds, Date.parse(read.start), Date.parse(read.end)));
    return late.map((found, n) => listCorrections(found, billed[n], (l) => ids.get(periodKey({ start: l.periodStart, end: l.periodEnd }))!(customerOf(n), l.meterId)));
  }
}

/** The meters a subscription's product prices (those the catalog no longer has included: their usage reads as undefined). */
const meterIdsOf = (item: DuePeriod<Period>): string[] => item.product.price.meters.map((m) => m.meter_id);

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
