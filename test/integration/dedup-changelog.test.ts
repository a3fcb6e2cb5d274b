import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createLogger } from '@meterstream/common';
import { eventKey } from '@meterstream/domain';
import { chunkRecord, DEDUP_KEY_HEADERS, restoreDedupWindow } from '@meterstream/meter-router';
import { testConfig } from '../support/pipeline';

// The deduplication changelog is read back in every format a router ever wrote to it: records of one
// event id (before events were identified per customer), records of one eventKey (header
// `dedup-key: customer-event`) and chunk records of a whole transaction (header `dedup-key: chunk`).
// An upgrade reads what the version before wrote; a key whose time left the window is not restored.
describe('deduplication changelog restore', () => {
  const config = testConfig('dedup-changelog');
  const topic = `${config.kafka.topicPrefix}meter-router.dedup`;
  const kafka = new Kafka({ clientId: 'dedup-changelog-test', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const logger = createLogger('warn', 'test-dedup-changelog');
  const windowMs = 3600000;

  it('restores legacy ids, per-event keys and chunk records, and leaves out expired keys', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const now = Date.now();
    const key = (customer: string, id: string) => eventKey({ customer_id: customer, event_id: id });
    const chunk = new Map([
      [key('cus_a', 'chunk-1'), now],
      [key('cus_b', 'chunk-2'), now - 1000],
      [key('cus_a', 'chunk-expired'), now - 2 * windowMs],
      [key('cus_"odd\n', 'chunk-3'), now], // JSON-escaped characters survive the round trip
    ]);
    const writer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await writer.connect();
    await writer.send({
      topic,
      acks: -1,
      messages: [
        { partition: 1, key: 'legacy-id', value: String(now) },
        { partition: 1, key: 'legacy-expired', value: String(now - 2 * windowMs) },
        { partition: 1, key: key('cus_a', 'per-event'), value: String(now), headers: DEDUP_KEY_HEADERS },
        { partition: 1, key: key('cus_a', 'per-event-expired'), value: String(now - 2 * windowMs), headers: DEDUP_KEY_HEADERS },
        chunkRecord(1, '41', chunk),
        chunkRecord(0, '7', new Map([[key('cus_a', 'other-partition'), now]])),
      ],
    });
    await writer.disconnect();

    const producer = kafka.producer({ transactionalId: `${config.kafka.topicPrefix}restore-test`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const window = await restoreDedupWindow(kafka, producer, topic, 1, windowMs, logger);
      const has = (customer: string, id: string) => window.has({ customer_id: customer, event_id: id });
      expect({
        legacyAnyCustomer: has('cus_z', 'legacy-id'),
        perEvent: has('cus_a', 'per-event'),
        perEventOtherCustomer: has('cus_b', 'per-event'),
        chunk1: has('cus_a', 'chunk-1'),
        chunk2: has('cus_b', 'chunk-2'),
        chunk3: has('cus_"odd\n', 'chunk-3'),
        chunkOtherCustomer: has('cus_b', 'chunk-1'),
        expired: [has('cus_a', 'legacy-expired'), has('cus_a', 'per-event-expired'), has('cus_a', 'chunk-expired')],
        otherPartition: has('cus_a', 'other-partition'),
        size: window.size,
      }).toEqual({
        legacyAnyCustomer: true,
        perEvent: true,
        perEventOtherCustomer: false,
        chunk1: true,
        chunk2: true,
        chunk3: true,
        chunkOtherCustomer: false,
        expired: [false, false, false],
        otherPartition: false,
        size: 5,
      });
    } finally {
      await producer.disconnect();
    }
  });
});
