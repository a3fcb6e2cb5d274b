import type { FastifyInstance } from 'fastify';
import type { MeterIndex } from '@meterstream/domain';
import { validateBackfillBody } from '../correction-validator';
import { validateIngestBody, type IngestLimits } from '../event-validator';
import { installJsonBodyParser } from '../json-body';
import type { EventPublisher } from '../event-publisher';
import type { SeenEvents } from '../seen-events';

/**
 * Dodo's ingest: the whole batch is validated first (any bad event refuses the request); events
 * (customer_id, event_id) accepted before are ignored and not counted; the answer comes only after
 * Kafka acknowledged the new events. The body is parsed in its exact form (every number keeps its
 * digits), in a plugin of its own so that the parser applies to this route only.
 *
 * Backfill (docs/corrections.md) is ingest for events up to BACKFILL_MAX_AGE_DAYS old, for admin keys:
 * the same validation but for the age, the same repeat check and the same producer path, each event
 * carrying the batch's id (given, or derived from the events).
 */
export function registerEventRoutes(
  app: FastifyInstance,
  publisher: EventPublisher,
  seen: SeenEvents,
  limits: IngestLimits,
  meters: Pick<MeterIndex, 'match'>,
  backfillMaxAgeMs: number,
): void {
  app.register(async (ingest) => {
    installJsonBodyParser(ingest, 'exact');
    ingest.post('/events/ingest', { config: { scope: 'ingest' } }, async (request) => {
      const events = validateIngestBody(request.body, Date.now(), limits, meters);
      const fresh = await seen.unseen(events);
      if (fresh.length > 0) await publisher.publish(fresh);
      seen.remember(fresh);
      return { ingested_count: fresh.length };
    });
    ingest.post('/events/backfill', { config: { scope: 'admin' } }, async (request) => {
      const { backfillId, events } = validateBackfillBody(request.body, Date.now(), limits, backfillMaxAgeMs, meters);
      const fresh = await seen.unseen(events);
      if (fresh.length > 0) await publisher.publish(fresh);
      seen.remember(fresh);
      return { ingested_count: fresh.length, backfill_id: backfillId };
    });
  });
}
