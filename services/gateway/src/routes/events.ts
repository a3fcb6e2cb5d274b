import type { FastifyInstance } from 'fastify';
import { validateIngestBody, type IngestLimits } from '../event-validator';
import type { EventPublisher } from '../event-publisher';
import type { SeenEvents } from '../seen-events';

/**
 * Dodo's ingest: the whole batch is validated first (any bad event refuses the request); ids accepted
 * before are ignored and not counted; the answer comes only after Kafka acknowledged the new events.
 */
export function registerEventRoutes(app: FastifyInstance, publisher: EventPublisher, seen: SeenEvents, limits: IngestLimits): void {
  app.post('/events/ingest', { config: { scope: 'ingest' } }, async (request) => {
    const events = validateIngestBody(request.body, Date.now(), limits);
    const fresh = await seen.unseen(events);
    if (fresh.length > 0) await publisher.publish(fresh);
    seen.remember(fresh);
    return { ingested_count: fresh.length };
  });
}
