import { invoiceId, type InvoiceReader, type UsageReader } from '@meterstream/common';
import {
  correctionRecords,
  correctionTargetRefusal,
  InvoiceLedger,
  metadataToJson,
  MeterstreamError,
  periodEffect,
  previewSlots,
  recordAfter,
  type CatalogView,
  type DeadLetter,
  type FieldError,
  type MeterIndex,
  type MeterRecord,
  type PeriodEffect,
  type PreviewSlot,
  type UsageEvent,
} from '@meterstream/domain';
import { validateCorrectionPreviewBody } from './correction-preview-body';
import type { CorrectionTargets } from './correction-targets';
import { checkMeteredValues, type IngestLimits } from './event-validator';

export interface CorrectionPreviewDeps {
  /** The lookup of the void and amend routes (with their recent corrections). */
  targets: Pick<CorrectionTargets, 'find'>;
  usage: Pick<UsageReader, 'total'>;
  invoices: Pick<InvoiceReader, 'ofSubscriptionSince'>;
  /** Subscriptions, products and meters, followed live. */
  catalog: CatalogView;
  /** The meters the router applies now (active ones, by event name and filter). */
  meters: () => Pick<MeterIndex, 'match' | 'named'>;
  limits: IngestLimits;
  /** BACKFILL_MAX_AGE_DAYS in ms. */
  backfillMaxAgeMs: number;
  clock?: () => number;
}

/** One subscription period of one meter in a preview. */
export interface PreviewPeriod extends PeriodEffect {
  subscription_id: string;
  product_id: string;
  currency: string;
  period_start: string;
  period_end: string;
}

/** The answer of POST /corrections/preview. */
export interface CorrectionPreview {
  kind: 'void' | 'amend';
  /** The stored event, with its metadata as its latest amend left it. */
  event: { event_id: string; customer_id: string; event_name: string; timestamp: string; metadata: unknown; amended: boolean };
  /** Amend: the metadata after it (numbers as ingest stores them); void: null. */
  metadata: Record<string, string | number | boolean> | null;
  /** Per meter the correction changes: what becomes of the event's record there, and per subscription period the effect. */
  meters: { meter_id: string; change: 'remove' | 'replace'; value: string | null; unique_key: string | null; subscriptions: PreviewPeriod[] }[];
  /** Meters the new metadata matches but that could not read it (the router dead-letters that part; the event leaves them). */
  rejected: DeadLetter[];
}

/**
 * POST /corrections/preview: what a void or amend of a stored event would change, applying nothing
 * (nothing is produced or stored).
 *
 * 1. The body is checked (validateCorrectionPreviewBody), the event looked up and refused exactly as the
 *    void and amend routes refuse it (CorrectionTargetReader, correctionTargetRefusal: 404
 *    EVENT_NOT_FOUND, 422 EVENT_OF_ANOTHER_CUSTOMER, 409 EVENT_VOIDED, 422
 *    EVENT_OLDER_THAN_BACKFILL_LIMIT); an amend's metadata must give the meters it matches values they
 *    can read, as the amend route requires (422 VALIDATION_FAILED).
 * 2. The meters it changes are the router's (correctionRecords with the live catalog's meters): a void
 *    removes the event's record from every active meter of its name; an amend replaces it in the meters
 *    the new metadata matches and removes it from the others.
 * 3. For each such meter and each subscription of the customer whose product prices it, in the period
 *    holding the event time: the usage now and after (the period's exact usage with this event's record
 *    replaced or removed: a usage query with a RecordOverride), whether the period is invoiced (the
 *    stored invoices: the invoices table, which billing fills after each commit), and the amount change
 *    (periodEffect: for an invoiced period the adjustment the next invoice would carry, against the
 *    units billed so far; for an open one the change of the meter line's charge).
 */
export class CorrectionPreviewer {
  private readonly clock: () => number;

  constructor(private readonly deps: CorrectionPreviewDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async preview(body: unknown): Promise<CorrectionPreview> {
    const { targets, catalog, limits, backfillMaxAgeMs } = this.deps;
    const request = validateCorrectionPreviewBody(body, limits);
    const now = this.clock();
    const target = await targets.find(request.customer_id, request.event_id);
    const refusal = correctionTargetRefusal(target, request.customer_id, request.event_id, now, backfillMaxAgeMs);
    if (refusal) throw refusal;
    if (target.kind !== 'found') throw new Error('unreachable: correctionTargetRefusal refuses an event that is not found');
    const stored = target;
    const correction = { correction_id: 'preview', kind: request.kind, requested_by: null, reason: null };
    const corrected: UsageEvent = {
      event_id: stored.event_id,
      customer_id: stored.customer_id,
      event_name: stored.event_name,
      timestamp: stored.timestamp,
      metadata: request.metadata,
      ingested_at: now,
      backfill_id: null,
      correction,
    };
    const meters = this.deps.meters();
    if (request.kind === 'amend') {
      const errors: FieldError[] = [];
      checkMeteredValues(corrected, meters, (field, message) => errors.push({ field, message }));
      if (errors.length > 0) throw new MeterstreamError('VALIDATION_FAILED', `${errors.length} problem(s) in the amended metadata`, errors);
    }
    const { records, rejected } = correctionRecords(corrected, correction, { matchingMeters: (e) => meters.match(e), metersNamed: (name) => meters.named(name) });
    const aggregations = new Map(meters.named(stored.event_name).map((m) => [m.id, m.aggregation.type]));
    const slots = previewSlots(stored.customer_id, stored.timestamp, records.map((r) => r.meter_id), catalog.list('subscriptions'), (id) => catalog.get('products', id));
    const ledgers = new Map<string, Promise<InvoiceLedger>>();
    const ledgerOf = (slot: PreviewSlot) => {
      const id = slot.subscription.subscription_id;
      if (!ledgers.has(id)) ledgers.set(id, this.ledger(id, slot.period.start));
      return ledgers.get(id)!;
    };
    const effects = await Promise.all(slots.map(async (slot) => ({ slot, effect: await this.effect(slot, records.find((r) => r.meter_id === slot.meterId)!, aggregations.get(slot.meterId)!, await ledgerOf(slot)) })));
    return {
      kind: request.kind,
      event: {
        event_id: stored.event_id,
        customer_id: stored.customer_id,
        event_name: stored.event_name,
        timestamp: new Date(stored.timestamp).toISOString(),
        metadata: JSON.parse(stored.metadata) as unknown,
        amended: stored.amended,
      },
      metadata: request.kind === 'amend' ? metadataToJson(request.metadata) : null,
      meters: records.map((record) => ({
        meter_id: record.meter_id,
        change: record.change === 'remove' ? 'remove' : 'replace',
        value: record.change === 'remove' ? null : record.value,
        unique_key: record.change === 'remove' ? null : record.unique_key,
        subscriptions: effects.filter((e) => e.slot.meterId === record.meter_id).map(({ slot, effect }) => previewPeriod(slot, effect)),
      })),
      rejected,
    };
  }

  /** The usage of the slot's period now and with the record changed, and what that does to the charge. */
  private async effect(slot: PreviewSlot, record: MeterRecord, aggregation: Parameters<UsageReader['total']>[0]['aggregation'], ledger: InvoiceLedger): Promise<PeriodEffect> {
    const scope = { meterId: slot.meterId, aggregation, customerId: record.customer_id, start: slot.period.start, end: slot.period.end };
    const override = { meterId: slot.meterId, customerId: record.customer_id, eventId: record.event_id, timestamp: record.timestamp, after: recordAfter(record) };
    const [now, after] = await Promise.all([this.deps.usage.total(scope), this.deps.usage.total({ ...scope, override })]);
    const subscriptionId = slot.subscription.subscription_id;
    const start = new Date(slot.period.start).toISOString();
    const invoiced = ledger.has(invoiceId(subscriptionId, slot.period.start, slot.period.end));
    const billed = invoiced ? (ledger.periodsSince(subscriptionId, slot.period.end).find((p) => p.start === start)?.billed(slot.meterId) ?? '0') : null;
    return periodEffect(slot.price, now, after, billed);
  }

  /** What the stored invoices billed for a subscription from the period starting at `from` on (its invoice and the later ones, which carry its adjustments). */
  private async ledger(subscriptionId: string, from: number): Promise<InvoiceLedger> {
    const ledger = new InvoiceLedger();
    for (const invoice of await this.deps.invoices.ofSubscriptionSince(subscriptionId, from)) ledger.record(invoice);
    return ledger;
  }
}

function previewPeriod(slot: PreviewSlot, effect: PeriodEffect): PreviewPeriod {
  return {
    subscription_id: slot.subscription.subscription_id,
    product_id: slot.product.product_id,
    currency: slot.product.price.currency,
    period_start: new Date(slot.period.start).toISOString(),
    period_end: new Date(slot.period.end).toISOString(),
    ...effect,
  };
}
