import type { FastifyInstance } from 'fastify';
import { validateIngestBody, type IngestLimits } from '../event-validator';
import type { EventPublisher } from '../event-publisher';

export function registerEventRoutes(app: FastifyInstance, publisher: EventPublisher, limits: IngestLimits): void {
  app.post('/events/ingest', async (request) => {
    const events = validateIngestBody(request.body, Date.now(), limits);
    await publisher.publish(events);
    return { ingested_count: events.length };
  });
}
