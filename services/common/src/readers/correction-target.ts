import type { CorrectionTarget } from '@meterstream/domain';
import type { Warehouse } from '../warehouse/warehouse';
import { eventsByIdQuery, type EventRow } from '../queries/event-queries';
import { latestCorrectionQuery } from '../queries/correction-target-queries';

/**
 * The event a void or amend names (CorrectionTarget), from the events table and the audit trail: the
 * customer's event with its metadata as its latest amend left it, and whether its latest correction
 * voided it. correctionTargetRefusal (@meterstream/domain) turns the answer into the route's error.
 * Shared by POST /events/{event_id}/void, /amend and /corrections/preview.
 */
export class CorrectionTargetReader {
  constructor(private readonly warehouse: Warehouse) {}

  async find(customerId: string, eventId: string): Promise<CorrectionTarget> {
    const own = eventsByIdQuery(eventId, customerId);
    const [row] = await this.warehouse.query<EventRow>(own.query, own.params);
    if (!row) {
      const any = eventsByIdQuery(eventId);
      return (await this.warehouse.query<EventRow>(any.query, any.params)).length > 0 ? { kind: 'of-another-customer' } : { kind: 'none' };
    }
    const latest = latestCorrectionQuery(customerId, eventId);
    const [correction] = await this.warehouse.query<{ kind: string; metadata: string }>(latest.query, latest.params);
    const amended = correction?.kind === 'amend';
    return {
      kind: 'found',
      voided: correction?.kind === 'void',
      event: {
        event_id: row.event_id,
        customer_id: row.customer_id,
        event_name: row.event_name,
        timestamp: Date.parse(row.timestamp),
        metadata: amended ? correction.metadata : row.metadata,
        amended,
      },
    };
  }
}
