// Closed-loop HTTP load on POST /events/ingest: `connections` clients, each sending one request at a
// time on its own keep-alive connection, for a warm-up and then a measured period. Counts only the
// requests that complete inside the measured period.
'use strict';
const http = require('node:http');
const { percentile } = require('./bench-stats');

/** One POST; resolves with status, body text and latency (ms). Never rejects. */
function post(agent, url, headers, body) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: '/events/ingest', method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - started) / 1e6 }),
        );
        res.on('error', (err) => resolve({ status: 0, text: String(err), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.setTimeout(60000, () => req.destroy(new Error('request timed out after 60 s')));
    req.on('error', (err) => resolve({ status: 0, text: String(err.message || err), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    req.end(body);
  });
}

/**
 * Runs one scenario. Returns events/s and requests/s over the measured period, request latency
 * percentiles (ms), and failures by status/code.
 *
 * @param {{ baseUrl: string, apiKey: string, workload: import('./ingest-workload').IngestWorkload,
 *   batch: number, connections: number, warmupMs: number, durationMs: number,
 *   onMeasureStart?: () => void, onMeasureEnd?: () => void }} o
 */
async function runHttpScenario(o) {
  const url = new URL(o.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections, maxFreeSockets: o.connections });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` };
  const t0 = Date.now();
  const measureStart = t0 + o.warmupMs;
  const measureEnd = measureStart + o.durationMs;
  const latencies = [];
  const failures = new Map();
  let events = 0;
  let requests = 0;
  let sentEvents = 0;
  let acknowledgedEvents = 0;
  let short = 0;
  let started = false;
  const startTimer = setTimeout(() => {
    started = true;
    o.onMeasureStart?.();
  }, Math.max(0, measureStart - Date.now()));

  const worker = async () => {
    while (Date.now() < measureEnd) {
      const body = o.workload.body(o.batch);
      const res = await post(agent, url, headers, body);
      sentEvents += o.batch;
      // No answer at all (connection refused or reset): do not spin.
      if (res.status === 0) await new Promise((r) => setTimeout(r, 100));
      const done = Date.now();
      let ingested;
      if (res.status === 200) {
        try {
          ingested = JSON.parse(res.text).ingested_count;
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
          code = JSON.parse(res.text).code ?? '';
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
    /** Over the whole scenario, warm-up included: events sent and events the gateway said it ingested. */
    sentEvents,
    acknowledgedEvents,
    /** Requests answered 200 with ingested_count below the batch size (repeated ids: should be 0). */
    shortRequests: short,
  };
}

module.exports = { runHttpScenario };
