import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { pipelineNames } from '@meterstream/common';
import type { MeterRecord, UsageEvent } from '@meterstream/domain';
import { ChildService } from '../support/child-service';
import { eventually } from '../support/pipeline';

// Invariant 2 for the meter-router: with 100,000 events produced straight to Kafka while the router
// runs as its own process and is killed with SIGKILL twice mid-stream, every matching event_id is on its
// meter's topic exactly once for a read_committed reader, with its exact value.

const TOTAL_EVENTS = 100_000;
const SEND_BATCH = 1_000;
const CUSTOMERS = 100;
const FIRST_KILL_AFTER = 40_000;
const QUIET_MS = 5_000;

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const SCHEMAS_DIR = path.resolve(__dirname, '../../schemas');

const PREFIX = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}.routercrash.`;
const TOPIC_EVENTS = `${PREFIX}events`;
const CALLS_METER = 'mtr_crash_calls';
const TOKENS_METER = 'mtr_crash_tokens';
const TOPIC_CALLS = `${PREFIX}meter.${CALLS_METER}`;
const TOPIC_TOKENS = `${PREFIX}meter.${TOKENS_METER}`;
const ROUTER_GROUP = pipelineNames(PREFIX).routerGroup;

const CATALOG = {
  meters: [
    {
      id: CALLS_METER,
      name: 'API calls',
      event_name: 'api_request',
      aggregation: { type: 'count' },
      measurement_unit: 'calls',
      archived: false,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    },
    {
      id: TOKENS_METER,
      name: 'LLM tokens',
      event_name: 'llm_completion',
      aggregation: { type: 'sum', key: 'tokens' },
      measurement_unit: 'tokens',
      archived: false,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    },
  ],
  products: [],
  customers: [],
  subscriptions: [],
};

/**
 * Event number i, deterministic. About 5% are `page_view` (no meter matches them), a third of the rest
 * `llm_completion` with tokens in canonical decimal text (what the router must pass through verbatim:
 * integers, halves, 12 fraction digits, 26 significant digits), the others `api_request`.
 */
function usageEvent(i: number, now: number): UsageEvent {
  const customer_id = `cus_${(i * 37) % CUSTOMERS}`;
  const event_id = `evt-${i.toString().padStart(6, '0')}`;
  const base = { event_id, customer_id, timestamp: now - (i % 600_000), ingested_at: now };
  if (i % 20 === 19) return { ...base, event_name: 'page_view', metadata: { path: `/p/${i % 7}` } };
  if (i % 3 === 0) {
    const forms = [`${i % 4096}`, `${i % 1000}.5`, `${i % 100}.125`, `${10_000_000_000_000 + i}.000000000001`, `${i}.${(i % 9) + 1}`];
    return { ...base, event_name: 'llm_completion', metadata: { tokens: { decimal: forms[i % forms.length] }, model: 'gpt-x', cached: i % 2 === 0 } };
  }
  return { ...base, event_name: 'api_request', metadata: { method: i % 2 === 0 ? 'GET' : 'POST', cached: i % 4 === 0 } };
}

interface ReadResult {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: MeterRecord | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('meter-router under SIGKILL', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-router-crash-'));
  const catalogFile = path.join(dir, 'catalog.json');
  fs.writeFileSync(catalogFile, JSON.stringify(CATALOG, null, 2));
  const router = new ChildService(
    'meter-router',
    { TOPIC_PREFIX: PREFIX, KAFKA_BROKERS: BROKERS.join(','), SCHEMA_REGISTRY_URL: REGISTRY_URL, CATALOG_FILE: catalogFile, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    path.join(dir, 'meter-router.log'),
  );
  const kafka = new Kafka({ clientId: 'router-crash-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: REGISTRY_URL }, { [SchemaType.AVRO]: { wrapUnions: false } });
  let admin: Admin;
  let producer: Producer;
  let passed = false;

  /** Offsets written to both meter topics so far (high watermarks; includes transaction markers). */
  async function meterOutput(): Promise<number> {
    let total = 0;
    for (const topic of [TOPIC_CALLS, TOPIC_TOKENS]) {
      for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
    }
    return total;
  }

  /** Input offsets the router has committed (in its transactions), per partition. */
  async function routerCommitted(): Promise<Map<number, number>> {
    const [topic] = await admin.fetchOffsets({ groupId: ROUTER_GROUP, topics: [TOPIC_EVENTS] });
    return new Map(topic.partitions.map((p) => [p.partition, Number(p.offset)]));
  }

  /** Member ids of the router's group now; a stable group with a member not in `dead` means a live router. */
  async function routerMembers(): Promise<{ state: string; members: string[] }> {
    const { groups } = await admin.describeGroups([ROUTER_GROUP]);
    return { state: groups[0]?.state ?? 'Unknown', members: (groups[0]?.members ?? []).map((m) => m.memberId) };
  }

  async function waitForLiveRouter(dead: Set<string>, timeoutMs = 120_000): Promise<void> {
    await eventually(
      async () => {
        if (!router.running) throw new Error(`meter-router exited (${router.exits.join(', ')}); log ${router.logFile}`);
        const { state, members } = await routerMembers();
        return state === 'Stable' && members.length > 0 && members.every((m) => !dead.has(m)) ? true : undefined;
      },
      timeoutMs,
      'the meter-router to join its consumer group',
      250,
    );
  }

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    router.start();
    // The router creates the topics and registers the schemas at start, then joins its group.
    await eventually(
      async () => {
        if (!router.running) throw new Error(`meter-router exited (${router.exits.join(', ')}); log ${router.logFile}`);
        const topics = new Set(await admin.listTopics());
        return [TOPIC_EVENTS, TOPIC_CALLS, TOPIC_TOKENS].every((t) => topics.has(t)) ? true : undefined;
      },
      120_000,
      'the meter-router to create its topics',
    );
    await waitForLiveRouter(new Set());
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    await router.kill();
    await producer?.disconnect().catch(() => undefined);
    if (admin) {
      await admin.deleteTopics({ topics: [TOPIC_EVENTS, `${PREFIX}events.dlq`, `${PREFIX}invoices`, TOPIC_CALLS, TOPIC_TOKENS] }).catch(() => undefined);
      await admin.disconnect();
    }
    if (passed) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`[router-crash] kept ${dir} (catalog and meter-router log)`);
  }, 60_000);

  it('fans out every event exactly once to its meter topics across kill -9 of the router', async () => {
    const started = Date.now();
    const { id: schemaId } = await registry.register(
      { type: SchemaType.AVRO, schema: fs.readFileSync(path.join(SCHEMAS_DIR, 'usage-event.avsc'), 'utf8') },
      { subject: `${TOPIC_EVENTS}-value`, compatibility: COMPATIBILITY.BACKWARD },
    );

    // What the meter topics must hold, built while producing.
    const expectedCalls = new Map<string, string>(); // event_id → customer_id
    const expectedTokens = new Map<string, { customer: string; tokens: string }>();
    let produced = 0;
    const notes: string[] = [];
    const note = (line: string) => notes.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${line}`);

    const produceAll = async () => {
      const now = Date.now();
      for (let first = 0; first < TOTAL_EVENTS; first += SEND_BATCH) {
        const events = Array.from({ length: Math.min(SEND_BATCH, TOTAL_EVENTS - first) }, (_, k) => usageEvent(first + k, now));
        const messages = await Promise.all(events.map(async (e) => ({ key: e.customer_id, value: await registry.encode(schemaId, e) })));
        await producer.send({ topic: TOPIC_EVENTS, acks: -1, messages });
        for (const e of events) {
          if (e.event_name === 'api_request') expectedCalls.set(e.event_id, e.customer_id);
          if (e.event_name === 'llm_completion') {
            const tokens = e.metadata.tokens as { decimal: string };
            expectedTokens.set(e.event_id, { customer: e.customer_id, tokens: tokens.decimal });
          }
        }
        produced += events.length;
        // Keep the stream going for a while so that the kills land while the router is busy.
        await sleep(40);
      }
      note(`produced all ${produced} events`);
    };

    const killRouter = async (label: string) => {
      const { members } = await routerMembers();
      const output = await meterOutput();
      const committed = [...(await routerCommitted()).values()].reduce((a, b) => a + Math.max(b, 0), 0);
      const pid = router.pid;
      await router.kill('SIGKILL');
      note(`${label}: SIGKILL pid ${pid} with ${produced} produced, ${committed} input offsets committed, meter topics at ${output} offsets`);
      return new Set(members);
    };

    const chaos = async () => {
      // First kill: after ~40,000 produced and once the router has written output.
      await eventually(() => (produced >= FIRST_KILL_AFTER ? true : undefined), 300_000, `${FIRST_KILL_AFTER} events produced`, 20);
      await eventually(async () => ((await meterOutput()) > 0 ? true : undefined), 120_000, 'first router output', 50);
      const dead = await killRouter('kill 1');
      await sleep(500);
      router.start();
      await waitForLiveRouter(dead);
      note(`router restarted and joined (${produced} produced)`);
      // Second kill: at a random moment once the restarted router is writing again.
      const before = await meterOutput();
      const caughtUp = async () => {
        const committed = [...(await routerCommitted()).values()].reduce((a, b) => a + Math.max(b, 0), 0);
        return produced === TOTAL_EVENTS && committed === TOTAL_EVENTS;
      };
      await eventually(async () => ((await meterOutput()) > before || (await caughtUp()) ? true : undefined), 120_000, 'output of the restarted router', 50);
      const delay = Math.floor(Math.random() * 1500);
      await sleep(delay);
      const dead2 = await killRouter(`kill 2 (${delay} ms after output resumed)`);
      for (const m of dead) dead2.add(m);
      router.start();
      await waitForLiveRouter(dead2);
      note(`router restarted and joined again (${produced} produced)`);
    };

    await Promise.all([produceAll(), chaos()]);
    expect(produced).toBe(TOTAL_EVENTS);
    expect(router.exits).toEqual(['SIGKILL', 'SIGKILL']);

    // The router is done when its committed input offsets (committed in the same transactions as its
    // output) reach the end of every events partition.
    const ends = new Map((await admin.fetchTopicOffsets(TOPIC_EVENTS)).map((p) => [p.partition, Number(p.high)]));
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL_EVENTS);
    await eventually(
      async () => {
        if (!router.running) throw new Error(`meter-router exited (${router.exits.join(', ')}); log ${router.logFile}`);
        const committed = await routerCommitted();
        return [...ends].every(([p, end]) => committed.get(p) === end) ? true : undefined;
      },
      300_000,
      'the router to commit every events offset',
      500,
    );
    note('router committed every input offset');

    const expectedTotal = expectedCalls.size + expectedTokens.size;
    const committedRead = await readMeterTopics(kafka, registry, false, expectedTotal);
    const uncommittedRead = await readMeterTopics(kafka, registry, true, committedRead.length);
    note(`read ${committedRead.length} records read_committed, ${uncommittedRead.length} read_uncommitted`);

    const calls = committedRead.filter((r) => r.topic === TOPIC_CALLS);
    const tokens = committedRead.filter((r) => r.topic === TOPIC_TOKENS);
    const callsReport = exactlyOnceReport(calls, new Set(expectedCalls.keys()));
    const tokensReport = exactlyOnceReport(tokens, new Set(expectedTokens.keys()));
    const uncommittedDuplicates = [TOPIC_CALLS, TOPIC_TOKENS].map(
      (topic) => exactlyOnceReport(uncommittedRead.filter((r) => r.topic === topic), new Set()).duplicates.size,
    );
    console.log(
      [
        `[router-crash] prefix ${PREFIX}`,
        ...notes,
        `expected: ${expectedCalls.size} api_request → ${TOPIC_CALLS}, ${expectedTokens.size} llm_completion → ${TOPIC_TOKENS}, ` +
          `${TOTAL_EVENTS - expectedCalls.size - expectedTokens.size} page_view → none`,
        `read_committed: ${calls.length} on calls (${JSON.stringify(summary(callsReport))}), ${tokens.length} on tokens (${JSON.stringify(summary(tokensReport))})`,
        `read_uncommitted (information only; aborted transactions are visible there): ${uncommittedRead.length} records ` +
          `(${uncommittedRead.length - committedRead.length} more than read_committed; event ids seen twice there: ` +
          `${uncommittedDuplicates[0]} on calls, ${uncommittedDuplicates[1]} on tokens)`,
      ].join('\n'),
    );

    // Exactly once: as many records as matching events, each event id once, none missing, none extra.
    expect(summary(callsReport)).toEqual({ records: expectedCalls.size, distinct: expectedCalls.size, duplicates: [], missing: [], unexpected: [] });
    expect(summary(tokensReport)).toEqual({ records: expectedTokens.size, distinct: expectedTokens.size, duplicates: [], missing: [], unexpected: [] });

    // Every record carries its event's meter, customer (also as key) and, for sum, the exact value.
    const wrongCalls = calls.filter(
      (r) => r.value === null || r.value.meter_id !== CALLS_METER || r.key !== expectedCalls.get(r.value.event_id) || r.value.customer_id !== r.key || r.value.value !== null,
    );
    expect(wrongCalls.slice(0, 5)).toEqual([]);
    const wrongTokens = tokens.filter((r) => {
      const want = r.value ? expectedTokens.get(r.value.event_id) : undefined;
      return !want || r.value!.meter_id !== TOKENS_METER || r.key !== want.customer || r.value!.customer_id !== want.customer || r.value!.value !== want.tokens;
    });
    expect(wrongTokens.slice(0, 5)).toEqual([]);

    // Information only: read_uncommitted sees the committed records plus whatever aborted transactions left.
    if (uncommittedRead.length < committedRead.length) {
      console.log(`[router-crash] note: read_uncommitted saw fewer records (${uncommittedRead.length}) than read_committed (${committedRead.length})`);
    }
    passed = true;
  }, 600_000);
});

interface ExactlyOnceReport {
  records: number;
  distinct: number;
  /** event id → positions (partition:offset) of every copy, for ids seen more than once. */
  duplicates: Map<string, string[]>;
  missing: string[];
  unexpected: string[];
}

function exactlyOnceReport(records: ReadResult[], expected: Set<string>): ExactlyOnceReport {
  const seen = new Map<string, string[]>();
  for (const r of records) {
    const id = r.value?.event_id ?? `<undecodable ${r.partition}:${r.offset}>`;
    const positions = seen.get(id) ?? [];
    positions.push(`${r.partition}:${r.offset}`);
    seen.set(id, positions);
  }
  return {
    records: records.length,
    distinct: seen.size,
    duplicates: new Map([...seen].filter(([, positions]) => positions.length > 1)),
    missing: [...expected].filter((id) => !seen.has(id)),
    unexpected: [...seen.keys()].filter((id) => !expected.has(id)),
  };
}

/** A printable report: counts, and the first few offending ids with where their copies are. */
function summary(report: ExactlyOnceReport) {
  const first = <T>(items: T[]) => items.slice(0, 10);
  return {
    records: report.records,
    distinct: report.distinct,
    duplicates: first([...report.duplicates].map(([id, positions]) => `${id}@${positions.join(',')}`)).concat(
      report.duplicates.size > 10 ? [`… ${report.duplicates.size} in all`] : [],
    ),
    missing: first(report.missing).concat(report.missing.length > 10 ? [`… ${report.missing.length} in all`] : []),
    unexpected: first(report.unexpected).concat(report.unexpected.length > 10 ? [`… ${report.unexpected.length} in all`] : []),
  };
}

/**
 * Reads both meter topics from the beginning with a plain consumer of its own group until at least
 * `expected` records arrived and then nothing more for QUIET_MS (late duplicates would show up), or
 * until a deadline (the caller's assertions then say what is missing). Values are decoded through the
 * registry.
 */
async function readMeterTopics(kafka: Kafka, registry: SchemaRegistry, readUncommitted: boolean, expected: number): Promise<ReadResult[]> {
  const consumer = kafka.consumer({
    groupId: `${PREFIX}reader-${readUncommitted ? 'uncommitted' : 'committed'}-${Date.now()}`,
    readUncommitted,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  const records: ReadResult[] = [];
  let lastArrival = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC_CALLS, TOPIC_TOKENS], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const message of batch.messages) {
        let value: MeterRecord | null;
        try {
          value = (await registry.decode(message.value!)) as MeterRecord;
        } catch {
          value = null; // counted as undecodable by the report
        }
        records.push({ topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key?.toString() ?? null, value });
        resolveOffset(message.offset);
      }
      lastArrival = Date.now();
      await heartbeat();
    },
  });
  try {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline && !(records.length >= expected && Date.now() - lastArrival >= QUIET_MS)) await sleep(250);
  } finally {
    await consumer.disconnect();
  }
  return records;
}
