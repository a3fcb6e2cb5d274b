import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { AvroCodec, DLQ_HEADERS, type Warehouse } from '@meterstream/common';
import type { MeterRecord } from '@meterstream/domain';
import { formatScaled, parseScaled } from '../support/exact-decimal';
import { eventually, getJson, startTestPipeline } from '../support/pipeline';
import { readTopic } from '../support/topic-reader';

// Invariant 9: one record ClickHouse refuses for its data must not stop its partition. The warehouse
// below makes ClickHouse itself refuse every insert into meter_records holding one event id (its value
// is swapped for text that is no decimal: a real CANNOT_PARSE error from the engine). While the flush
// is retried (AGGREGATOR_DATA_ERROR_RETRY_MS) /readyz says degraded and names the partition; then the
// record goes to the DLQ with its reason and source position, every other record of the flush is
// counted exactly once, a control record sent after it is counted within 5 s, and /readyz names only
// that DLQ record.
describe('aggregator: a record ClickHouse refuses', () => {
  const METER = 'mtr_tokens';
  const POISON = 'ev-poison';
  const RETRY_MS = 3000;
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let producer: Producer;
  let refusals = 0;

  beforeAll(async () => {
    app = await startTestPipeline(
      'poison',
      { AGGREGATOR_FLUSH_INTERVAL_MS: '150', AGGREGATOR_DATA_ERROR_RETRY_MS: String(RETRY_MS), AGGREGATOR_DEGRADED_AFTER_MS: '300', BILLING_TICK_MS: '3600000', HEALTH_DLQ_WINDOW_MS: '30000' },
      {
        wrapWarehouse: (warehouse: Warehouse): Warehouse => ({
          kind: warehouse.kind,
          query: (sql, params) => warehouse.query(sql, params),
          command: (sql, params) => warehouse.command(sql, params),
          close: () => warehouse.close(),
          insert: async (table, rows, options) => {
            const poisoned = table === 'meter_records' && (rows as { event_id?: string }[]).some((r) => r.event_id === POISON);
            if (poisoned) refusals += 1;
            const sent = poisoned ? (rows as { event_id?: string }[]).map((r) => (r.event_id === POISON ? { ...r, value: 'not a decimal' } : r)) : rows;
            await warehouse.insert(table, sent, options);
          },
        }),
      },
    );
    const kafka = new Kafka({ clientId: 'test-poison', brokers: app.config.kafka.brokers, logLevel: logLevel.NOTHING });
    producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }, 120000);

  afterAll(async () => {
    await producer?.disconnect();
    await app?.stop();
  });

  it('dead-letters only that record, counts the others once, and moves on', async () => {
    const topic = `${app.config.kafka.topicPrefix}meter.${METER}`;
    const codec = new AvroCodec(app.config.registryUrl);
    await codec.register(topic, 'meter-record');
    const encode = await codec.encoderFor(topic);
    const t0 = Date.UTC(2026, 10, 2, 10, 0);
    const record = (n: number, eventId: string, value: string): MeterRecord => ({
      meter_id: METER,
      event_id: eventId,
      customer_id: `cus_${n % 3}`,
      timestamp: t0 + (n % 4) * 60_000 + n,
      value,
      unique_key: null,
    });
    // 41 records in one send to partition 0: 40 good ones and the poison at index 17, one flush.
    let expected = 0n; // scaled by 10^12
    const records: MeterRecord[] = [];
    for (let n = 0; n < 41; n++) {
      if (n === 17) {
        records.push(record(n, POISON, '5'));
        continue;
      }
      const value = `${3 + n * 11}.${String((n * 37) % 1000).padStart(3, '0')}`;
      expected += parseScaled(value);
      records.push(record(n, `ev-${n}`, value));
    }
    const [sent] = await producer.send({ topic, acks: -1, messages: records.map((r) => ({ partition: 0, key: r.customer_id, value: encode(r) })) });
    const poisonOffset = (BigInt(sent.baseOffset!) + 17n).toString();

    // Degraded, naming the partition, while the flush is retried whole.
    const degraded = await eventually(
      async () => {
        const res = await getJson(`${app.url}/readyz`);
        return res.status === 503 ? res.body : undefined;
      },
      RETRY_MS,
      '/readyz to say degraded',
      100,
    );
    expect(degraded.status).toBe('degraded');
    expect(degraded.reasons).toEqual([expect.objectContaining({ check: 'aggregator', topic, partition: 0, reason: expect.stringContaining(`${topic} partition 0`) })]);
    expect(degraded.reasons[0].reason).toMatch(/CANNOT_PARSE|Cannot parse/);

    // The DLQ record: the original bytes, the reason and the source position.
    const [dead] = await readTopic<Buffer>(app.config.kafka.brokers, app.config.registryUrl, app.config.kafka.topicPrefix + 'events.dlq', 1, { decode: false, timeoutMs: 30000 });
    const header = (name: string) => dead.headers?.[name]?.toString();
    expect(header(DLQ_HEADERS.code)).toBe('UNSTORABLE_RECORD');
    expect(header(DLQ_HEADERS.reason)).toMatch(/^ClickHouse refused it: .*(CANNOT_PARSE|Cannot parse)/s);
    expect([header(DLQ_HEADERS.topic), header(DLQ_HEADERS.partition), header(DLQ_HEADERS.offset)]).toEqual([topic, '0', poisonOffset]);
    expect(Buffer.compare(dead.value, encode(records[17]))).toBe(0);

    // A control record after it on the same meter and partition counts: the poison blocks nothing.
    const control = record(99, 'ev-control', '1000.000000000001');
    expected += parseScaled(control.value!);
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: control.customer_id, value: encode(control) }] });
    const totals = async () => {
      const [row] = await app.warehouse.query<{ total: string; records: string }>(
        'SELECT toString(sum(value)) AS total, toString(sum(record_count)) AS records FROM meter_usage WHERE meter_id = {meter:String}',
        { meter: METER },
      );
      return row;
    };
    await eventually(async () => ((await totals())?.records === '41' ? true : undefined), 30000, 'the control record counted', 50);

    // Every good record exactly once, the poison nowhere; readiness back to ok.
    await app.aggregator.flush();
    await new Promise((r) => setTimeout(r, 1000));
    const row = await totals();
    expect(row.records).toBe('41');
    expect(formatScaled(parseScaled(row.total))).toBe(formatScaled(expected));
    const stored = await app.warehouse.query<{ event_id: string }>('SELECT event_id FROM meter_records FINAL WHERE meter_id = {meter:String} ORDER BY event_id', { meter: METER });
    expect(stored.map((r) => r.event_id)).toEqual([...records.filter((r) => r.event_id !== POISON), control].map((r) => r.event_id).sort());
    expect(refusals).toBeGreaterThan(1);
    // Nothing stuck any more; the one DLQ record is reported until HEALTH_DLQ_WINDOW_MS (30 s here) has
    // passed, then readiness is ok again.
    expect(await getJson(`${app.url}/readyz`)).toEqual({
      status: 503,
      body: { status: 'degraded', reasons: [{ check: 'dlq', reason: 'aggregator wrote 1 record(s) with code UNSTORABLE_RECORD to the DLQ in the last 30 s' }] },
    });
    const ok = await eventually(async () => {
      const res = await getJson(`${app.url}/readyz`);
      return res.status === 200 ? res : undefined;
    }, 60000, '/readyz to be ok again once the DLQ record is older than the window');
    expect(ok.body).toEqual({ status: 'ok', reasons: [] });
    const dlq = await readTopic(app.config.kafka.brokers, app.config.registryUrl, app.config.kafka.topicPrefix + 'events.dlq', 2, { decode: false, timeoutMs: 2000 }).catch((err: Error) => err.message);
    expect(dlq).toMatch(/read 1 of 2 records/);
  }, 180000);
});
