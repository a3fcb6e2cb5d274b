import type { FastifyInstance } from 'fastify';
import type { CatalogLog } from '@meterstream/common';
import { newMeterId } from '../catalog-records';
import { MeterstreamError, validateMeterInput, type Meter } from '@meterstream/domain';
import { pageOf, type PageQuery } from '../pagination';

export interface MeterCatalog {
  catalog: CatalogLog;
  /** Creates the meter's topic and registers its schema before the meter is published. */
  provisionMeter(meter: Meter): Promise<void>;
}

/**
 * Dodo Payments' meters API: create, list (archived filter), retrieve, archive, unarchive. A meter is
 * never updated in place (a changed meter is a new meter). A created meter applies to every event
 * accepted after the create call returned.
 */
export function registerMeterRoutes(app: FastifyInstance, deps: MeterCatalog, businessId: string): void {
  const { catalog } = deps;
  const show = (meter: Meter) => ({ business_id: businessId, ...meter });
  const find = (id: string): Meter => {
    const meter = catalog.store.get('meters', id);
    if (!meter) throw new MeterstreamError('NOT_FOUND', `meter ${id} does not exist`);
    return meter;
  };

  app.post('/meters', { config: { scope: 'admin' } }, async (request) => {
    const checked = validateMeterInput(request.body, newMeterId(), new Date().toISOString());
    if (!checked.ok) throw new MeterstreamError('VALIDATION_FAILED', 'invalid meter', checked.errors);
    await deps.provisionMeter(checked.meter);
    await catalog.put('meters', checked.meter.id, checked.meter);
    return show(checked.meter);
  });

  app.get<{ Querystring: PageQuery & { archived?: string } }>('/meters', { config: { scope: 'read' } }, async (request) => {
    const { archived } = request.query;
    if (archived !== undefined && archived !== 'true' && archived !== 'false') {
      throw new MeterstreamError('VALIDATION_FAILED', 'archived must be true or false', [{ field: 'archived', message: 'must be true or false' }]);
    }
    const wanted = archived === 'true';
    const meters = catalog.store
      .list('meters')
      .filter((m) => m.archived === wanted)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    return pageOf(meters.map(show), request.query);
  });

  app.get<{ Params: { id: string } }>('/meters/:id', { config: { scope: 'read' } }, async (request) => show(find(request.params.id)));

  const setArchived = (archived: boolean) => async (request: { params: { id: string } }, reply: { status(code: number): { send(): unknown } }) => {
    const meter = find(request.params.id);
    if (meter.archived !== archived) {
      await catalog.put('meters', meter.id, { ...meter, archived, updated_at: new Date().toISOString() });
    }
    return reply.status(204).send();
  };
  app.delete<{ Params: { id: string } }>('/meters/:id', { config: { scope: 'admin' } }, setArchived(true));
  app.post<{ Params: { id: string } }>('/meters/:id/unarchive', { config: { scope: 'admin' } }, setArchived(false));
}
