import type { EventRef } from '@meterstream/domain';
import type { BuiltQuery } from './usage-queries';
import { LIST_QUERY_SETTINGS, whereGiven } from './optional-filters';

/** The audit trail of corrections and backfills (infra/clickhouse/008_corrections.sql), written by the raw event sink. */
export const CORRECTIONS_TABLE = 'event_corrections';

/** The kinds whose ids count once per customer on the `events` topic (the router's correctionKey). */
const CORRECTION_KINDS = ['void', 'amend'];

export interface CorrectionScope {
  customerId?: string;
  eventId?: string;
  correctionId?: string;
  kind?: string;
}

/** One row of the audit trail as the queries below read it (times ISO text, offsets decimal text). */
export interface CorrectionRow {
  correction_id: string;
  kind: string;
  customer_id: string;
  event_id: string;
  event_name: string;
  timestamp: string;
  metadata: string;
  requested_by: string;
  reason: string;
  requested_at: string;
  source_offset: string;
}

const COLUMNS = 'correction_id, kind, customer_id, event_id, event_name, timestamp, metadata, requested_by, reason, requested_at, source_offset';

/**
 * The (customer_id, correction_id) pairs of voids and amends the audit trail holds among candidates: two
 * bound arrays (the primary key starts with customer_id, the bloom filter serves correction_id); the
 * caller keeps the exact pairs.
 */
export function knownCorrectionsQuery(refs: readonly { customer_id: string; correction_id: string }[]): BuiltQuery {
  return {
    query: `SELECT DISTINCT customer_id, correction_id FROM ${CORRECTIONS_TABLE} WHERE customer_id IN {customers:Array(String)} AND correction_id IN {ids:Array(String)} AND kind IN {kinds:Array(String)}`,
    params: { customers: [...new Set(refs.map((r) => r.customer_id))], ids: [...new Set(refs.map((r) => r.correction_id))], kinds: CORRECTION_KINDS },
  };
}

/**
 * A row of this customer's correction id (a void or amend first, else a backfill batch of that id), at
 * most one.
 */
export function correctionByIdQuery(customerId: string, correctionId: string): BuiltQuery {
  return {
    query: `SELECT ${COLUMNS} FROM ${CORRECTIONS_TABLE} FINAL WHERE customer_id = {customer_id:String} AND correction_id = {correction_id:String}
ORDER BY kind IN {kinds:Array(String)} DESC, source_offset ASC LIMIT 1`,
    params: { customer_id: customerId, correction_id: correctionId, kinds: CORRECTION_KINDS },
  };
}

/**
 * The histories of these events (customer_id, event_id), oldest first per event (an event's rows all
 * lie in one partition of `events`, in offset order): two bound arrays, by primary key; the caller keeps
 * the exact pairs.
 */
export function eventHistoriesQuery(events: readonly EventRef[]): BuiltQuery {
  return {
    query: `SELECT ${COLUMNS} FROM ${CORRECTIONS_TABLE} FINAL WHERE customer_id IN {customers:Array(String)} AND event_id IN {ids:Array(String)}
ORDER BY customer_id, event_id, source_offset, correction_id`,
    params: { customers: [...new Set(events.map((e) => e.customer_id))], ids: [...new Set(events.map((e) => e.event_id))] },
  };
}

/**
 * A page of the audit trail, newest first (by request time, then position), one row per (customer,
 * event, correction): the table deduplicates at merge time, LIMIT 1 BY does it at read time.
 */
export function correctionsPageQuery(scope: CorrectionScope, limit: number, offset: number): BuiltQuery {
  const params: BuiltQuery['params'] = { limit, offset };
  const where = whereGiven(
    [
      { sql: 'customer_id = {customer_id:String}', param: 'customer_id', value: scope.customerId },
      { sql: 'event_id = {event_id:String}', param: 'event_id', value: scope.eventId },
      { sql: 'correction_id = {correction_id:String}', param: 'correction_id', value: scope.correctionId },
      { sql: 'kind = {kind:String}', param: 'kind', value: scope.kind },
    ],
    params,
  );
  return {
    query: `SELECT ${COLUMNS} FROM ${CORRECTIONS_TABLE}${where}
ORDER BY requested_at DESC, source_offset DESC, customer_id ASC, event_id ASC, correction_id ASC
LIMIT 1 BY customer_id, event_id, correction_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
${LIST_QUERY_SETTINGS}`,
    params,
  };
}
