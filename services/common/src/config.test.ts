import path from 'node:path';
import { ConfigError, loadConfig, redactConfig } from './config';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const ADMIN_KEY = `msk_${'a1B2-c3_D4'.repeat(4)}`;

/** The ConfigError loadConfig throws for env. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('defaults', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'meterstream', topicPrefix: '', partitions: 3, replicationFactor: 1 },
      registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      clickhouse: {
        url: undefined,
        username: 'default',
        password: '',
        database: 'default',
        dataDir: path.join(REPO_ROOT, '.data', 'clickhouse'),
      },
      gateway: { host: '127.0.0.1', port: 8080, bodyLimitBytes: 2097152, maxEventAgeSeconds: 3600, maxFutureSkewSeconds: 300 },
      catalogFile: undefined,
      billing: { graceSeconds: 3600, tickMs: 10000, catchUpTimeoutMs: 60000 },
      router: { dedupWindowMinutes: 120, fetchMinBytes: 262144, fetchMaxWaitMs: 500 },
      backfill: { maxAgeDays: 35 },
      aggregator: { windowSeconds: 60, flushIntervalMs: 500, flushMaxRecords: 50000, dataErrorRetryMs: 10000, degradedAfterMs: 5000 },
      health: { port: undefined, host: '127.0.0.1', lagThreshold: 10000, stallMs: 60000, dlqWindowMs: 300000, probeTimeoutMs: 2000, cacheMs: 5000 },
      auth: { bootstrapAdminKey: undefined, rateLimitPerMinute: 6000 },
      logLevel: 'info',
    });
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ KAFKA_BROKERS: '', GATEWAY_PORT: '', SCHEMA_REGISTRY_URL: '', CLICKHOUSE_URL: '' });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.gateway.port).toBe(8080);
    expect(config.registryUrl).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(config.clickhouse.url).toBeUndefined();
  });

  it('leaves CLICKHOUSE_URL undefined when unset (embedded engine)', () => {
    expect(loadConfig({ GATEWAY_PORT: '9000' }).clickhouse.url).toBeUndefined();
  });
});

describe('valid settings', () => {
  it('reads every variable', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      KAFKA_CLIENT_ID: 'ms-test',
      TOPIC_PREFIX: 'dev.team_a-1',
      KAFKA_PARTITIONS: '12',
      KAFKA_REPLICATION_FACTOR: '3',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7/',
      CLICKHOUSE_URL: 'https://ch.example.com:8443//',
      CLICKHOUSE_USER: 'ms',
      CLICKHOUSE_PASSWORD: 'secret',
      CLICKHOUSE_DATABASE: 'metering',
      CLICKHOUSE_DATA_DIR: '/tmp/ms-ch',
      GATEWAY_HOST: '0.0.0.0',
      GATEWAY_PORT: '0',
      GATEWAY_BODY_LIMIT_BYTES: '65536',
      INGEST_MAX_EVENT_AGE_SECONDS: '1800',
      INGEST_MAX_FUTURE_SKEW_SECONDS: '0',
      CATALOG_FILE: '/tmp/catalog.json',
      AGGREGATOR_WINDOW_SECONDS: '3600',
      AGGREGATOR_FLUSH_INTERVAL_MS: '10',
      AGGREGATOR_FLUSH_MAX_RECORDS: '1',
      AGGREGATOR_DATA_ERROR_RETRY_MS: '0',
      AGGREGATOR_DEGRADED_AFTER_MS: '1500',
      ROUTER_DEDUP_WINDOW_MINUTES: '30',
      ROUTER_FETCH_MIN_BYTES: '65536',
      ROUTER_FETCH_MAX_WAIT_MS: '100',
      BACKFILL_MAX_AGE_DAYS: '10',
      BILLING_GRACE_SECONDS: '0',
      BILLING_TICK_MS: '250',
      BILLING_CATCH_UP_TIMEOUT_MS: '2000',
      ADMIN_API_KEY: ADMIN_KEY,
      RATE_LIMIT_PER_MINUTE: '50',
      HEALTH_PORT: '9464',
      HEALTH_HOST: '0.0.0.0',
      HEALTH_LAG_THRESHOLD: '0',
      HEALTH_STALL_MS: '1000',
      HEALTH_DLQ_WINDOW_MS: '60000',
      HEALTH_PROBE_TIMEOUT_MS: '500',
      HEALTH_CACHE_MS: '0',
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      kafka: { brokers: ['k1:9092', 'k2:9093'], clientId: 'ms-test', topicPrefix: 'dev.team_a-1', partitions: 12, replicationFactor: 3 },
      registryUrl: 'http://registry:8081/apis/ccompat/v7',
      clickhouse: { url: 'https://ch.example.com:8443', username: 'ms', password: 'secret', database: 'metering', dataDir: '/tmp/ms-ch' },
      gateway: { host: '0.0.0.0', port: 0, bodyLimitBytes: 65536, maxEventAgeSeconds: 1800, maxFutureSkewSeconds: 0 },
      catalogFile: '/tmp/catalog.json',
      aggregator: { windowSeconds: 3600, flushIntervalMs: 10, flushMaxRecords: 1, dataErrorRetryMs: 0, degradedAfterMs: 1500 },
      router: { dedupWindowMinutes: 30, fetchMinBytes: 65536, fetchMaxWaitMs: 100 },
      backfill: { maxAgeDays: 10 },
      billing: { graceSeconds: 0, tickMs: 250, catchUpTimeoutMs: 2000 },
      health: { port: 9464, host: '0.0.0.0', lagThreshold: 0, stallMs: 1000, dlqWindowMs: 60000, probeTimeoutMs: 500, cacheMs: 0 },
      auth: { bootstrapAdminKey: ADMIN_KEY, rateLimitPerMinute: 50 },
      logLevel: 'debug',
    });
  });

  it('accepts the port range bounds', () => {
    expect(loadConfig({ GATEWAY_PORT: '65535' }).gateway.port).toBe(65535);
    expect(loadConfig({ KAFKA_PARTITIONS: '1' }).kafka.partitions).toBe(1);
    expect(loadConfig({ KAFKA_PARTITIONS: '1024' }).kafka.partitions).toBe(1024);
  });
});

describe('invalid settings name the variable', () => {
  it.each([
    ['KAFKA_BROKERS', 'nohost'],
    ['KAFKA_BROKERS', '127.0.0.1:9092,broker'],
    ['KAFKA_BROKERS', 'host:port'],
    ['TOPIC_PREFIX', 'team/a'],
    ['TOPIC_PREFIX', 'has space'],
    ['KAFKA_PARTITIONS', 'x'],
    ['KAFKA_PARTITIONS', '0'],
    ['KAFKA_PARTITIONS', '1025'],
    ['KAFKA_PARTITIONS', '-1'],
    ['KAFKA_PARTITIONS', '2.5'],
    ['KAFKA_REPLICATION_FACTOR', '0'],
    ['SCHEMA_REGISTRY_URL', 'not a url'],
    ['CLICKHOUSE_URL', 'not a url'],
    ['GATEWAY_PORT', '70000'],
    ['GATEWAY_PORT', '65536'],
    ['GATEWAY_PORT', '80a'],
    ['AGGREGATOR_WINDOW_SECONDS', '0'],
    ['AGGREGATOR_FLUSH_INTERVAL_MS', '9'],
    ['RATE_LIMIT_PER_MINUTE', '0'],
    ['RATE_LIMIT_PER_MINUTE', 'many'],
    ['HEALTH_PORT', '65536'],
    ['HEALTH_PORT', 'x'],
    ['HEALTH_STALL_MS', '999'],
    ['HEALTH_PROBE_TIMEOUT_MS', '99'],
  ])('%s=%j', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.name).toBe('ConfigError');
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('quotes the offending value in the message', () => {
    expect(configError({ KAFKA_BROKERS: 'nohost' }).message).toContain('"nohost"');
    expect(configError({ KAFKA_PARTITIONS: 'x' }).message).toContain('"x"');
    expect(configError({ GATEWAY_PORT: '70000' }).message).toContain('70000');
  });
});

describe('ingest limits', () => {
  it('refuses a maximum event age longer than the router deduplication window', () => {
    const error = configError({ INGEST_MAX_EVENT_AGE_SECONDS: '7201' });
    expect(error.variable).toBe('INGEST_MAX_EVENT_AGE_SECONDS');
    expect(error.message).toContain('ROUTER_DEDUP_WINDOW_MINUTES');
    expect(loadConfig({ INGEST_MAX_EVENT_AGE_SECONDS: '7200' }).gateway.maxEventAgeSeconds).toBe(7200);
    expect(loadConfig({ INGEST_MAX_EVENT_AGE_SECONDS: '86400', ROUTER_DEDUP_WINDOW_MINUTES: '1440' }).gateway.maxEventAgeSeconds).toBe(86400);
  });

  it('refuses a body limit below 1 KiB', () => {
    expect(configError({ GATEWAY_BODY_LIMIT_BYTES: '1023' }).variable).toBe('GATEWAY_BODY_LIMIT_BYTES');
  });
});

describe('empty broker list', () => {
  it('refuses KAFKA_BROKERS that names no broker', () => {
    expect(configError({ KAFKA_BROKERS: ',' }).variable).toBe('KAFKA_BROKERS');
    expect(configError({ KAFKA_BROKERS: ' ' }).variable).toBe('KAFKA_BROKERS');
  });

  it('refuses a registry or ClickHouse URL without an http(s) scheme', () => {
    expect(configError({ SCHEMA_REGISTRY_URL: 'localhost:8081' }).variable).toBe('SCHEMA_REGISTRY_URL');
    expect(configError({ CLICKHOUSE_URL: 'localhost:8123' }).variable).toBe('CLICKHOUSE_URL');
  });
});

describe('API keys', () => {
  it.each([
    ['without the msk_ prefix', `sk_${'x'.repeat(40)}`],
    ['with 31 characters after the prefix', `msk_${'x'.repeat(31)}`],
    ['with a space in it', `msk_${'x'.repeat(20)} ${'x'.repeat(20)}`],
  ])('refuses ADMIN_API_KEY %s and never repeats its value', (_, value) => {
    const error = configError({ ADMIN_API_KEY: value });
    expect(error.variable).toBe('ADMIN_API_KEY');
    expect(error.message).not.toContain(value.slice(4, 20));
  });

  it('accepts ADMIN_API_KEY with 32 characters after the prefix', () => {
    const key = `msk_${'x'.repeat(32)}`;
    expect(loadConfig({ ADMIN_API_KEY: key }).auth.bootstrapAdminKey).toBe(key);
  });

  it.each(['true', 'false', '1'])('refuses AUTH_DISABLED=%s: authentication cannot be switched off', (value) => {
    expect(configError({ AUTH_DISABLED: value }).variable).toBe('AUTH_DISABLED');
  });

  it('masks the admin key and the ClickHouse password when printed', () => {
    const config = loadConfig({ ADMIN_API_KEY: ADMIN_KEY, CLICKHOUSE_PASSWORD: 'secret' });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain(ADMIN_KEY);
    expect(printed).not.toContain('secret');
    expect(redactConfig(config).auth.bootstrapAdminKey).toBe('<redacted>');
    expect(redactConfig(loadConfig({})).auth.bootstrapAdminKey).toBeUndefined();
  });
});
