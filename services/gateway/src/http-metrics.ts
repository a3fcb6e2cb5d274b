import type { FastifyInstance } from 'fastify';
import type { Metrics } from '@meterstream/common';
import { ERROR_CODES } from '@meterstream/domain';

/** The route label of a request that matched no route (404): never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';
const INGEST_ROUTE = '/events/ingest';

/**
 * HTTP metrics from two hooks, so that routes stay as they are:
 * - onResponse: every request, counted and timed by method, route pattern (`/meters/:id`, never the
 *   raw URL) and status;
 * - onSend of `POST /events/ingest`: events accepted (the answer's `ingested_count`) and ignored as
 *   repeats (the rest of the batch); for a refused request, its error code (the answer's `code`, one
 *   of ERROR_CODES) and how many events its body held, when the body was read. One increment per
 *   request, not per event: the ingest path is benchmarked.
 */
export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method === 'POST' && request.routeOptions.url === INGEST_ROUTE && typeof payload === 'string') {
      countIngest(metrics, request.body, reply.statusCode, payload);
    }
    done(null, payload);
  });
}

function countIngest(metrics: Metrics, body: unknown, status: number, payload: string): void {
  const events = (body as { events?: unknown } | undefined)?.events;
  const sent = Array.isArray(events) ? events.length : 0;
  let answer: { ingested_count?: unknown; code?: unknown };
  try {
    answer = JSON.parse(payload) as typeof answer;
  } catch {
    return;
  }
  if (status < 400) {
    const accepted = typeof answer.ingested_count === 'number' ? answer.ingested_count : 0;
    if (accepted > 0) metrics.eventsAccepted.inc(accepted);
    if (sent > accepted) metrics.eventsDuplicate.inc(sent - accepted);
    return;
  }
  const code = typeof answer.code === 'string' && Object.hasOwn(ERROR_CODES, answer.code) ? answer.code : 'INTERNAL';
  metrics.ingestRequestsRefused.inc({ code });
  if (sent > 0) metrics.eventsRefused.inc({ code }, sent);
}
