import type { CorrectionReader, EventReader } from '@meterstream/common';
import { eventState, type CorrectionTarget } from '@meterstream/domain';
import type { RecentCorrections } from './recent-corrections';

export interface CorrectionTargetsDeps {
  events: Pick<EventReader, 'withId'>;
  corrections: Pick<CorrectionReader, 'history'>;
  /** This gateway's recent corrections: a void it accepted is seen before the audit trail has it. */
  recent: Pick<RecentCorrections, 'isVoided'>;
}

/**
 * The event a void, an amend or a preview of one names (CorrectionTarget): the customer's event from the
 * events table with its state from the audit trail (eventState: voided when its latest correction is a
 * void; the metadata of its latest amend) or this gateway's recent voids; else whether another
 * customer's event has the id. One lookup for POST /events/{id}/void, /amend (EventCorrections) and POST
 * /corrections/preview (CorrectionPreviewer); correctionTargetRefusal turns it into their error.
 */
export class CorrectionTargets {
  constructor(private readonly deps: CorrectionTargetsDeps) {}

  async find(customerId: string, eventId: string): Promise<CorrectionTarget> {
    const { events, corrections, recent } = this.deps;
    const ref = { customer_id: customerId, event_id: eventId };
    const [row] = await events.withId(eventId, customerId);
    if (!row) return (await events.withId(eventId)).length > 0 ? { kind: 'of-another-customer' } : { kind: 'none' };
    const history = await corrections.history(ref);
    const state = eventState(row.metadata, history);
    return {
      kind: 'found',
      voided: recent.isVoided(ref) || state.status === 'voided',
      event_id: row.event_id,
      customer_id: row.customer_id,
      event_name: row.event_name,
      timestamp: Date.parse(row.timestamp),
      metadata: state.metadata,
      amended: history.some((r) => r.kind === 'amend'),
    };
  }
}
