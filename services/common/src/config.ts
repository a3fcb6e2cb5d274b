import path from 'node:path';
import { API_KEY_MIN_SECRET_LENGTH, API_KEY_SECRET_PATTERN, API_KEY_TOKEN_PREFIX } from '@meterstream/domain';

/** Every setting Meterstream reads, validated once at start. See README "Configuration". */
export interface MeterstreamConfig {
  kafka: {
    brokers: string[];
    clientId: string;
    topicPrefix: string;
    partitions: number;
    replicationFactor: number;
  };
  registryUrl: string;
  clickhouse: {
    /** Set: the server adapter (@clickhouse/client). Unset: the embedded engine (chdb). */
    url: string | undefined;
    username: string;
    password: string;
    database: string;
    /** Data directory of the embedded engine. */
    dataDir: string;
  };
  gateway: {
    host: string;
    port: number;
    /** GATEWAY_BODY_LIMIT_BYTES: larger request bodies get 413 BODY_TOO_LARGE. */
    bodyLimitBytes: number;
    /** INGEST_MAX_EVENT_AGE_SECONDS: older event timestamps are refused. */
    maxEventAgeSeconds: number;
    /** INGEST_MAX_FUTURE_SKEW_SECONDS: timestamps further ahead of the gateway's clock are refused. */
    maxFutureSkewSeconds: number;
  };
  /** Optional seed: catalog objects written at start when the catalog lacks them. */
  catalogFile: string | undefined;
  aggregator: {
    windowSeconds: number;
    flushIntervalMs: number;
    flushMaxRecords: number;
    /**
     * AGGREGATOR_DATA_ERROR_RETRY_MS: how long a flush ClickHouse refuses with a data error is retried
     * as it is before its records are tried apart and the refused ones dead-lettered.
     */
    dataErrorRetryMs: number;
    /** AGGREGATOR_DEGRADED_AFTER_MS: a partition whose flush has failed this long makes /readyz degraded. */
    degradedAfterMs: number;
  };
  billing: {
    graceSeconds: number;
    tickMs: number;
    /** BILLING_CATCH_UP_TIMEOUT_MS: how long one close waits for the meters of due periods to catch up. */
    catchUpTimeoutMs: number;
  };
  router: {
    /** Event-time window in which the router drops repeated event ids; older events are backfill. */
    dedupWindowMinutes: number;
    /** fetch.min.bytes of the router's consumer: a fetch waits (at most fetchMaxWaitMs) until this much
     *  is there, so that each routing transaction carries more events (docs/benchmarks.md, "Ingest"). */
    fetchMinBytes: number;
    /** fetch.max.wait.ms of the router's consumer: what fetchMinBytes may add to an event's way at low
     *  rates, and how often an idle router asks. */
    fetchMaxWaitMs: number;
  };
  /**
   * BACKFILL_MAX_AGE_DAYS: how old an event may be and still count (POST /events/backfill, direct
   * producers) or be corrected (void, amend). docs/corrections.md.
   */
  backfill: { maxAgeDays: number };
  /** Health and metrics (README "Health and metrics"). */
  health: {
    /**
     * HEALTH_PORT: where the meter-router, aggregator and billing processes serve GET /healthz, /readyz
     * and /metrics (node:http); unset: no listener (the gateway serves them on its own port).
     */
    port: number | undefined;
    /** HEALTH_HOST: the address that listener binds. */
    host: string;
    /** HEALTH_LAG_THRESHOLD: a consumer group partition further behind than this many records is degraded. */
    lagThreshold: number;
    /** HEALTH_STALL_MS: a partition with lag whose committed offset has not moved for this long is degraded. */
    stallMs: number;
    /** HEALTH_DLQ_WINDOW_MS: DLQ records written within this long make /readyz degraded. */
    dlqWindowMs: number;
    /** HEALTH_PROBE_TIMEOUT_MS: how long a reachability probe (Kafka, registry, ClickHouse) may take. */
    probeTimeoutMs: number;
    /** HEALTH_CACHE_MS: how long a probe's or the lag check's answer is reused. */
    cacheMs: number;
  };
  /** API keys of the gateway (README "API keys"). */
  auth: {
    /** ADMIN_API_KEY: accepted as an admin key without being stored; unset: only stored keys work. */
    bootstrapAdminKey: string | undefined;
    /** RATE_LIMIT_PER_MINUTE: requests each API key may make per minute. */
    rateLimitPerMinute: number;
  };
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const REPO_ROOT = path.resolve(__dirname, '../../..');

function str(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `expected ${min}..${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, fallback: string | undefined): string | undefined {
  const raw = str(env, name, fallback ?? '');
  if (raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(name, `expected an http:// or https:// URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** ADMIN_API_KEY, checked without ever repeating its value in a message. */
function bootstrapAdminKey(env: Env): string | undefined {
  const raw = env.ADMIN_API_KEY;
  if (raw === undefined || raw === '') return undefined;
  if (!raw.startsWith(API_KEY_TOKEN_PREFIX)) throw new ConfigError('ADMIN_API_KEY', `must start with "${API_KEY_TOKEN_PREFIX}"`);
  const secret = raw.slice(API_KEY_TOKEN_PREFIX.length);
  if (secret.length < API_KEY_MIN_SECRET_LENGTH) {
    throw new ConfigError('ADMIN_API_KEY', `needs at least ${API_KEY_MIN_SECRET_LENGTH} random characters after "${API_KEY_TOKEN_PREFIX}", got ${secret.length}`);
  }
  if (!API_KEY_SECRET_PATTERN.test(secret)) {
    throw new ConfigError('ADMIN_API_KEY', 'may only use letters, digits and - . _ ~ + / = after the prefix');
  }
  return raw;
}

/** Reads and validates the configuration; throws ConfigError naming the offending variable. */
export function loadConfig(env: Env = process.env): MeterstreamConfig {
  const brokers = str(env, 'KAFKA_BROKERS', '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new ConfigError('KAFKA_BROKERS', 'names no broker; expected host:port[,host:port…]');
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d+$/.test(broker)) throw new ConfigError('KAFKA_BROKERS', `expected host:port, got "${broker}"`);
  }
  const topicPrefix = str(env, 'TOPIC_PREFIX', '');
  if (!/^[A-Za-z0-9._-]*$/.test(topicPrefix)) {
    throw new ConfigError('TOPIC_PREFIX', 'only letters, digits, ".", "_" and "-" are allowed');
  }
  if (env.AUTH_DISABLED !== undefined && env.AUTH_DISABLED !== '') {
    throw new ConfigError('AUTH_DISABLED', 'is not supported: every route requires an API key (set ADMIN_API_KEY or create keys with scripts/api-keys.js)');
  }
  const dedupWindowMinutes = int(env, 'ROUTER_DEDUP_WINDOW_MINUTES', 120, 1, 60 * 24 * 31);
  const maxEventAgeSeconds = int(env, 'INGEST_MAX_EVENT_AGE_SECONDS', 3600, 1, 366 * 86400);
  if (maxEventAgeSeconds > dedupWindowMinutes * 60) {
    // The router drops repeated ids only within its window and sends older events to the DLQ.
    throw new ConfigError('INGEST_MAX_EVENT_AGE_SECONDS', `${maxEventAgeSeconds} s is longer than ROUTER_DEDUP_WINDOW_MINUTES (${dedupWindowMinutes} min): the gateway would accept events the router refuses`);
  }
  return {
    kafka: {
      brokers,
      clientId: str(env, 'KAFKA_CLIENT_ID', 'meterstream'),
      topicPrefix,
      partitions: int(env, 'KAFKA_PARTITIONS', 3, 1, 1024),
      replicationFactor: int(env, 'KAFKA_REPLICATION_FACTOR', 1, 1, 16),
    },
    registryUrl: url(env, 'SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7')!,
    clickhouse: {
      url: url(env, 'CLICKHOUSE_URL', undefined),
      username: str(env, 'CLICKHOUSE_USER', 'default'),
      password: str(env, 'CLICKHOUSE_PASSWORD', ''),
      database: str(env, 'CLICKHOUSE_DATABASE', 'default'),
      dataDir: path.resolve(str(env, 'CLICKHOUSE_DATA_DIR', path.join(REPO_ROOT, '.data', 'clickhouse'))),
    },
    gateway: {
      host: str(env, 'GATEWAY_HOST', '127.0.0.1'),
      port: int(env, 'GATEWAY_PORT', 8080, 0, 65535),
      bodyLimitBytes: int(env, 'GATEWAY_BODY_LIMIT_BYTES', 2 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxEventAgeSeconds,
      maxFutureSkewSeconds: int(env, 'INGEST_MAX_FUTURE_SKEW_SECONDS', 300, 0, 86400),
    },
    catalogFile: env.CATALOG_FILE ? path.resolve(env.CATALOG_FILE) : undefined,
    aggregator: {
      windowSeconds: int(env, 'AGGREGATOR_WINDOW_SECONDS', 60, 1, 86400),
      flushIntervalMs: int(env, 'AGGREGATOR_FLUSH_INTERVAL_MS', 500, 10, 600000),
      flushMaxRecords: int(env, 'AGGREGATOR_FLUSH_MAX_RECORDS', 50000, 1, 10000000),
      dataErrorRetryMs: int(env, 'AGGREGATOR_DATA_ERROR_RETRY_MS', 10000, 0, 86400000),
      degradedAfterMs: int(env, 'AGGREGATOR_DEGRADED_AFTER_MS', 5000, 0, 86400000),
    },
    billing: {
      graceSeconds: int(env, 'BILLING_GRACE_SECONDS', 3600, 0, 31 * 86400),
      tickMs: int(env, 'BILLING_TICK_MS', 10000, 100, 3600000),
      catchUpTimeoutMs: int(env, 'BILLING_CATCH_UP_TIMEOUT_MS', 60000, 0, 3600000),
    },
    router: {
      dedupWindowMinutes,
      fetchMinBytes: int(env, 'ROUTER_FETCH_MIN_BYTES', 262144, 1, 64 * 1024 * 1024),
      fetchMaxWaitMs: int(env, 'ROUTER_FETCH_MAX_WAIT_MS', 500, 0, 5000),
    },
    backfill: { maxAgeDays: int(env, 'BACKFILL_MAX_AGE_DAYS', 35, 1, 3660) },
    health: {
      port: env.HEALTH_PORT === undefined || env.HEALTH_PORT === '' ? undefined : int(env, 'HEALTH_PORT', 0, 0, 65535),
      host: str(env, 'HEALTH_HOST', '127.0.0.1'),
      lagThreshold: int(env, 'HEALTH_LAG_THRESHOLD', 10000, 0, Number.MAX_SAFE_INTEGER),
      stallMs: int(env, 'HEALTH_STALL_MS', 60000, 1000, 86400000),
      dlqWindowMs: int(env, 'HEALTH_DLQ_WINDOW_MS', 300000, 1000, 86400000),
      probeTimeoutMs: int(env, 'HEALTH_PROBE_TIMEOUT_MS', 2000, 100, 60000),
      cacheMs: int(env, 'HEALTH_CACHE_MS', 5000, 0, 600000),
    },
    auth: {
      bootstrapAdminKey: bootstrapAdminKey(env),
      rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 6000, 1, 10_000_000),
    },
    logLevel: str(env, 'LOG_LEVEL', 'info'),
  };
}

/** The configuration with its secrets masked, for printing (`--check-config`). */
export function redactConfig(config: MeterstreamConfig): MeterstreamConfig {
  const mask = (value: string | undefined) => (value ? '<redacted>' : value);
  return {
    ...config,
    clickhouse: { ...config.clickhouse, password: mask(config.clickhouse.password) ?? '' },
    auth: { ...config.auth, bootstrapAdminKey: mask(config.auth.bootstrapAdminKey) },
  };
}
