import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ignoreKafkajsNegativeTimeoutWarning } from '../../services/common/src/kafka/kafkajs-timeout-warning';

/**
 * Finds Kafka and the schema registry for the integration suites, in this order:
 * 1. KAFKA_BROKERS and SCHEMA_REGISTRY_URL from the environment;
 * 2. containers through testcontainers, when a Docker engine answers;
 * 3. the native local stack (infra/stack.sh: Kafka and Apicurio from Maven Central, on loopback).
 * ClickHouse is embedded (chdb) per test file unless CLICKHOUSE_URL names a server.
 * The choice is written to the environment, which the test workers inherit.
 */
export default async function globalSetup(): Promise<void> {
  // Jest's own process (the suites run in it with --runInBand): a test file's `process` is a copy, so
  // the filter that @meterstream/common installs when a test loads it does not reach Node's timers.
  ignoreKafkajsNegativeTimeoutWarning();
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
    console.log(`\n[test stack] using KAFKA_BROKERS=${process.env.KAFKA_BROKERS} SCHEMA_REGISTRY_URL=${process.env.SCHEMA_REGISTRY_URL}`);
    return;
  }
  if (dockerAnswers()) {
    const { startContainers } = await import('./containers');
    const stack = await startContainers();
    process.env.KAFKA_BROKERS = stack.brokers;
    process.env.SCHEMA_REGISTRY_URL = stack.registryUrl;
    (globalThis as { __meterstreamStop?: () => Promise<void> }).__meterstreamStop = stack.stop;
    console.log(`\n[test stack] testcontainers: ${stack.brokers}, ${stack.registryUrl}`);
    return;
  }
  const root = path.resolve(__dirname, '../..');
  execFileSync('bash', [path.join(root, 'infra', 'stack.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.KAFKA_BROKERS = `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
  process.env.SCHEMA_REGISTRY_URL = `http://127.0.0.1:${process.env.REGISTRY_PORT || 8081}/apis/ccompat/v7`;
  console.log(`\n[test stack] native local stack: ${process.env.KAFKA_BROKERS}, ${process.env.SCHEMA_REGISTRY_URL}`);
}

function dockerAnswers(): boolean {
  if (process.env.METERSTREAM_NO_DOCKER === '1') return false;
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
  return result.status === 0;
}
