import type { FastifyInstance } from 'fastify';
import type { CorrectionItem, CorrectionReader, CorrectionScope } from '@meterstream/common';
import type { CorrectionKind } from '@meterstream/domain';
import type { EventCorrections } from '../event-corrections';
import { installJsonBodyParser } from '../json-body';
import { pageWindow, type PageQuery } from '../pagination';
import { parseStoredMetadata } from './stored-metadata';

interface CorrectionListQuery extends PageQuery {
  customer_id?: string;
  event_id?: string;
  correction_id?: string;
  kind?: string;
}

/**
 * Corrections of accepted events (docs/corrections.md): void and amend (admin), each one record on
 * `events` answered once Kafka acknowledged it (EventCorrections), and the audit trail (read).
 */
export function registerCorrectionRoutes(app: FastifyInstance, corrections: EventCorrections, audit: CorrectionReader): void {
  app.register(async (writes) => {
    // An amend's metadata keeps every digit, as ingest's does.
    installJsonBodyParser(writes, 'exact');
    for (const kind of ['void', 'amend'] as const satisfies readonly CorrectionKind[]) {
      writes.post<{ Params: { event_id: string } }>(`/events/:event_id/${kind}`, { config: { scope: 'admin' } }, async (request) =>
        corrections.apply(kind, request.params.event_id, request.body, request.apiKey?.id ?? null),
      );
    }
  });

  app.get<{ Querystring: CorrectionListQuery }>('/corrections', { config: { scope: 'read' } }, async (request) => {
    const q = request.query;
    const { size, offset } = pageWindow(q);
    const scope: CorrectionScope = { customerId: q.customer_id || undefined, eventId: q.event_id || undefined, correctionId: q.correction_id || undefined, kind: q.kind || undefined };
    return { items: (await audit.page(scope, size, offset)).map(show) };
  });
}

function show({ row, before, after }: CorrectionItem) {
  return {
    correction_id: row.correction_id,
    kind: row.kind,
    customer_id: row.customer_id,
    event_id: row.event_id,
    event_name: row.event_name,
    timestamp: new Date(row.timestamp).toISOString(),
    before: before === null ? null : parseStoredMetadata(before),
    after: after === null ? null : parseStoredMetadata(after),
    requested_by: row.requested_by || null,
    reason: row.reason || null,
    requested_at: new Date(row.requested_at).toISOString(),
  };
}
