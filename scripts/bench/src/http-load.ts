// Closed-loop HTTP load on POST /events/ingest: `connections` clients, each sending one request at a
// time on its own keep-alive connection, for a warm-up and then a measured period. Counts only the
// requests that complete inside the measured period.
import http from 'node:http';
import type { IngestWorkload } from './ingest-workload';
import { percentile, sleep } from './report';

interface PostResult {
  status: number;
  text: string;
  ms: number;
}

/** One POST; resolves with status, body text and latency (ms). Never rejects. */
function post(agent: http.Agent, url: URL, headers: http.OutgoingHttpHeaders, body: string): Promise<PostResult> {
  const started = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: '/events/ingest', method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: ms() }));
        res.on('error', (err) => resolve({ status: 0, text: String(err), ms: ms() }));
      },
    );
    req.setTimeout(60000, () => req.destroy(new Error('request timed out after 60 s')));
    req.on('error', (err) => resolve({ status: 0, text: String(err.message || err), ms: ms() }));
    req.end(body);
  });
}

export interface HttpScenarioOptions {
  baseUrl: string;
  apiKey: string;
  workload: IngestWorkload;
  batch: number;
  connections: number;
  warmupMs: number;
  durationMs: number;
  onMeasureStart?: () => void;
  onMeasureEnd?: () => void;
}

export interface HttpScenarioResult {
  batch: number;
  connections: number;
  seconds: number;
  eventsPerSec: number;
  requestsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  okRequests: number;
  /** Failed requests by "status code". */
  failures: Record<string, number>;
  /** Over the whole scenario, warm-up included: events sent and events the gateway said it ingested. */
  sentEvents: number;
  acknowledgedEvents: number;
  /** Requests answered 200 with ingested_count below the batch size (repeated ids: should be 0). */
  shortRequests: number;
}

/** A field of a JSON answer body, or undefined when the body is no JSON object. */
function jsonField(text: string, field: string): unknown {
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[field] : undefined;
}

/**
 * Runs one scenario. Returns events/s and requests/s over the measured period, request latency
 * percentiles (ms), and failures by status/code.
 */
export async function runHttpScenario(o: HttpScenarioOptions): Promise<HttpScenarioResult> {
  const url = new URL(o.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections, maxFreeSockets: o.connections });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` };
  const t0 = Date.now();
  const measureStart = t0 + o.warmupMs;
  const measureEnd = measureStart + o.durationMs;
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let events = 0;
  let requests = 0;
  let sentEvents = 0;
  let acknowledgedEvents = 0;
  let short = 0;
  let started = false;
  const startTimer = setTimeout(
    () => {
      started = true;
      o.onMeasureStart?.();
    },
    Math.max(0, measureStart - Date.now()),
  );

  const worker = async (): Promise<void> => {
    while (Date.now() < measureEnd) {
      const body = o.workload.body(o.batch);
      const res = await post(agent, url, headers, body);
      sentEvents += o.batch;
      // No answer at all (connection refused or reset): do not spin.
      if (res.status === 0) await sleep(100);
      const done = Date.now();
      let ingested: number | undefined;
      if (res.status === 200) {
        try {
          ingested = jsonField(res.text, 'ingested_count') as number | undefined;
        } catch {
          ingested = undefined;
        }
        acknowledgedEvents += ingested ?? 0;
        if (ingested !== o.batch) short++;
      }
      if (done < measureStart || done > measureEnd) continue;
      if (res.status === 200) {
        requests++;
        events += ingested ?? 0;
        latencies.push(res.ms);
      } else {
        let code = '';
        try {
          code = String(jsonField(res.text, 'code') ?? '');
        } catch {
          code = res.text.slice(0, 80);
        }
        const key = `${res.status} ${code}`.trim();
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  clearTimeout(startTimer);
  if (started) o.onMeasureEnd?.();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const seconds = o.durationMs / 1000;
  return {
    batch: o.batch,
    connections: o.connections,
    seconds,
    eventsPerSec: events / seconds,
    requestsPerSec: requests / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.length ? latencies[latencies.length - 1] : NaN,
    okRequests: requests,
    failures: Object.fromEntries(failures),
    sentEvents,
    acknowledgedEvents,
    shortRequests: short,
  };
}
