import type { Admin, Kafka } from 'kafkajs';
import { AvroCodec } from '../avro/avro-codec';
import { loadConfig, type MeterstreamConfig } from '../config';
import type { Meter } from '../domain/meter';
import { createKafka, ensureTopics } from '../kafka/kafka-client';
import { Topics } from '../kafka/topics';
import { createLogger, type Logger } from '../logger';

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

/**
 * The composition root shared by every service's main.ts: reads the configuration (`--check-config`
 * prints it and exits), builds the service with `start`, and stops it on SIGTERM or SIGINT.
 */
export function runService(name: string, start: (config: MeterstreamConfig, logger: Logger) => Promise<() => Promise<void>>): void {
  let config: MeterstreamConfig;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(`${name}: invalid configuration: ${(err as Error).message}`);
    process.exit(2);
  }
  if (process.argv.includes('--check-config')) {
    console.log(JSON.stringify(config, null, 2));
    return;
  }
  const logger = createLogger(config.logLevel, name);
  start(config, logger)
    .then((stop) => stopOnSignals(logger, stop))
    .catch((err) => {
      logger.error({ err }, 'failed to start');
      process.exit(1);
    });
}
