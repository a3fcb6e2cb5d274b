import type { FastifyInstance } from 'fastify';
import { type CorrectionReader, type EventReader, type EventRow, type EventScope } from '@meterstream/common';
import { eventState, MeterstreamError, parseIsoTime, sameMetadataText, type CatalogView } from '@meterstream/domain';
import { pageWindow, type PageQuery } from '../pagination';
import { parseStoredMetadata } from './stored-metadata';

interface EventListQuery extends PageQuery {
  customer_id?: string;
  event_name?: string;
  meter_id?: string;
  start?: string;
  end?: string;
}

/** Dodo's events listing and retrieval, from the ClickHouse events table (the raw event sink). */
export function registerEventQueryRoutes(app: FastifyInstance, events: EventReader, corrections: CorrectionReader, catalog: CatalogView, businessId: string): void {
  const show = (row: EventRow) => ({
    business_id: businessId,
    customer_id: row.customer_id,
    event_id: row.event_id,
    event_name: row.event_name,
    timestamp: new Date(row.timestamp).toISOString(),
    metadata: parseStoredMetadata(row.metadata),
  });

  app.get<{ Querystring: EventListQuery }>('/events', { config: { scope: 'read' } }, async (request) => {
    const q = request.query;
    const { size, offset } = pageWindow(q);
    const scope: EventScope = { customerId: q.customer_id || undefined, eventName: q.event_name || undefined };
    for (const field of ['start', 'end'] as const) {
      if (q[field] === undefined) continue;
      const ms = parseIsoTime(q[field]!);
      if (ms === undefined) throw new MeterstreamError('VALIDATION_FAILED', `${field} must be an ISO 8601 date-time`, [{ field, message: 'ISO 8601 date-time' }]);
      scope[field] = ms;
    }
    if (!q.meter_id) return { items: (await events.page(scope, size, offset)).map(show) };

    const meter = catalog.get('meters', q.meter_id);
    if (!meter) throw new MeterstreamError('NOT_FOUND', `meter ${q.meter_id} does not exist`);
    if (scope.eventName !== undefined && scope.eventName !== meter.event_name) {
      throw new MeterstreamError('VALIDATION_FAILED', `event_name must match the meter's event name "${meter.event_name}"`, [
        { field: 'event_name', message: `meter ${meter.id} counts "${meter.event_name}"` },
      ]);
    }
    // The events the meter counted (its meter_records, written as the aggregator counts them): what its
    // usage and invoices are made of. Events stored before the meter existed were never routed to it
    // and are not listed (docs/api.md).
    return { items: (await events.meterPage(meter.id, scope, size, offset)).map(show) };
  });

  // An event is (customer_id, event_id). Dodo's route takes the id alone: it answers the event when one
  // customer used the id, and 409 AMBIGUOUS_EVENT_ID when several did (never one of them at random);
  // ?customer_id= picks one.
  app.get<{ Params: { event_id: string }; Querystring: { customer_id?: string } }>('/events/:event_id', { config: { scope: 'read' } }, async (request) => {
    const { event_id: eventId } = request.params;
    const customerId = request.query.customer_id || undefined;
    const rows = await events.withId(eventId, customerId);
    if (rows.length === 0) throw new MeterstreamError('NOT_FOUND', `event ${eventId} does not exist${customerId === undefined ? '' : ` for customer ${customerId}`}`);
    if (rows.length > 1) {
      throw new MeterstreamError('AMBIGUOUS_EVENT_ID', `more than one customer sent an event with id ${eventId}: add ?customer_id= to choose one`, [
        { field: 'customer_id', message: `required: customers ${rows.map((r) => r.customer_id).join(', ')} (and maybe others) used this id` },
      ]);
    }
    // Dodo's fields, metadata as corrected, and what corrections did (docs/corrections.md).
    const row = rows[0];
    const state = eventState(row.metadata, await corrections.history(row));
    return {
      ...show({ ...row, metadata: state.metadata }),
      ...(sameMetadataText(state.metadata, row.metadata) ? {} : { original_metadata: parseStoredMetadata(row.metadata) }),
      status: state.status,
      history: state.history.map(({ row: step, after }) => ({
        correction_id: step.correction_id,
        kind: step.kind,
        metadata: after === null ? null : parseStoredMetadata(after),
        requested_by: step.requested_by || null,
        reason: step.reason || null,
        requested_at: new Date(step.requested_at).toISOString(),
      })),
    };
  });
}
