import { auditSteps, correctionKey, eventKey, type AuditKind, type AuditRow, type AuditStep, type EventRef, type PriorCorrection } from '@meterstream/domain';
import type { Warehouse } from '../warehouse/warehouse';
import { correctionByIdQuery, correctionsPageQuery, eventHistoriesQuery, knownCorrectionsQuery, type CorrectionRow, type CorrectionScope } from '../queries/correction-queries';
import { eventsByRefsQuery, type EventRow } from '../queries/event-queries';
import { listQuery } from './list-query';

/** One item of the audit trail with the event's metadata before and after it (JSON text or null). */
export interface CorrectionItem {
  row: CorrectionRow;
  before: string | null;
  after: string | null;
}

/** The audit trail of corrections and backfills (ClickHouse event_corrections, written by the raw event sink). */
export class CorrectionReader {
  constructor(private readonly warehouse: Warehouse) {}

  /** The correctionKeys of the voids and amends among `refs` that the audit trail holds already. */
  async knownCorrections(refs: readonly { customer_id: string; correction_id: string }[]): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const wanted = new Set(refs.map((r) => correctionKey(r.customer_id, r.correction_id)));
    const { query, params } = knownCorrectionsQuery(refs);
    const rows = await this.warehouse.query<{ customer_id: string; correction_id: string }>(query, params);
    return new Set(rows.map((r) => correctionKey(r.customer_id, r.correction_id)).filter((key) => wanted.has(key)));
  }

  /** What the audit trail holds of this customer's correction id (a void or amend, else a backfill batch). */
  async prior(customerId: string, correctionId: string): Promise<PriorCorrection | undefined> {
    const { query, params } = correctionByIdQuery(customerId, correctionId);
    const [row] = await this.warehouse.query<CorrectionRow>(query, params);
    if (!row) return undefined;
    return {
      correction_id: row.correction_id,
      kind: row.kind as AuditKind,
      customer_id: row.customer_id,
      event_id: row.event_id,
      event_name: row.event_name,
      timestamp: Date.parse(row.timestamp),
      metadata: row.metadata,
      reason: row.reason === '' ? null : row.reason,
      requested_at: Date.parse(row.requested_at),
    };
  }

  /** The history of one event, oldest first. */
  async history(event: EventRef): Promise<AuditRow[]> {
    return (await this.histories([event])).get(eventKey(event)) ?? [];
  }

  /**
   * A page of the audit trail, newest first, each item with the event's metadata before and after it
   * (auditSteps over the event's whole history, from its stored original); at most
   * LIST_QUERY_TIME_LIMIT_SECONDS per query.
   */
  async page(scope: CorrectionScope, limit: number, offset: number): Promise<CorrectionItem[]> {
    const rows = await listQuery<CorrectionRow>(this.warehouse, correctionsPageQuery(scope, limit, offset));
    if (rows.length === 0) return [];
    const events = uniqueEvents(rows);
    const [histories, originals] = await Promise.all([this.histories(events), this.originals(events)]);
    return rows.map((row) => {
      const key = eventKey(row);
      const steps = auditSteps(originals.get(key) ?? null, histories.get(key) ?? []);
      const step: AuditStep | undefined = steps.find((s) => s.row.correction_id === row.correction_id);
      return { row, before: step?.before ?? null, after: step ? step.after : row.kind === 'void' ? null : row.metadata };
    });
  }

  private async histories(events: readonly EventRef[]): Promise<Map<string, AuditRow[]>> {
    const wanted = new Set(events.map(eventKey));
    const { query, params } = eventHistoriesQuery(events);
    const out = new Map<string, AuditRow[]>();
    for (const row of await this.warehouse.query<CorrectionRow>(query, params)) {
      const key = eventKey(row);
      if (!wanted.has(key)) continue;
      const history = out.get(key) ?? [];
      history.push({
        correction_id: row.correction_id,
        kind: row.kind as AuditKind,
        metadata: row.metadata,
        requested_by: row.requested_by,
        reason: row.reason,
        requested_at: row.requested_at,
        source_offset: row.source_offset,
      });
      out.set(key, history);
    }
    return out;
  }

  /** The stored metadata of these events, by eventKey. */
  private async originals(events: readonly EventRef[]): Promise<Map<string, string>> {
    const wanted = new Set(events.map(eventKey));
    const { query, params } = eventsByRefsQuery(events);
    const rows = await this.warehouse.query<EventRow>(query, params);
    return new Map(rows.filter((r) => wanted.has(eventKey(r))).map((r) => [eventKey(r), r.metadata]));
  }
}

function uniqueEvents(rows: readonly EventRef[]): EventRef[] {
  const seen = new Map<string, EventRef>();
  for (const row of rows) seen.set(eventKey(row), { customer_id: row.customer_id, event_id: row.event_id });
  return [...seen.values()];
}
