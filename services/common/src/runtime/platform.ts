import type { Admin, Kafka } from 'kafkajs';
import { AvroCodec } from '../avro/avro-codec';
import { CatalogLog } from '../catalog/catalog-log';
import { loadCatalogFile, seedCatalog } from '../catalog/file-catalog';
import { loadConfig, redactConfig, type MeterstreamConfig } from '../config';
import { CATALOG_KINDS } from '@meterstream/domain';
import type { Meter } from '@meterstream/domain';
import { createKafka, ensureTopics } from '../kafka/kafka-client';
import { Topics } from '../kafka/topics';
import { createLogger, type Logger } from '../logger';
import { Metrics } from './metrics';

export interface Platform {
  kafka: Kafka;
  admin: Admin;
  codec: AvroCodec;
  topics: Topics;
  /** The live catalog, materialized before connectPlatform returns. */
  catalog: CatalogLog;
  /** Creates a meter's topic and registers its schema (idempotent); done before the meter is written. */
  provisionMeter(meter: Meter): Promise<void>;
  /** This process's (or worker thread's) metrics registry, shared by the services it runs. */
  metrics: Metrics;
  stop(): Promise<void>;
}

/**
 * Connects to Kafka and the schema registry, creates the pipeline's topics (events, DLQ, invoices, the
 * compacted catalog topics) and registers their Avro schemas, materializes the catalog and, when
 * CATALOG_FILE is set, seeds it with the file's objects that it lacks. Idempotent: every service runs
 * it at start.
 */
export async function connectPlatform(config: MeterstreamConfig, logger: Logger, name: string): Promise<Platform> {
  const kafka = createKafka(config, logger, name);
  const admin = kafka.admin();
  await admin.connect();
  const topics = new Topics(config);
  const codec = new AvroCodec(config.registryUrl);
  const catalog = new CatalogLog(kafka, codec, topics, logger.child({ component: 'catalog' }));
  const provisionMeter = async (meter: Meter) => {
    await ensureTopics(admin, [topics.spec(topics.meter(meter.id))]);
    await codec.register(topics.meter(meter.id), 'meter-record');
  };
  let catalogStarted = false;
  const stop = async () => {
    if (catalogStarted) await catalog.stop();
    await admin.disconnect();
  };
  try {
    await ensureTopics(admin, [
      topics.spec(topics.events),
      topics.spec(topics.eventsDlq),
      topics.spec(topics.invoices),
      ...CATALOG_KINDS.map((kind) => topics.compactedSpec(topics.catalog(kind))),
    ]);
    // Side by side (a restarted process answers sooner): the schemas and the catalog's first read.
    const results = await Promise.allSettled([catalog.start(), codec.register(topics.events, 'usage-event'), codec.register(topics.invoices, 'invoice')]);
    catalogStarted = results[0].status === 'fulfilled';
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (config.catalogFile) {
      const written = await seedCatalog(catalog, loadCatalogFile(config.catalogFile, catalog.store), provisionMeter);
      if (written > 0) logger.info({ file: config.catalogFile, written }, 'catalog seeded');
    }
    const meters = catalog.store.list('meters');
    await ensureTopics(admin, meters.map((meter) => topics.spec(topics.meter(meter.id))));
    await Promise.all(meters.map((meter) => codec.register(topics.meter(meter.id), 'meter-record')));
  } catch (err) {
    await stop();
    throw err;
  }
  const metrics = new Metrics({ dlqWindowMs: config.health.dlqWindowMs });
  return { kafka, admin, codec, topics, catalog, provisionMeter, metrics, stop };
}

/**
 * The longest a service takes to stop on SIGTERM or SIGINT. Each service bounds its own steps below
 * it (the aggregator's final flush and consumer stop); past it the process exits anyway: whatever was
 * not durable is read again from Kafka at the next start.
 */
export const STOP_DEADLINE_MS = 9000;

/** Runs `stop` once on SIGTERM or SIGINT, then exits; exits with 1 if it takes over STOP_DEADLINE_MS. */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'stop took too long; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
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
 * prints it, secrets masked, and exits), builds the service with `start`, and stops it on SIGTERM or SIGINT.
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
    console.log(JSON.stringify(redactConfig(config), null, 2));
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
