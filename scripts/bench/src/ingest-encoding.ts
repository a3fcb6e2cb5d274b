// bench-ingest's event size: the gateway's own validation and encoding of the workload's events; and
// what a few steps of the path cost in CPU per event, measured in this process (single-threaded, after
// a warm-up pass), to read the throughput figures against.
import { AvroCodec, type MeterstreamConfig } from '@meterstream/common';
import { DEFAULT_INGEST_LIMITS, validateIngestBody } from '@meterstream/gateway';
import { IngestWorkload } from './ingest-workload';
import type { PoolMessage } from './producer-bench';

/** CPU microseconds per item of `fn()` handling `items` items: the best of `rounds` after one warm-up. */
async function cpuPerItem(items: number, fn: () => unknown, rounds = 3): Promise<number> {
  await fn();
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / items);
  }
  return best;
}

export interface EncodingFigures {
  /** The encoded events (customer id keys, Avro values), for the raw producer runs. */
  pool: PoolMessage[];
  avgValue: number;
  avgKey: number;
  avgJson: number;
  /** CPU µs per event. */
  costs: { validate: number; encode: number; decodeAs: number; decode: number };
}

export async function measureEncoding(config: MeterstreamConfig, prefix: string, sample: number): Promise<EncodingFigures> {
  const codec = new AvroCodec(config.registryUrl);
  const topic = `${prefix}events`;
  await codec.register(topic, 'usage-event');
  const workload = new IngestWorkload(`size-${prefix}`);
  const limits = { ...DEFAULT_INGEST_LIMITS, maxEventsPerRequest: sample };
  const body = workload.body(sample);
  const events = validateIngestBody(JSON.parse(body), Date.now(), limits);
  const pool: PoolMessage[] = [];
  let valueBytes = 0;
  let keyBytes = 0;
  for (const event of events) {
    const value = await codec.encode(topic, event);
    const key = Buffer.from(event.customer_id, 'utf8');
    valueBytes += value.length;
    keyBytes += key.length;
    pool.push({ key, value });
  }
  const decodeSample = pool.slice(0, 500).map((m) => m.value);
  const costs = {
    validate: await cpuPerItem(sample, () => validateIngestBody(JSON.parse(body), Date.now(), limits)),
    encode: await cpuPerItem(sample, () => Promise.all(events.map((e) => codec.encode(topic, e)))),
    decodeAs: await cpuPerItem(decodeSample.length, () => Promise.all(decodeSample.map((b) => codec.decodeAs(b, 'usage-event')))),
    decode: await cpuPerItem(decodeSample.length, () => Promise.all(decodeSample.map((b) => codec.decode(b)))),
  };
  return { pool, avgValue: valueBytes / sample, avgKey: keyBytes / sample, avgJson: body.length / sample, costs };
}
