import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AvroCodec, DLQ_HEADERS, pipelineNames } from '@meterstream/common';
import { type MetadataValue, type UsageEvent } from '@meterstream/domain';
import { REPO_ROOT, eventually, getJson, postJson, startTestPipeline } from '../support/pipeline';
import { readTopic, type ReadRecord } from '../support/topic-reader';

const run = promisify(execFile);
const CUSTOMER = 'cus_dlq';
// Not the Confluent wire format (magic byte 0, schema id, Avro body): the router cannot decode it.
const GARBAGE = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x10, 0x7f, 0x80, 0x01]);

type Raw = ReadRecord<Buffer>;
const text = (headers: Raw['headers'], name: string) => headers?.[name]?.toString();
const where = (r: Raw) => `${r.partition}:${r.offset}`;

describe('events dead-letter queue', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let kafka: Kafka;
  let admin: Admin;
  let registry: SchemaRegistry;
  let eventsTopic: string;
  let dlqTopic: string;
  let cliEnv: NodeJS.ProcessEnv;
  let garbageAt: { partition: number; offset: string };
  let dlq: Raw[];
  const period = { start: new Date(Date.now() - 3600_000).toISOString(), end: new Date(Date.now() + 3600_000).toISOString() };

  const usage = async (meterId: string) =>
    (await getJson(`${app.url}/usage?customer_id=${CUSTOMER}&meter_id=${meterId}&start=${period.start}&end=${period.end}`, app.adminKey)).body;
  const ingest = async (events: object[]) => expect(await postJson(`${app.url}/events/ingest`, { events }, app.adminKey)).toEqual({ status: 200, body: { ingested_count: events.length } });
  const readRaw = (topic: string, count: number) => readTopic<Buffer>(app.config.kafka.brokers, app.config.registryUrl, topic, count, { decode: false });
  const cli = (...args: string[]) => run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'dlq.js'), ...args], { cwd: REPO_ROOT, env: cliEnv, timeout: 60000 });
  /** Events straight to Kafka, as a direct producer writes them (keyed by customer, Avro). */
  const produceDirect = async (events: { event_id: string; event_name: string; metadata: Record<string, MetadataValue> }[]) => {
    const codec = new AvroCodec(app.config.registryUrl);
    await codec.register(eventsTopic, 'usage-event');
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const messages = await Promise.all(
      events.map(async (e) => ({ key: CUSTOMER, value: await codec.encode(eventsTopic, { ...e, customer_id: CUSTOMER, timestamp: Date.now(), ingested_at: Date.now() } satisfies UsageEvent) })),
    );
    const [sent] = await producer.send({ topic: eventsTopic, acks: -1, messages });
    await producer.disconnect();
    return sent;
  };
  const apiRequests = (ids: string[]) => ids.map((id, i) => ({ event_id: id, customer_id: CUSTOMER, event_name: 'api_request', metadata: { user_id: `u${i % 2}` } }));

  /** True once the router's committed offsets reached the end of every partition of `events`. */
  const routerCaughtUp = async () => {
    const ends = await admin.fetchTopicOffsets(eventsTopic);
    const [committed] = await admin.fetchOffsets({ groupId: pipelineNames(app.config.kafka.topicPrefix).routerGroup, topics: [eventsTopic] });
    const done = ends.every((end) => end.high === end.low || committed.partitions.find((p) => p.partition === end.partition)?.offset === end.high);
    return done ? true : undefined;
  };

  beforeAll(async () => {
    // The command line tool runs from the build.
    execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT, stdio: 'inherit' });
    app = await startTestPipeline('dlq', { CATALOG_FILE: path.join(REPO_ROOT, 'scripts', 'demo-catalog.json') });
    eventsTopic = `${app.config.kafka.topicPrefix}events`;
    dlqTopic = `${app.config.kafka.topicPrefix}events.dlq`;
    cliEnv = { ...process.env, TOPIC_PREFIX: app.config.kafka.topicPrefix, KAFKA_BROKERS: app.config.kafka.brokers.join(','), SCHEMA_REGISTRY_URL: app.config.registryUrl };
    kafka = new Kafka({ clientId: 'dlq-test', brokers: app.config.kafka.brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    registry = new SchemaRegistry({ host: app.config.registryUrl });
  });
  afterAll(async () => {
    await admin?.disconnect();
    await app?.stop();
  });

  it('isolates undecodable and unusable records in the DLQ with their original bytes and source, and counts the rest', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const [sent] = await producer.send({ topic: eventsTopic, acks: -1, messages: [{ key: CUSTOMER, value: GARBAGE }] });
    await producer.disconnect();
    garbageAt = { partition: sent.partition, offset: sent.baseOffset! };

    // The gateway refuses a value a meter cannot read (422); a direct producer can still write one.
    await produceDirect([{ event_id: 'evt-tokens-abc', event_name: 'llm_completion', metadata: { tokens: 'abc' } }]);
    await ingest([{ event_id: 'evt-tokens-missing', customer_id: CUSTOMER, event_name: 'llm_completion', metadata: { model: 'm1' } }]);
    await ingest([
      ...apiRequests(['evt-ok-1', 'evt-ok-2', 'evt-ok-3', 'evt-ok-4', 'evt-ok-5']),
      { event_id: 'evt-ok-tokens', customer_id: CUSTOMER, event_name: 'llm_completion', metadata: { tokens: 1200 } },
    ]);

    const calls = await eventually(async () => {
      const body = await usage('mtr_api_calls');
      return Number(body.total) >= 5 ? body : undefined;
    }, 60000, 'the valid api_request events to be counted');
    expect(calls.total).toBe('5');
    const tokens = await eventually(async () => {
      const body = await usage('mtr_tokens');
      return body.total !== '0' ? body : undefined;
    }, 60000, 'the valid llm_completion event to be counted');
    expect(tokens.total).toBe('1200');

    // Once the router committed past every input record, the DLQ holds all it will ever get from them.
    await eventually(routerCaughtUp, 60000, 'the router to commit the end of the events topic');
    const events = await readRaw(eventsTopic, 9);
    const eventAt = new Map(events.map((r) => [where(r), r]));
    dlq = await readRaw(dlqTopic, 3);
    expect(dlq).toHaveLength(3);
    const listed = (await cli('list')).stdout.trim().split('\n');
    expect(listed).toHaveLength(3);

    const byCode = new Map(dlq.map((r) => [text(r.headers, DLQ_HEADERS.code), r]));
    expect([...byCode.keys()].sort()).toEqual(['METER_KEY_MISSING', 'METER_VALUE_NOT_NUMERIC', 'UNDECODABLE']);
    for (const record of dlq) {
      expect(text(record.headers, DLQ_HEADERS.topic)).toBe(eventsTopic);
      expect(text(record.headers, DLQ_HEADERS.reason)).toMatch(/\S/);
      const source = eventAt.get(`${text(record.headers, DLQ_HEADERS.partition)}:${text(record.headers, DLQ_HEADERS.offset)}`);
      expect(source).toBeDefined();
      expect(record.key).toBe(CUSTOMER);
      expect(Buffer.compare(record.value, source!.value)).toBe(0);
    }

    const undecodable = byCode.get('UNDECODABLE')!;
    expect(Buffer.compare(undecodable.value, GARBAGE)).toBe(0);
    expect(text(undecodable.headers, DLQ_HEADERS.partition)).toBe(String(garbageAt.partition));
    expect(text(undecodable.headers, DLQ_HEADERS.offset)).toBe(garbageAt.offset);

    const notNumeric = (await registry.decode(byCode.get('METER_VALUE_NOT_NUMERIC')!.value)) as UsageEvent;
    expect(notNumeric.event_id).toBe('evt-tokens-abc');
    expect(text(byCode.get('METER_VALUE_NOT_NUMERIC')!.headers, DLQ_HEADERS.reason)).toContain('mtr_tokens');
    const missing = (await registry.decode(byCode.get('METER_KEY_MISSING')!.value)) as UsageEvent;
    expect(missing.event_id).toBe('evt-tokens-missing');
    expect(text(byCode.get('METER_KEY_MISSING')!.headers, DLQ_HEADERS.reason)).toContain('metadata.tokens');
  });

  it('lists the DLQ from the command line, filtered by code, and rejects bad usage with exit code 2', async () => {
    const { stdout } = await cli('list');
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => /code=(\S+)/.exec(line)?.[1]).sort()).toEqual(['METER_KEY_MISSING', 'METER_VALUE_NOT_NUMERIC', 'UNDECODABLE']);
    const garbageLine = lines.find((line) => line.includes('code=UNDECODABLE'));
    const dlqGarbage = dlq.find((r) => text(r.headers, DLQ_HEADERS.code) === 'UNDECODABLE')!;
    expect(garbageLine).toContain(`partition=${dlqGarbage.partition} offset=${dlqGarbage.offset} `);
    expect(garbageLine).toContain(`source=${eventsTopic}/${garbageAt.partition}/${garbageAt.offset} key="${CUSTOMER}"`);

    const filtered = (await cli('list', '--code', 'METER_KEY_MISSING')).stdout.trim().split('\n');
    expect(filtered).toHaveLength(1);
    expect(filtered[0]).toContain('code=METER_KEY_MISSING');
    expect((await cli('list', '--limit', '2')).stdout.trim().split('\n')).toHaveLength(2);

    await expect(cli('list', '--limit', 'x')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--limit') });
    await expect(cli('purge')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('Usage:') });
  });

  it('replays a record to its source topic; still undecodable, it lands in the DLQ again and the pipeline goes on', async () => {
    const ends = async () => (await admin.fetchTopicOffsets(eventsTopic)).map((p) => `${p.partition}:${p.high}`).sort();
    const endsBefore = await ends();
    const dry = await cli('replay', '--code', 'UNDECODABLE', '--dry-run');
    expect(dry.stdout).toContain('would replay 1 record(s)');
    expect(await ends()).toEqual(endsBefore);

    const replayed = await cli('replay', '--code', 'UNDECODABLE');
    expect(replayed.stdout).toContain('replayed 1 record(s)');

    const dlqGarbage = dlq.find((r) => text(r.headers, DLQ_HEADERS.code) === 'UNDECODABLE')!;
    const events = await readRaw(eventsTopic, 10);
    const copies = events.filter((r) => text(r.headers, 'dlq-replayed-from') !== undefined);
    expect(copies).toHaveLength(1);
    const [copy] = copies;
    expect(text(copy.headers, 'dlq-replayed-from')).toBe(where(dlqGarbage));
    expect(copy.key).toBe(CUSTOMER);
    expect(Buffer.compare(copy.value, GARBAGE)).toBe(0);

    const again = (await readRaw(dlqTopic, 4)).filter((r) => !dlq.some((first) => where(first) === where(r)));
    expect(again).toHaveLength(1);
    expect(text(again[0].headers, DLQ_HEADERS.code)).toBe('UNDECODABLE');
    expect(`${text(again[0].headers, DLQ_HEADERS.partition)}:${text(again[0].headers, DLQ_HEADERS.offset)}`).toBe(where(copy));
    expect(Buffer.compare(again[0].value, GARBAGE)).toBe(0);

    await ingest(apiRequests(['evt-ok-6']));
    const calls = await eventually(async () => {
      const body = await usage('mtr_api_calls');
      return Number(body.total) >= 6 ? body : undefined;
    }, 60000, 'the api_request event sent after the replay to be counted');
    expect(calls.total).toBe('6');
  });

  // What the --help text promises about replaying records the router had decoded.
  it('does not count a replayed event again: the router remembers the ids of events a meter rejected', async () => {
    // Counted by mtr_api_calls, rejected by mtr_active_users (no user_id).
    await ingest([{ event_id: 'evt-no-user', customer_id: CUSTOMER, event_name: 'api_request', metadata: {} }]);
    const calls = await eventually(async () => {
      const body = await usage('mtr_api_calls');
      return Number(body.total) >= 7 ? body : undefined;
    }, 60000, 'the api_request without user_id to be counted');
    expect(calls.total).toBe('7');
    await eventually(routerCaughtUp, 60000, 'the router to commit the end of the events topic');
    const missing = (await cli('list', '--code', 'METER_KEY_MISSING')).stdout.trim().split('\n');
    expect(missing).toHaveLength(2);

    // End offsets only move if the router writes something there (a record, with its commit marker).
    const ends = async (topic: string) => (await admin.fetchTopicOffsets(topic)).map((p) => `${p.partition}:${p.high}`).sort();
    const outputs = [dlqTopic, `${app.config.kafka.topicPrefix}meter.mtr_api_calls`, `${app.config.kafka.topicPrefix}meter.mtr_tokens`];
    const before = await Promise.all(outputs.map(ends));

    expect((await cli('replay', '--code', 'METER_KEY_MISSING')).stdout).toContain('replayed 2 record(s)');
    const copies = (await readRaw(eventsTopic, 14)).filter((r) => text(r.headers, 'dlq-replayed-from') !== undefined);
    expect(copies).toHaveLength(3); // the garbage replayed above, and these two
    await eventually(routerCaughtUp, 60000, 'the router to commit the replayed records');

    expect(await Promise.all(outputs.map(ends))).toEqual(before);
    expect((await usage('mtr_api_calls')).total).toBe('7');
  });

  it("dead-letters a direct producer's out-of-range values with METER_VALUE_OUT_OF_RANGE and counts the next event on the same meter and partition", async () => {
    const before = (await usage('mtr_tokens')).total as string;
    const dlqBefore = (await cli('list')).stdout.trim().split('\n').length;
    const outOfRange: [string, MetadataValue][] = [
      ['evt-range-27-digits', '123456789012345678901234567'],
      ['evt-range-13-decimals', { decimal: '0.0000000000001' }],
      // Read as a number, this was once expanded digit by digit (a billion of them).
      ['evt-range-exponent', '1e999999999'],
    ];
    const sent = await produceDirect([
      ...outOfRange.map(([event_id, tokens]) => ({ event_id, event_name: 'llm_completion', metadata: { tokens } })),
      { event_id: 'evt-range-control', event_name: 'llm_completion', metadata: { tokens: { decimal: '0.000000000007' } } },
    ]);
    // One send of one key: all four records are in one partition, the control event last; it counts
    // within 5 s of the send (the records before it do not hold up their partition).
    const after = await eventually(async () => {
      const body = await usage('mtr_tokens');
      return body.total !== before ? body.total : undefined;
    }, 5000, 'the control event to be counted within 5 s');
    const scale = 10n ** 12n;
    const units = (text: string) => BigInt(text.split('.')[0]) * scale + BigInt((text.split('.')[1] ?? '').padEnd(12, '0'));
    expect(units(after) - units(before)).toBe(7n);

    await eventually(routerCaughtUp, 60000, 'the router to commit the end of the events topic');
    // The DLQ records whose source is one of the four records sent (by partition and offset).
    const sentOffsets = [0n, 1n, 2n, 3n].map((i) => String(BigInt(sent.baseOffset!) + i));
    const fresh = (await readRaw(dlqTopic, dlqBefore + outOfRange.length)).filter(
      (r) => text(r.headers, DLQ_HEADERS.partition) === String(sent.partition) && sentOffsets.includes(text(r.headers, DLQ_HEADERS.offset) ?? ''),
    );
    expect(fresh.map((r) => text(r.headers, DLQ_HEADERS.offset))).toEqual(sentOffsets.slice(0, 3));
    // Text a meter reads out of range: that meter's DLQ record. A DecimalNumber out of range: the event
    // as a whole (INVALID_EVENT), as the gateway refuses such a JSON number whatever meter reads it.
    expect(fresh.map((r) => text(r.headers, DLQ_HEADERS.code))).toEqual(['METER_VALUE_OUT_OF_RANGE', 'INVALID_EVENT', 'METER_VALUE_OUT_OF_RANGE']);
    for (const record of fresh) expect(text(record.headers, DLQ_HEADERS.reason)).toMatch(/(mtr_tokens|metadata\.tokens).*outside the range/);
    const ids = await Promise.all(fresh.map(async (r) => ((await registry.decode(r.value)) as UsageEvent).event_id));
    expect(ids).toEqual(outOfRange.map(([id]) => id));
  });
});
