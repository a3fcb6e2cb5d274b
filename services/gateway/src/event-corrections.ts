import type { CorrectionReader, EventReader } from '@meterstream/common';
import {
  decideOnEvent,
  decideOnPrior,
  MeterstreamError,
  type CorrectedEvent,
  type CorrectionAnswer,
  type CorrectionKind,
  type CorrectionRequest,
  type FieldError,
  type MeterIndex,
} from '@meterstream/domain';
import { validateCorrectionBody } from './correction-validator';
import type { EventPublisher } from './event-publisher';
import { checkMeteredValues, type IngestLimits } from './event-validator';
import { CorrectionTargets } from './correction-targets';
import type { RecentCorrections } from './recent-corrections';

export interface EventCorrectionsDeps {
  publisher: Pick<EventPublisher, 'publish'>;
  events: Pick<EventReader, 'withId'>;
  corrections: Pick<CorrectionReader, 'prior' | 'history'>;
  recent: RecentCorrections;
  /** The meters the router applies now: an amend's metadata must give them the values they read. */
  meters: Pick<MeterIndex, 'match'>;
  limits: IngestLimits;
  /** BACKFILL_MAX_AGE_DAYS in ms. */
  backfillMaxAgeMs: number;
  clock?: () => number;
}

/**
 * POST /events/{event_id}/void and /amend: the body is checked, then, one correction of a customer at
 * a time (RecentCorrections.serialize):
 * 1. a correction id the customer used before (this gateway's recent corrections, else the audit
 *    trail) answers as before when it is the same correction, else 409 CORRECTION_ID_CONFLICT
 *    (decideOnPrior);
 * 2. else the event is looked up in the events table, with its history (voided?) (CorrectionTargets, the
 *    lookup POST /corrections/preview shares), and the correction decided (decideOnEvent:
 *    correctionTargetRefusal's 404, 422, 409 EVENT_VOIDED, 422 too old), an amend's metadata checked
 *    against the meters it matches;
 * 3. one record goes to `events`, keyed by the customer id, and the answer comes once Kafka acknowledged.
 * Nothing is produced on any refusal.
 */
export class EventCorrections {
  private readonly clock: () => number;
  /** The lookup POST /corrections/preview shares (with the same recent corrections). */
  private readonly targets: CorrectionTargets;

  constructor(private readonly deps: EventCorrectionsDeps) {
    this.clock = deps.clock ?? Date.now;
    this.targets = new CorrectionTargets(deps);
  }

  async apply(kind: CorrectionKind, eventId: string, body: unknown, requestedBy: string | null): Promise<CorrectionAnswer> {
    const input = validateCorrectionBody(kind, eventId, body, this.deps.limits);
    const request: CorrectionRequest = { ...input, event_id: eventId, kind, requested_by: requestedBy };
    return this.deps.recent.serialize(request.customer_id, () => this.decideAndProduce(request));
  }

  private async decideAndProduce(request: CorrectionRequest): Promise<CorrectionAnswer> {
    const { recent, corrections, publisher } = this.deps;
    const prior = recent.get(request.customer_id, request.correction_id) ?? (await corrections.prior(request.customer_id, request.correction_id));
    const decision = prior !== undefined ? decideOnPrior(request, prior) : decideOnEvent(request, await this.correctedEvent(request), this.clock(), this.deps.backfillMaxAgeMs);
    if (decision.kind === 'refuse') throw decision.error;
    if (decision.kind === 'repeat') return decision.answer;
    if (request.kind === 'amend') this.checkMeteredValues(decision.record);
    await publisher.publish([decision.record]);
    recent.remember(decision.prior);
    return decision.answer;
  }

  private correctedEvent(request: CorrectionRequest): Promise<CorrectedEvent> {
    return this.targets.find(request.customer_id, request.event_id);
  }

  /** The values the meters matching the amended event read must be numbers in range, as ingest requires. */
  private checkMeteredValues(record: Parameters<typeof checkMeteredValues>[0]): void {
    const errors: FieldError[] = [];
    checkMeteredValues(record, this.deps.meters, (field, message) => errors.push({ field, message }));
    if (errors.length > 0) throw new MeterstreamError('VALIDATION_FAILED', `${errors.length} problem(s) in the amended metadata; nothing was corrected`, errors);
  }
}
