import { Kafka, logLevel, type LogEntry, type Admin, type ITopicConfig } from 'kafkajs';
import type { Logger } from 'pino';
import type { MeterstreamConfig } from '../config';
import { kafkajsLogLevel } from './kafkajs-log-level';
import { stopKafkajsIdleTimers } from './kafkajs-idle-timer';
import { ignoreKafkajsNegativeTimeoutWarning } from './kafkajs-timeout-warning';

export type { Kafka, Admin };

// Every process and worker thread that uses kafkajs loads this module (through @meterstream/common)
// before it connects a client, so each installs the filter for its own `process` here, and the fix
// that stops kafkajs's idle 1 ms timers (kafkajs-idle-timer.ts) for its own copy of kafkajs.
ignoreKafkajsNegativeTimeoutWarning();
stopKafkajsIdleTimers();

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** One kafkajs client per service, logging through pino (expected, retried conditions at debug: kafkajs-log-level.ts). */
export function createKafka(config: MeterstreamConfig, logger: Logger, clientSuffix: string): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: `${config.kafka.clientId}-${clientSuffix}`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        kafkaLogger[kafkajsLogLevel(LEVELS[level] ?? 'info', message, extra)](extra, message);
      },
  });
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (err) {
    // Another service may have created the same topic a moment earlier.
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
  }
}
