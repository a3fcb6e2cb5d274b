import { metadataToJson, type MetadataValue } from '../model/usage-event';

/**
 * The kinds of the audit trail (ClickHouse `event_corrections`, migration 008): the two corrections of
 * an accepted event (void, amend), and `backfill`, one row per event stored from a backfill batch.
 */
export const AUDIT_KINDS = ['void', 'amend', 'backfill'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One row of an event's history in the audit trail, as stored (text columns, '' for none). */
export interface AuditRow {
  correction_id: string;
  kind: AuditKind;
  /** The event's metadata after the change, as JSON text (storedMetadata); '' for a void. */
  metadata: string;
  requested_by: string;
  reason: string;
  /** ClickHouse DateTime64 text. */
  requested_at: string;
  /** Position on `events` (a UInt64 as text): an event's rows all lie in its partition, in this order. */
  source_offset: string;
}

/** An audit row with the event's metadata before and after it (JSON text; null: none, or voided). */
export interface AuditStep {
  row: AuditRow;
  before: string | null;
  after: string | null;
}

/** What an event is now, from its original metadata and its history (oldest first). */
export interface EventState {
  status: 'active' | 'voided';
  /** The metadata after the latest amend, else the original (JSON text). */
  metadata: string;
  history: AuditStep[];
}

/**
 * The metadata as the events table and the audit trail store it: JSON whose numbers are JSON numbers
 * only when JavaScript reads them back exactly (metadataToJson), so JSON.parse of it loses no digit.
 */
export function storedMetadata(metadata: Record<string, MetadataValue>): string {
  return JSON.stringify(metadataToJson(metadata));
}

/** The audit row's metadata of a change: '' for a void (the event no longer counts), else the metadata after it. */
export function auditMetadata(kind: AuditKind, metadata: Record<string, MetadataValue>): string {
  return kind === 'void' ? '' : storedMetadata(metadata);
}

/**
 * True when two stored metadata texts (storedMetadata, or '' for a void) hold the same keys and values,
 * whatever the order of their keys.
 */
export function sameMetadataText(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === '' || b === '') return false;
  return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
}

function canonical(value: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(value).sort().map((key) => [key, value[key]]));
}

/**
 * Each row of an event's history (ordered by source_offset) with the metadata before and after it:
 * before is the previous row's after, or the event's original metadata for its first row (`original`,
 * null when the event is not stored); a backfill row has no before (it is the event's arrival); after is
 * the row's metadata, null for a void.
 */
export function auditSteps(original: string | null, rows: readonly AuditRow[]): AuditStep[] {
  let current: string | null = original;
  return rows.map((row) => {
    const after = row.kind === 'void' ? null : row.metadata;
    const step = { row, before: row.kind === 'backfill' ? null : current, after };
    current = after;
    return step;
  });
}

/**
 * An event's state: voided when its latest correction (void or amend) is a void; its metadata is the
 * latest amend's, else the original; with its history, oldest first.
 */
export function eventState(original: string, rows: readonly AuditRow[]): EventState {
  let status: EventState['status'] = 'active';
  let metadata = original;
  for (const row of rows) {
    if (row.kind === 'void') status = 'voided';
    else if (row.kind === 'amend') {
      status = 'active';
      metadata = row.metadata;
    }
  }
  return { status, metadata, history: auditSteps(original, rows) };
}
