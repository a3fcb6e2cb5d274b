import type { Admin, Kafka } from 'kafkajs';
import { AvroCodec } from '../avro/avro-codec';
import type { MeterstreamConfig } from '../config';
import type { Meter } from '../domain/meter';
import { createKafka, ensureTopics } from '../kafka/kafka-client';
import { Topics } from '../kafka/topics';
import type { Logger } from '../logger';

export interface Platform {
  kafka: Kafka;
  admin: Admin;
  codec: AvroCodec;
  topics: Topics;
}

/**
 * Connects to Kafka and the schema registry, creates the topics the pipeline needs (events, DLQ,
 * invoices, one per meter) and registers their Avro schemas. Idempotent: every service may run it at
 * start.
 */
export async function connectPlatform(config: MeterstreamConfig, logger: Logger, name: string, meters: readonly Meter[]): Promise<Platform> {
  const kafka = createKafka(config, logger, name);
  const admin = kafka.admin();
  await admin.connect();
  const topics = new Topics(config);
  const codec = new AvroCodec(config.registryUrl);
  try {
    await ensureTopics(admin, [
      topics.spec(topics.events),
      topics.spec(topics.eventsDlq),
      topics.spec(topics.invoices),
      ...meters.map((m) => topics.spec(topics.meter(m.id))),
    ]);
    await codec.register(topics.events, 'usage-event');
    await codec.register(topics.invoices, 'invoice');
    for (const meter of meters) await codec.register(topics.meter(meter.id), 'meter-record');
  } catch (err) {
    await admin.disconnect();
    throw err;
  }
  return { kafka, admin, codec, topics };
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits. */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
