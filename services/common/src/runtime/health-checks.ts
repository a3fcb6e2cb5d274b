import type { Admin } from 'kafkajs';
import type { MeterstreamConfig } from '../config';
import type { Warehouse } from '../warehouse/warehouse';
import type { HealthCheck, HealthProblem } from './health';
import type { Metrics } from './metrics';

export interface ProbeOptions {
  /** How long one probe may take before it counts as failed. */
  timeoutMs: number;
  /** How long a probe's answer is reused: /readyz answers fast and does not load the dependency. */
  cacheMs: number;
}

/**
 * A dependency the service cannot work without, probed cheaply (one round trip), at most once per
 * `cacheMs`, each probe bounded by `timeoutMs`. Unreachable is an `error`. While a probe hangs no
 * second one starts: callers get the timeout's answer.
 */
export class ReachabilityCheck implements HealthCheck {
  private answer: { at: number; problems: HealthProblem[] } | undefined;
  private running: Promise<HealthProblem[]> | undefined;

  constructor(
    readonly name: string,
    private readonly what: string,
    private readonly probe: () => Promise<void>,
    private readonly options: ProbeOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async problems(): Promise<HealthProblem[]> {
    if (this.answer && this.now() - this.answer.at < this.options.cacheMs) return this.answer.problems;
    if (!this.running) {
      const started = this.now();
      this.running = this.probe()
        .then(() => [] as HealthProblem[])
        .catch((err: unknown) => [this.unreachable(err instanceof Error ? err.message : String(err))])
        .then((problems) => {
          this.answer = { at: started, problems };
          return problems;
        })
        .finally(() => (this.running = undefined));
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<HealthProblem[]>((resolve) => {
      timer = setTimeout(() => resolve([this.unreachable(`no answer within ${this.options.timeoutMs} ms`)]), this.options.timeoutMs);
    });
    try {
      return await Promise.race([this.running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private unreachable(why: string): HealthProblem {
    return { check: this.name, severity: 'error', reason: `${this.what} unreachable: ${why.slice(0, 300)}` };
  }
}

export function probeOptions(config: MeterstreamConfig): ProbeOptions {
  return { timeoutMs: config.health.probeTimeoutMs, cacheMs: config.health.cacheMs };
}

/** Kafka: the cluster's metadata through the service's admin client. */
export function kafkaCheck(admin: Admin, options: ProbeOptions): ReachabilityCheck {
  return new ReachabilityCheck('kafka', 'Kafka', async () => void (await admin.describeCluster()), options);
}

/** The schema registry: its subject list (GET <registry>/subjects). */
export function registryCheck(registryUrl: string, options: ProbeOptions): ReachabilityCheck {
  return new ReachabilityCheck(
    'schema-registry',
    'the schema registry',
    async () => {
      const res = await fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(options.timeoutMs) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
    },
    options,
  );
}

/** ClickHouse: `SELECT 1` on the warehouse. */
export function clickhouseCheck(warehouse: Warehouse, options: ProbeOptions): ReachabilityCheck {
  return new ReachabilityCheck('clickhouse', 'ClickHouse', async () => void (await warehouse.query('SELECT 1 AS ok')), options);
}

/**
 * What every service needs reachable: Kafka and the schema registry, and ClickHouse where it uses one
 * (all but the meter-router).
 */
export function dependencyChecks(config: MeterstreamConfig, admin: Admin, warehouse?: Warehouse): ReachabilityCheck[] {
  const options = probeOptions(config);
  return [kafkaCheck(admin, options), registryCheck(config.registryUrl, options), ...(warehouse ? [clickhouseCheck(warehouse, options)] : [])];
}

/** `degraded` while records went to the DLQ within the metrics' DLQ window (HEALTH_DLQ_WINDOW_MS). */
export function dlqCheck(metrics: Metrics): HealthCheck {
  return {
    name: 'dlq',
    problems: () =>
      metrics.recentDlq.recent().map(([key, n]) => {
        const [service, code] = key.split(' ');
        return { check: 'dlq', reason: `${service} wrote ${n} record(s) with code ${code} to the DLQ in the last ${Math.round(metrics.recentDlq.windowMs / 1000)} s` };
      }),
  };
}

/** A consumer group to watch, and the topics it consumes (read at each look: meter topics come and go). */
export interface WatchedGroup {
  groupId: string;
  topics(): readonly string[];
}

/** One partition of a watched group: its end offset, the group's committed offset and the lag between. */
export interface PartitionLagInfo {
  group: string;
  topic: string;
  partition: number;
  committed: bigint;
  end: bigint;
  lag: bigint;
}

/**
 * Lag per partition: end minus committed, where a group that never committed a partition counts
 * from the partition's low offset (what it would read first).
 */
export function partitionLags(
  group: string,
  topic: string,
  ends: readonly { partition: number; high: string; low: string }[],
  committed: readonly { partition: number; offset: string }[],
): PartitionLagInfo[] {
  return ends.map(({ partition, high, low }) => {
    const c = committed.find((p) => p.partition === partition);
    const position = c && BigInt(c.offset) >= 0n ? BigInt(c.offset) : BigInt(low);
    const end = BigInt(high);
    const lag = end > position ? end - position : 0n;
    return { group, topic, partition, committed: position, end, lag };
  });
}

export interface LagThresholds {
  /** More records behind than this is degraded. */
  lagThreshold: number;
  /** Behind, with the committed offset unchanged this long, is degraded. */
  stallMs: number;
}

/**
 * Remembers since when each partition's committed offset has not moved, and says which partitions are
 * too far behind or stuck (behind, and not moving for `stallMs`). Pure: `now` is a parameter.
 */
export class LagJudge {
  private readonly unchangedSince = new Map<string, { committed: bigint; since: number }>();

  constructor(private readonly thresholds: LagThresholds) {}

  judge(lags: readonly PartitionLagInfo[], now: number): HealthProblem[] {
    const problems: HealthProblem[] = [];
    const seen = new Set<string>();
    for (const l of lags) {
      const key = `${l.group}\u0000${l.topic}\u0000${l.partition}`;
      seen.add(key);
      const last = this.unchangedSince.get(key);
      const since = last && last.committed === l.committed ? last.since : now;
      this.unchangedSince.set(key, { committed: l.committed, since });
      const where = { topic: l.topic, partition: l.partition };
      if (l.lag > BigInt(this.thresholds.lagThreshold)) {
        problems.push({ check: 'consumer-lag', reason: `group ${l.group} is ${l.lag} record(s) behind on ${l.topic} partition ${l.partition} (threshold ${this.thresholds.lagThreshold})`, ...where });
      }
      if (l.lag > 0n && now - since >= this.thresholds.stallMs) {
        problems.push({
          check: 'consumer-lag',
          reason: `group ${l.group} made no progress on ${l.topic} partition ${l.partition} for ${Math.round((now - since) / 1000)} s (committed ${l.committed}, end ${l.end})`,
          ...where,
          since: new Date(since).toISOString(),
        });
      }
    }
    for (const key of this.unchangedSince.keys()) if (!seen.has(key)) this.unchangedSince.delete(key);
    return problems;
  }
}

/**
 * Consumer-group lag of the groups this process runs, read from Kafka (end offsets and committed
 * offsets, through the admin client), at most once per `cacheMs`: sets the `meterstream_consumer_lag`
 * gauge and reports partitions too far behind or stuck (LagJudge).
 */
export class ConsumerLagCheck implements HealthCheck {
  readonly name = 'consumer-lag';
  private readonly judge: LagJudge;
  private answer: { at: number; problems: HealthProblem[] } | undefined;
  private running: Promise<HealthProblem[]> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly groups: readonly WatchedGroup[],
    private readonly metrics: Metrics,
    thresholds: LagThresholds,
    private readonly options: ProbeOptions,
  ) {
    this.judge = new LagJudge(thresholds);
    metrics.onScrape(() => this.problems());
  }

  problems(): Promise<HealthProblem[]> {
    if (this.answer && Date.now() - this.answer.at < this.options.cacheMs) return Promise.resolve(this.answer.problems);
    this.running ??= this.look()
      .then((problems) => {
        this.answer = { at: Date.now(), problems };
        return problems;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async look(): Promise<HealthProblem[]> {
    const lags: PartitionLagInfo[] = [];
    for (const group of this.groups) {
      const topics = [...group.topics()];
      if (topics.length === 0) continue;
      const committed = await this.admin.fetchOffsets({ groupId: group.groupId, topics });
      for (const topic of topics) {
        const ends = await this.admin.fetchTopicOffsets(topic);
        lags.push(...partitionLags(group.groupId, topic, ends, committed.find((c) => c.topic === topic)?.partitions ?? []));
      }
    }
    this.metrics.consumerLag.reset();
    for (const l of lags) this.metrics.consumerLag.set({ group: l.group, topic: l.topic, partition: String(l.partition) }, Number(l.lag));
    return this.judge.judge(lags, Date.now());
  }
}

/** The consumer-lag check on the config's thresholds. */
export function consumerLagCheck(config: MeterstreamConfig, admin: Admin, metrics: Metrics, groups: readonly WatchedGroup[]): ConsumerLagCheck {
  return new ConsumerLagCheck(admin, groups, metrics, { lagThreshold: config.health.lagThreshold, stallMs: config.health.stallMs }, probeOptions(config));
}
