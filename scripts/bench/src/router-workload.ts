// bench-router's workload: meters, filters and events (deterministic, seeded). Every meter is on
// `api_request`, so every event is a candidate for every meter.
import type { AggregationType, MeterFilter, UsageEvent } from '@meterstream/domain';
import { pick, type Random } from './prng';

type Metadata = UsageEvent['metadata'];

const AGGREGATIONS: { type: AggregationType; key?: string }[] = [
  { type: 'count' },
  { type: 'sum', key: 'tokens' },
  { type: 'unique_count', key: 'user_id' },
  { type: 'max', key: 'tokens' },
  { type: 'last', key: 'tokens' },
];

interface BenchFilter {
  label: string;
  filter: MeterFilter;
  /** An independent predicate, to compute the expected fan-out. */
  test: (m: BenchMetadata) => boolean;
}

/** The metadata of a generated event. */
export interface BenchMetadata extends Metadata {
  tokens: { decimal: string };
  user_id: string;
  region: string;
  model: string;
  endpoint: string;
}

/** Simple filters, each with an independent predicate used to compute the expected fan-out. */
const FILTERS: BenchFilter[] = [
  {
    label: 'region = eu',
    filter: { conjunction: 'and', clauses: [{ key: 'region', operator: 'equals', value: 'eu' }] },
    test: (m) => m.region === 'eu',
  },
  {
    label: 'model = model-large',
    filter: { conjunction: 'and', clauses: [{ key: 'model', operator: 'equals', value: 'model-large' }] },
    test: (m) => m.model === 'model-large',
  },
  {
    label: 'tokens > 2000 (numeric)',
    filter: { conjunction: 'and', clauses: [{ key: 'tokens', operator: 'greater_than', value: 2000 }] },
    test: (m) => Number(m.tokens.decimal) > 2000,
  },
];

/** A meter as the catalog file holds it. */
export interface CatalogMeter {
  id: string;
  name: string;
  event_name: string;
  aggregation: { type: AggregationType; key?: string };
  measurement_unit: string;
  filter?: MeterFilter;
}

/** A catalog meter and the predicate that says which events it matches. */
export interface BenchMeter {
  meter: CatalogMeter;
  test: (m: BenchMetadata) => boolean;
}

/** Meter i: aggregation i mod 5; odd meters carry a filter (rotating through FILTERS). */
export function benchMeters(n: number): BenchMeter[] {
  const meters: BenchMeter[] = [];
  for (let i = 0; i < n; i++) {
    const aggregation = AGGREGATIONS[i % AGGREGATIONS.length];
    const filter = i % 2 === 1 ? FILTERS[Math.floor(i / 2) % FILTERS.length] : undefined;
    meters.push({
      meter: {
        id: `bench_${String(i).padStart(3, '0')}`,
        name: `bench meter ${i} (${aggregation.type}${aggregation.key ? ` of ${aggregation.key}` : ''}${filter ? `, ${filter.label}` : ''})`,
        event_name: 'api_request',
        aggregation,
        measurement_unit: 'units',
        ...(filter ? { filter: filter.filter } : {}),
      },
      test: filter ? filter.test : () => true,
    });
  }
  return meters;
}

const MODELS = ['model-large', 'model-medium', 'model-small'];
const ENDPOINTS = ['/v1/chat', '/v1/embed', '/v1/complete', '/v1/moderate'];

export function makeEvent(random: Random, prefix: string, i: number, events: number, customers: number, startMs: number): UsageEvent & { metadata: BenchMetadata } {
  return {
    event_id: `${prefix}evt-${i}`,
    customer_id: `cus_${String(Math.floor(random() * customers)).padStart(4, '0')}`,
    event_name: 'api_request',
    // Spread over the 10 minutes before the run, in order.
    timestamp: startMs - 600_000 + Math.floor((i * 600_000) / events),
    metadata: {
      tokens: { decimal: String(1 + Math.floor(random() * 4000)) },
      user_id: `user_${Math.floor(random() * 5000)}`,
      region: random() < 0.5 ? 'eu' : 'us',
      model: pick(random, MODELS),
      endpoint: pick(random, ENDPOINTS),
    },
    ingested_at: startMs,
  };
}
