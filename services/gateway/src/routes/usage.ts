import type { FastifyInstance } from 'fastify';
import { USAGE_WINDOWS, type UsageReader, type UsageWindow } from '@meterstream/common';
import { MeterstreamError, parseIsoTime, type CatalogView } from '@meterstream/domain';

interface UsageQuery {
  customer_id?: string;
  meter_id?: string;
  start?: string;
  end?: string;
  window?: string;
  time_zone?: string;
}

/** Real-time usage of one meter for one customer, merged from the aggregator's windowed totals. */
export function registerUsageRoutes(app: FastifyInstance, usage: UsageReader, catalog: CatalogView): void {
  app.get<{ Querystring: UsageQuery }>('/usage', { config: { scope: 'read' } }, async (request) => {
    const q = request.query;
    const problems: { field: string; message: string }[] = [];
    if (!q.customer_id) problems.push({ field: 'customer_id', message: 'required' });
    if (!q.meter_id) problems.push({ field: 'meter_id', message: 'required' });
    const start = q.start ? parseIsoTime(q.start) : undefined;
    const end = q.end ? parseIsoTime(q.end) : Date.now();
    if (start === undefined) problems.push({ field: 'start', message: 'required ISO 8601 date-time' });
    if (end === undefined) problems.push({ field: 'end', message: 'must be an ISO 8601 date-time' });
    const window = (q.window ?? 'minute') as UsageWindow;
    if (!USAGE_WINDOWS.includes(window)) problems.push({ field: 'window', message: `one of ${USAGE_WINDOWS.join(', ')}` });
    if (problems.length > 0) throw new MeterstreamError('VALIDATION_FAILED', 'invalid usage query', problems);
    // The schema took an IANA name (isTimeZone); ClickHouse must know it too.
    if (q.time_zone !== undefined && !(await usage.knowsTimeZone(q.time_zone))) {
      throw new MeterstreamError('VALIDATION_FAILED', 'unknown time zone', [{ field: 'time_zone', message: `ClickHouse does not know the time zone ${q.time_zone}` }]);
    }
    const meter = catalog.get('meters', q.meter_id!);
    if (!meter) throw new MeterstreamError('UNKNOWN_METER', `meter ${q.meter_id} does not exist`);

    const scope = { meterId: meter.id, aggregation: meter.aggregation.type, customerId: q.customer_id!, start: start!, end: end! };
    const [total, windows] = await Promise.all([usage.total(scope), usage.windows(scope, window, q.time_zone ?? 'UTC')]);
    return {
      meter_id: meter.id,
      customer_id: q.customer_id,
      start: new Date(start!).toISOString(),
      end: new Date(end!).toISOString(),
      window,
      total,
      windows: windows.map((w) => ({ start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString(), value: w.value })),
    };
  });
}
