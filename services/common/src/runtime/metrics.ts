import { isMainThread } from 'node:worker_threads';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** Every metric name starts with this. */
export const METRIC_PREFIX = 'meterstream_';

/** What one registry exports as JSON (prom-client's getMetricsAsJSON): what a worker thread posts to its parent. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Where a process's metrics come from besides its own registry: the router thread of the standalone. */
export type MetricsSource = () => Promise<MetricsJson>;

/** Seconds: HTTP latency from 1 ms to 10 s; flush durations from 5 ms to 60 s. */
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FLUSH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * DLQ records by the second they were written, over the last `windowMs`: what GET /readyz reports as
 * "records went to the DLQ lately". Bounded: one bucket per second of the window.
 */
export class RecentCounts {
  private readonly buckets = new Map<number, Map<string, number>>();

  constructor(readonly windowMs: number) {}

  add(key: string, n: number, now = Date.now()): void {
    const second = Math.floor(now / 1000);
    let bucket = this.buckets.get(second);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(second, bucket);
      this.prune(now);
    }
    bucket.set(key, (bucket.get(key) ?? 0) + n);
  }

  /** The counts by key of the last `windowMs` (whole seconds), largest first. */
  recent(now = Date.now()): [string, number][] {
    this.prune(now);
    const totals = new Map<string, number>();
    for (const bucket of this.buckets.values()) for (const [k, n] of bucket) totals.set(k, (totals.get(k) ?? 0) + n);
    return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / 1000);
    for (const second of this.buckets.keys()) if (second <= oldest) this.buckets.delete(second);
  }
}

/**
 * The metrics of one process (or one worker thread): one prom-client registry, every metric named
 * `meterstream_…`, every label bounded (route patterns, codes from the registries, consumer groups,
 * topics and partitions, sink names). Services count per batch, not per event: the ingest path is
 * benchmarked. The names are listed in README "Metrics"; infra/grafana/meterstream.json uses them.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly sources: MetricsSource[] = [];
  private readonly refreshers: (() => Promise<unknown>)[] = [];
  /** DLQ records of the last HEALTH_DLQ_WINDOW_MS by `service code` (see dlqCheck). */
  readonly recentDlq: RecentCounts;

  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventsAccepted: Counter;
  readonly eventsDuplicate: Counter;
  readonly eventsRefused: Counter<'code'>;
  readonly ingestRequestsRefused: Counter<'code'>;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly routerEventsRouted: Counter;
  readonly routerRecordsRouted: Counter;
  readonly routerDuplicates: Counter;
  readonly dlqRecords: Counter<'service' | 'code'>;
  readonly flushDuration: Histogram<'sink'>;
  readonly flushRows: Counter<'sink' | 'table'>;
  readonly flushFailures: Counter<'sink'>;
  readonly invoicesIssued: Counter;
  readonly billingLag: Gauge;
  readonly billingPeriodsWaiting: Gauge;

  /**
   * `processMetrics`: prom-client's process and Node.js metrics (CPU, memory, event loop lag, GC),
   * prefixed too; on by default in a main thread only (a worker thread shares its process's).
   */
  constructor({ processMetrics = isMainThread, dlqWindowMs = 300_000 }: { processMetrics?: boolean; dlqWindowMs?: number } = {}) {
    const registers = [this.registry];
    const name = (n: string) => `${METRIC_PREFIX}${n}`;
    this.recentDlq = new RecentCounts(dlqWindowMs);
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });

    this.httpRequests = new Counter({ name: name('http_requests_total'), help: 'HTTP requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({ name: name('http_request_duration_seconds'), help: 'HTTP request latency, by method, route pattern and status', labelNames: ['method', 'route', 'status'], buckets: HTTP_BUCKETS, registers });
    this.eventsAccepted = new Counter({ name: name('events_accepted_total'), help: 'Events accepted by POST /events/ingest and acknowledged by Kafka', registers });
    this.eventsDuplicate = new Counter({ name: name('events_duplicate_total'), help: 'Events of accepted ingest requests ignored because their id was accepted before', registers });
    this.eventsRefused = new Counter({ name: name('events_refused_total'), help: 'Events in refused ingest requests whose body was read, by error code', labelNames: ['code'], registers });
    this.ingestRequestsRefused = new Counter({ name: name('ingest_requests_refused_total'), help: 'Refused POST /events/ingest requests, by error code', labelNames: ['code'], registers });
    this.consumerLag = new Gauge({ name: name('consumer_lag'), help: 'Records behind the end of the partition, by consumer group, topic and partition', labelNames: ['group', 'topic', 'partition'], registers });
    this.routerEventsRouted = new Counter({ name: name('router_events_routed_total'), help: 'Events the meter-router counted (committed), whether or not a meter matched', registers });
    this.routerRecordsRouted = new Counter({ name: name('router_records_routed_total'), help: 'Meter records the meter-router produced to meter topics (committed)', registers });
    this.routerDuplicates = new Counter({ name: name('router_duplicates_total'), help: 'Events the meter-router dropped as repeats of an event id it counted', registers });
    this.dlqRecords = new Counter({ name: name('dlq_records_total'), help: 'Records written to the DLQ topic, by writing service and DLQ code', labelNames: ['service', 'code'], registers });
    this.flushDuration = new Histogram({ name: name('aggregator_flush_duration_seconds'), help: 'Duration of one successful aggregator flush (its inserts), by sink', labelNames: ['sink'], buckets: FLUSH_BUCKETS, registers });
    this.flushRows = new Counter({ name: name('aggregator_flush_rows_total'), help: 'Rows the aggregator inserted into ClickHouse, by sink and table', labelNames: ['sink', 'table'], registers });
    this.flushFailures = new Counter({ name: name('aggregator_flush_failures_total'), help: 'Failed aggregator flush attempts (retried), by sink', labelNames: ['sink'], registers });
    this.invoicesIssued = new Counter({ name: name('invoices_issued_total'), help: 'Invoices billing issued (their Kafka transaction committed)', registers });
    this.billingLag = new Gauge({ name: name('billing_lag_seconds'), help: 'At the last period close: how long the oldest due period still open has been due (0: none)', registers });
    this.billingPeriodsWaiting = new Gauge({ name: name('billing_periods_waiting'), help: 'Due periods the last period close held back, waiting for the pipeline', registers });
  }

  /** Counts DLQ records written by `service` with `code`: the counter, and the recent window /readyz reads. */
  deadLettered(service: string, code: string, n = 1): void {
    if (n <= 0) return;
    this.dlqRecords.inc({ service, code }, n);
    this.recentDlq.add(`${service} ${code}`, n);
  }

  /** Adds the metrics of another registry (the router thread) to what text() exports. */
  addSource(source: MetricsSource): void {
    this.sources.push(source);
  }

  /** Runs before each scrape (the consumer-lag check refreshes the lag gauge); bounded to 2 s. */
  onScrape(refresh: () => Promise<unknown>): void {
    this.refreshers.push(refresh);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** This registry's metrics as JSON (what a worker thread posts to its parent). */
  json(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON() as Promise<MetricsJson>;
  }

  /**
   * The Prometheus text of this registry, with every source's metrics added in: the same metric in two
   * places (the DLQ counter of the router thread and of the aggregator) is summed per label set. A
   * source that fails or does not answer within 1 s is left out of this scrape.
   */
  async text(): Promise<string> {
    await Promise.all(this.refreshers.map((refresh) => withTimeout(refresh(), 2000).catch(() => undefined)));
    if (this.sources.length === 0) return this.registry.metrics();
    const extra = await Promise.all(this.sources.map((source) => withTimeout(source(), 1000).catch(() => [] as MetricsJson)));
    // Each metric lives in one registry except the shared counters, which add up; 'sum' everywhere
    // keeps the process metrics prom-client would otherwise omit (process_start_time_seconds).
    const all = [await this.json(), ...extra].map((metrics) => metrics.map((m) => ({ ...m, aggregator: 'sum' as const })));
    return AggregatorRegistry.aggregate(all).metrics();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
