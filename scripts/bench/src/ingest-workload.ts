// Request bodies for POST /events/ingest: realistic usage events (5 metadata keys each, strings,
// numbers and booleans), 1,000 customers, event ids unique across runs. Bodies are built by string
// concatenation from a pool of pre-rendered event tails, so that the load generator spends little
// CPU per event on a machine it shares with the gateway.
import { pick, prng, type Random } from './prng';

const MODELS = ['model-large', 'model-medium', 'model-small'];
const ENDPOINTS = ['/v1/chat', '/v1/embed', '/v1/complete', '/v1/moderate'];
const REGIONS = ['eu', 'us', 'ap'];
const STATUSES = [200, 200, 200, 200, 201, 400, 404, 500];

interface EventBody {
  customer_id: string;
  event_name: string;
  metadata: Record<string, string | number | boolean>;
}

/**
 * One event without its id and timestamp: 70% `api_request` (endpoint, region, status, latency_ms,
 * user_id), 30% `llm_completion` (model, tokens, region, user_id, stream). Both names have meters in
 * scripts/demo-catalog.json, so the router and the aggregator do their usual work downstream.
 */
function eventBody(random: Random, customers: number): EventBody {
  const customer_id = `cus_${String(Math.floor(random() * customers)).padStart(4, '0')}`;
  const user_id = `user_${Math.floor(random() * 5000)}`;
  if (random() < 0.7) {
    return {
      customer_id,
      event_name: 'api_request',
      metadata: {
        endpoint: pick(random, ENDPOINTS),
        region: pick(random, REGIONS),
        status: pick(random, STATUSES),
        latency_ms: Math.round(random() * 250000) / 100,
        user_id,
      },
    };
  }
  return {
    customer_id,
    event_name: 'llm_completion',
    metadata: { model: pick(random, MODELS), tokens: 1 + Math.floor(random() * 4000), region: pick(random, REGIONS), user_id, stream: random() < 0.5 },
  };
}

export interface IngestWorkloadOptions {
  poolSize?: number;
  customers?: number;
  seed?: number;
}

export class IngestWorkload {
  private next = 0;
  /** [before timestamp, after timestamp] JSON fragments following the event id. */
  private readonly tails: [string, string][] = [];
  private isoSecond = 0;
  private iso = '';

  /** @param idPrefix unique per run (event ids are `<idPrefix><n>`) */
  constructor(
    private readonly idPrefix: string,
    { poolSize = 4096, customers = 1000, seed = 42 }: IngestWorkloadOptions = {},
  ) {
    const random = prng(seed);
    for (let i = 0; i < poolSize; i++) {
      const e = eventBody(random, customers);
      this.tails.push([
        `","customer_id":${JSON.stringify(e.customer_id)},"event_name":${JSON.stringify(e.event_name)},"timestamp":"`,
        `","metadata":${JSON.stringify(e.metadata)}}`,
      ]);
    }
  }

  /** The current time as ISO 8601 at second precision (cached for the second). */
  timestamp(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.isoSecond) {
      this.isoSecond = second;
      this.iso = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    }
    return this.iso;
  }

  /** A JSON request body of `count` events with fresh ids. */
  body(count: number): string {
    const ts = this.timestamp();
    const tails = this.tails;
    let out = '{"events":[';
    for (let i = 0; i < count; i++) {
      const n = this.next++;
      const tail = tails[n % tails.length];
      out += `${i === 0 ? '' : ','}{"event_id":"${this.idPrefix}${n}${tail[0]}${ts}${tail[1]}`;
    }
    return `${out}]}`;
  }
}
