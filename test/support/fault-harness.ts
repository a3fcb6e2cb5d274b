import fs from 'node:fs';
import path from 'node:path';
import { Partitioners, type Admin, type Kafka, type Producer, type RetryOptions } from 'kafkajs';
import { COMPATIBILITY, SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { pipelineNames } from '@meterstream/common';
import type { ChildService } from './child-service';
import { eventually, REPO_ROOT } from './pipeline';

/**
 * What the end-to-end fault tests (test/e2e/aggregator-fault.test.ts, corrections-fault.test.ts) share:
 * the run's timeline, the supervised meter-router and aggregator processes, the Kafka-side view of the
 * pipeline (group positions, joins, catching up) and the moments at which an aggregator kill lands.
 * Each test keeps its workload, its chaos and its assertions.
 */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/**
 * The run's notes, stamped with the time since the suite started, kept for the report and appended to
 * `progressFile` as they happen; and the suite's closing flag: once set, every wait gives up.
 */
export class FaultTimeline {
  readonly started = Date.now();
  readonly notes: string[] = [];
  /** Set when the suite is being torn down: every wait gives up and no service is started again. */
  closing = false;

  constructor(private readonly progressFile: string) {}

  readonly clock = (): string => `+${((Date.now() - this.started) / 1000).toFixed(1)}s`;

  readonly note = (line: string): void => {
    const stamped = `${this.clock()} ${line}`;
    this.notes.push(stamped);
    fs.appendFileSync(this.progressFile, `${stamped}\n`);
  };

  /** eventually(), giving up as soon as the suite is closing. */
  readonly until = <T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, pollMs = 200): Promise<T> =>
    eventually(probe, timeoutMs, what, pollMs, () => this.closing);
}

export interface SupervisedOptions {
  /** Exits by itself that the watchdog follows with a restart; one more and the service counts as failing. */
  maxRestarts: number;
  /** Stamps each recorded exit (e.g. with the suite's clock). */
  clock?: () => string;
}

/**
 * A service process that the test kills on purpose. A watchdog restarts it when it exits on its own
 * (e.g. it gave up while the broker was down); such exits are recorded.
 */
export class Supervised {
  private held = true;
  private closed = false;
  startedAt = 0;
  readonly unexpectedExits: string[] = [];

  constructor(
    readonly service: ChildService,
    private readonly options: SupervisedOptions,
  ) {}

  start(): void {
    if (this.closed) return;
    this.held = false;
    this.service.start();
    this.startedAt = Date.now();
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.held = true;
    await this.service.kill(signal);
  }

  /** SIGTERM (the service flushes and leaves its groups), SIGKILL after `timeoutMs`; says how it ended. */
  async stopGracefully(timeoutMs: number): Promise<string> {
    this.held = true;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      this.service.kill('SIGTERM').then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (ended) return this.service.exits[this.service.exits.length - 1];
    await this.service.kill('SIGKILL');
    return `no exit ${timeoutMs} ms after SIGTERM; SIGKILLed`;
  }

  /** Kills it for good: nothing starts it again. */
  async close(): Promise<void> {
    this.closed = true;
    await this.kill('SIGKILL');
  }

  /** The watchdog's look: records an exit the test did not cause, and restarts the service (up to maxRestarts). */
  watch(): void {
    if (this.held || this.closed || this.service.running) return;
    const exit = `${this.service.name} ended by itself (${this.service.exits[this.service.exits.length - 1]})`;
    this.unexpectedExits.push(this.options.clock ? `${this.options.clock()} ${exit}` : exit);
    if (this.unexpectedExits.length <= this.options.maxRestarts) this.start();
  }

  /** Throws once the service has ended by itself more often than the watchdog restarts it. */
  assertRunning(): void {
    if (this.unexpectedExits.length > this.options.maxRestarts) throw new Error(`the ${this.service.name} keeps exiting; log ${this.service.logFile}`);
  }

  /**
   * The crash of `groupId`'s consumer that this incarnation logged and did not follow with a restart
   * (kafkajs logs "Crash: …", then "Restarting the consumer …" unless it gave up), or undefined.
   */
  deadConsumer(groupId: string): string | undefined {
    const log = this.service.log();
    const marker = log.lastIndexOf(`start ${this.service.name} -----`);
    let crash: string | undefined;
    for (const line of log.slice(Math.max(0, marker)).split('\n')) {
      if (!line.includes(`"groupId":"${groupId}"`)) continue;
      try {
        const entry = JSON.parse(line) as { timestamp?: string; msg?: string };
        if (entry.msg?.startsWith('Crash')) crash = `${entry.timestamp} ${entry.msg}`;
        else if (entry.msg?.startsWith('Restarting the consumer')) crash = undefined;
      } catch {
        // not a log entry
      }
    }
    return crash;
  }
}

export interface Inserts {
  /** The highest block number among the table's parts (one insert, one block). */
  blocks: number;
  /** Whether an insert is being written now (a tmp_insert_* part). */
  writing: boolean;
}

/**
 * Inserts into a table so far, seen from outside the aggregator (which holds the directory). Reads the
 * embedded engine's layout: metadata/default/<table>.sql names the table's UUID, its parts live under
 * store/<uuid[0:3]>/<uuid>/.
 */
export function insertsSoFar(dataDir: string, table = 'meter_usage'): Inserts {
  try {
    const uuid = /UUID '([0-9a-f-]{36})'/.exec(fs.readFileSync(path.join(dataDir, 'metadata', 'default', `${table}.sql`), 'utf8'))?.[1];
    if (!uuid) return { blocks: 0, writing: false };
    let blocks = 0;
    let writing = false;
    for (const name of fs.readdirSync(path.join(dataDir, 'store', uuid.slice(0, 3), uuid))) {
      if (name.startsWith('tmp_insert_')) writing = true;
      const part = /^all_\d+_(\d+)_\d+/.exec(name);
      if (part) blocks = Math.max(blocks, Number(part[1]));
    }
    return { blocks, writing };
  } catch {
    return { blocks: 0, writing: false }; // not created yet, or a part renamed while listing
  }
}

/** The topics and consumer groups of a run under TOPIC_PREFIX `prefix`. */
export function faultTopics(prefix: string, meterIds: readonly string[]) {
  const { routerGroup, aggregatorGroup, rawEventSinkGroup } = pipelineNames(prefix);
  return {
    events: `${prefix}events`,
    meters: meterIds.map((id) => `${prefix}meter.${id}`),
    routerGroup,
    usageGroup: aggregatorGroup,
    rawGroup: rawEventSinkGroup,
  };
}
export type FaultTopics = ReturnType<typeof faultTopics>;

export interface GroupPosition {
  /** Records behind the group's committed offsets. */
  behind: number;
  /** The committed offsets' total. */
  committed: number;
}

/** When an aggregator kill lands: during start-up or the group join, at a random moment after its first insert, or mid-insert. */
export type InsertKillPlan = 'start-up' | 'after-insert' | 'mid-insert';

export interface FaultPipelineOptions {
  timeline: FaultTimeline;
  kafka: Kafka;
  topics: FaultTopics;
  router: Supervised;
  aggregator: Supervised;
  /** The aggregator's CLICKHOUSE_DATA_DIR. */
  dataDir: string;
  /** Retries of the test's producer (kafkajs's defaults when absent). */
  producerRetry?: RetryOptions;
}

/**
 * The meter-router and the aggregator as separate processes, seen from the test: their start-up, their
 * consumer groups' positions, and the waits until they have caught up. Owns the test's admin client and
 * producer on the pipeline's broker.
 */
export class FaultPipeline {
  readonly topics: FaultTopics;
  readonly router: Supervised;
  readonly aggregator: Supervised;
  private readonly timeline: FaultTimeline;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly options: FaultPipelineOptions) {
    this.topics = options.topics;
    this.router = options.router;
    this.aggregator = options.aggregator;
    this.timeline = options.timeline;
  }

  /** Runs fn on a connected admin client; a failed call drops the client (the broker may have restarted). */
  async withAdmin<T>(fn: (client: Admin) => Promise<T>): Promise<T> {
    try {
      if (!this.admin) {
        const client = this.options.kafka.admin();
        await client.connect();
        this.admin = client;
      }
      return await fn(this.admin);
    } catch (err) {
      const client = this.admin;
      this.admin = undefined;
      await client?.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** The test's idempotent producer, connected (again, after dropProducer()) on first use. */
  async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const created = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(this.options.producerRetry ? { retry: this.options.producerRetry } : {}),
    });
    try {
      await created.connect();
    } catch (err) {
      await created.disconnect().catch(() => undefined);
      throw err;
    }
    this.producer = created;
    return created;
  }

  /** Disconnects the producer after a failed send; the next connectedProducer() makes a new one. */
  async dropProducer(): Promise<void> {
    const failed = this.producer;
    this.producer = undefined;
    await failed?.disconnect().catch(() => undefined);
  }

  /** Registers schemas/usage-event.avsc for the events topic; resolves with the schema id. */
  async registerEventSchema(registry: SchemaRegistry): Promise<number> {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'usage-event.avsc'), 'utf8') },
      { subject: `${this.topics.events}-value`, compatibility: COMPATIBILITY.BACKWARD },
    );
    return id;
  }

  /** Records behind the group's committed offsets, and the committed total, over `topics`. */
  async groupPosition(groupId: string, topics: readonly string[], transactional: boolean): Promise<GroupPosition> {
    return this.withAdmin(async (client) => {
      const committed = await client.fetchOffsets({ groupId, topics: [...topics] });
      let behind = 0;
      let total = 0;
      for (const topic of topics) {
        const done = new Map(committed.find((t) => t.topic === topic)!.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
        for (const end of await client.fetchTopicOffsets(topic)) {
          const high = Number(end.high);
          const at = done.get(end.partition) ?? 0;
          total += at;
          // On a topic written in transactions the last offset is a commit marker, never consumed.
          behind += Math.max(0, (transactional && high > 0 ? high - 1 : high) - at);
        }
      }
      return { behind, committed: total };
    });
  }

  readonly routerPosition = () => this.groupPosition(this.topics.routerGroup, [this.topics.events], false);
  readonly usagePosition = () => this.groupPosition(this.topics.usageGroup, this.topics.meters, true);
  readonly rawPosition = () => this.groupPosition(this.topics.rawGroup, [this.topics.events], false);

  async groupsJoined(groups: string[]): Promise<true | undefined> {
    const { groups: described } = await this.withAdmin((client) => client.describeGroups(groups));
    return described.length === groups.length && described.every((g) => g.state === 'Stable' && g.members.length > 0) ? true : undefined;
  }

  /**
   * Starts the router and the watchdog; once the router has created the topics, seeded the catalog
   * (which provisions the meter topics) and joined its group, starts the aggregator and waits until it
   * has joined its groups.
   */
  async start(): Promise<void> {
    const { until } = this.timeline;
    this.router.start();
    this.watchdog = setInterval(() => {
      this.router.watch();
      this.aggregator.watch();
    }, 250);
    await until(
      async () => {
        this.router.assertRunning();
        const topics = new Set(await this.withAdmin((client) => client.listTopics()));
        return [this.topics.events, ...this.topics.meters].every((t) => topics.has(t)) ? true : undefined;
      },
      120_000,
      'the meter-router to create the topics',
      250,
    );
    await until(() => this.groupsJoined([this.topics.routerGroup]), 120_000, 'the meter-router to join its group', 250);
    this.aggregator.start();
    await until(() => this.groupsJoined([this.topics.usageGroup, this.topics.rawGroup]), 120_000, 'the aggregator to join its groups', 250);
  }

  /** Starts the (stopped) aggregator again and waits until it has rejoined its groups. */
  async restartAggregator(): Promise<void> {
    this.aggregator.start();
    await this.timeline.until(() => this.groupsJoined([this.topics.usageGroup, this.topics.rawGroup]), 120_000, 'the aggregator to rejoin its groups', 250);
  }

  /** Waits until the router's committed offsets (written in its transactions) reach the end of events. */
  async routerCaughtUp(timeoutMs: number): Promise<void> {
    await this.timeline.until(
      async () => {
        this.router.assertRunning();
        return (await this.routerPosition()).behind === 0 ? true : undefined;
      },
      timeoutMs,
      'the meter-router to commit every events offset',
      500,
    );
  }

  /**
   * Waits until the aggregator looks done: its committed offsets reach the end of its topics and neither
   * they nor meter_usage's parts changed for 3 s, or nothing changed for 25 s (its offset commits are
   * best effort, so they may lag; the look that follows checks ClickHouse itself).
   */
  async aggregatorIdle(what: string): Promise<void> {
    let last = '';
    let since = Date.now();
    await this.timeline.until(
      async () => {
        this.aggregator.assertRunning();
        const [usage, raw] = await Promise.all([this.usagePosition(), this.rawPosition()]);
        const parts = insertsSoFar(this.options.dataDir);
        const now = `${usage.committed}/${usage.behind}/${raw.committed}/${raw.behind}/${parts.blocks}/${parts.writing}`;
        if (now !== last) {
          last = now;
          since = Date.now();
          return undefined;
        }
        const quiet = Date.now() - since;
        return (usage.behind === 0 && raw.behind === 0 && quiet >= 3000) || quiet >= 25_000 ? true : undefined;
      },
      240_000,
      what,
      500,
    );
  }

  /**
   * Waits for the moment of the aggregator's current incarnation that `plan` names (a kill lands then):
   * 0.5-4 s into start-up; 0-1.5 s after its first insert into meter_usage; while an insert is being
   * written. Waits `insertWaitMs` (30 s) for that first insert; without one the moment is
   * `noInsert(insertWaitMs)` ("no insert within 30 s"). Resolves with the moment in words and the
   * inserts before the wait.
   */
  async killMoment(
    plan: InsertKillPlan,
    { insertWaitMs = 30_000, noInsert = (waitMs: number) => `no insert within ${waitMs / 1000} s` }: { insertWaitMs?: number; noInsert?: (waitMs: number) => string } = {},
  ): Promise<{ moment: string; before: Inserts }> {
    const { until } = this.timeline;
    const { dataDir } = this.options;
    const before = insertsSoFar(dataDir);
    if (plan === 'start-up') {
      const delay = between(500, 4000);
      await sleep(delay);
      return { moment: `${delay} ms after start`, before };
    }
    // This incarnation's first insert into meter_usage: a new part in its data directory.
    const inserted = await until(() => (insertsSoFar(dataDir).blocks > before.blocks ? true : undefined), insertWaitMs, 'an insert', 50).catch(() => false);
    if (!inserted) return { moment: noInsert(insertWaitMs), before };
    if (plan === 'after-insert') {
      const delay = between(0, 1500);
      await sleep(delay);
      return { moment: `${delay} ms after its first insert`, before };
    }
    const writing = await until(() => (insertsSoFar(dataDir).writing ? true : undefined), 20_000, 'an insert in progress', 5).catch(() => false);
    return { moment: writing ? 'while an insert into meter_usage was being written' : 'no insert in progress seen within 20 s', before };
  }

  /**
   * Stops the watchdog and both services for good, then the producer and the admin client;
   * `beforeDisconnect` runs on the admin client first, when one is connected.
   */
  async close(beforeDisconnect?: (admin: Admin) => Promise<void>): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    await this.router.close();
    await this.aggregator.close();
    await this.producer?.disconnect().catch(() => undefined);
    if (this.admin) {
      await beforeDisconnect?.(this.admin);
      await this.admin.disconnect().catch(() => undefined);
    }
  }
}

/** Removes the schema subjects under `prefix` on the shared registry (best effort). */
export async function deleteSubjects(registryUrl: string | undefined, prefix: string): Promise<void> {
  if (!registryUrl) return;
  try {
    const subjects = (await (await fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(5000) })).json()) as string[];
    for (const subject of subjects.filter((s) => s.startsWith(prefix))) {
      const url = `${registryUrl}/subjects/${encodeURIComponent(subject)}`;
      const soft = await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(5000) });
      if (soft.ok) await fetch(`${url}?permanent=true`, { method: 'DELETE', signal: AbortSignal.timeout(5000) });
    }
  } catch {
    // The registry is shared and outlives this test; a leftover subject under a unique prefix does no harm.
  }
}
