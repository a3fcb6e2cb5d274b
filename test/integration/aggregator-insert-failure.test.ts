import fs from 'node:fs';
import { Partitioners, type Producer } from 'kafkajs';
import { Aggregator } from '@meterstream/aggregator';
import { connectPlatform, createLogger, openWarehouse, type Platform, type Warehouse } from '@meterstream/common';
import { type MeterRecord } from '@meterstream/domain';
import { formatScaled, parseScaled } from '../support/exact-decimal';
import { eventually, testConfig } from '../support/pipeline';

// Invariant 2 when ClickHouse refuses a flush: the aggregator's inserts into meter_usage fail twice
// before reaching ClickHouse, and once after the rows landed (an acknowledgement lost on the way back).
// Records keep arriving meanwhile. The total must still be every record exactly once: the refused rows
// are inserted again (not dropped with their buffer), and the landed-but-failed insert, retried under
// the same deduplication token, does not count twice.
describe('aggregator: failed inserts into ClickHouse', () => {
  const config = testConfig('insert-failure', { AGGREGATOR_FLUSH_INTERVAL_MS: '150' });
  const logger = createLogger('warn', 'test-insert-failure');
  const METER = 'mtr_tokens';
  let platform: Platform;
  let warehouse: Warehouse;
  let aggregator: Aggregator | undefined;
  let producer: Producer;

  /** Insert outcomes into meter_usage, in order; 'refuse' throws before ClickHouse, 'land-then-fail' after. */
  const script: ('refuse' | 'land-then-fail')[] = ['refuse', 'refuse', 'land-then-fail'];
  let usageInserts = 0;
  const injected: string[] = [];

  beforeAll(async () => {
    platform = await connectPlatform(config, logger, 'test-insert-failure');
    warehouse = await openWarehouse(config);
    // The real warehouse, with faults injected into the 2nd, 3rd and 4th insert into meter_usage.
    const faulty: Warehouse = {
      kind: warehouse.kind,
      query: (sql, params) => warehouse.query(sql, params),
      command: (sql, params) => warehouse.command(sql, params),
      close: () => warehouse.close(),
      insert: async (table, rows, options) => {
        const fault = table === 'meter_usage' && rows.length > 0 ? script[usageInserts++ - 1] : undefined;
        if (fault === 'refuse') {
          injected.push(fault);
          throw new Error('injected: insert refused');
        }
        await warehouse.insert(table, rows, options);
        if (fault === 'land-then-fail') {
          injected.push(fault);
          throw new Error('injected: insert landed, answer lost');
        }
      },
    };
    aggregator = new Aggregator({
      config,
      kafka: platform.kafka,
      codec: platform.codec,
      topics: platform.topics,
      warehouse: faulty,
      catalog: platform.catalog.store,
      logger,
    });
    await aggregator.start();
    producer = platform.kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }, 120000);

  afterAll(async () => {
    await producer?.disconnect();
    await aggregator?.stop();
    await platform?.stop();
    await warehouse?.close();
    fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
  });

  it('applies every record once through refused and landed-but-failed inserts', async () => {
    const topic = platform.topics.meter(METER);
    const encode = await platform.codec.encoderFor(topic);
    const t0 = Date.UTC(2026, 10, 2, 10, 0);
    let expected = 0n; // scaled by 10^12
    let records = 0;
    // 12 rounds of 50 records, 300 ms apart: several flushes, some of them refused.
    for (let round = 0; round < 12; round++) {
      const messages = Array.from({ length: 50 }, (_, i) => {
        const n = round * 50 + i;
        const value = `${1 + n * 7}.${String(n % 1000).padStart(3, '0')}`;
        expected += parseScaled(value);
        records += 1;
        const record: MeterRecord = {
          meter_id: METER,
          event_id: `ev-${n}`,
          customer_id: `cus_${n % 3}`,
          timestamp: t0 + (n % 5) * 60_000,
          value,
          unique_key: null,
        };
        return { key: record.customer_id, value: encode(record) };
      });
      await producer.send({ topic, acks: -1, messages });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }

    const totals = () =>
      warehouse.query<{ total: string; records: string }>(
        'SELECT toString(sum(value)) AS total, toString(sum(record_count)) AS records FROM meter_usage WHERE meter_id = {meter:String}',
        { meter: METER },
      );
    await eventually(async () => ((await totals())[0]?.records === String(records) ? true : undefined), 60000, `${records} records in meter_usage`);
    expect(injected).toEqual(['refuse', 'refuse', 'land-then-fail']);
    // Let further flushes run: a double count would show now.
    await aggregator!.flush();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [row] = await totals();
    expect(row.records).toBe(String(records));
    expect(formatScaled(parseScaled(row.total))).toBe(formatScaled(expected));
  }, 120000);
});
