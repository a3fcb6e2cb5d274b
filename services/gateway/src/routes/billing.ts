import type { FastifyInstance } from 'fastify';
import { MeterstreamError, parseIsoTime, type Invoice } from '@meterstream/common';

export interface BillingPort {
  closePeriod(request: { subscriptionId: string; periodStart: number; periodEnd: number }): Promise<Invoice>;
}

interface CloseBody {
  subscription_id?: string;
  period_start?: string;
  period_end?: string;
}

/** Closes one subscription's period on demand and returns its invoice (admin operation). */
export function registerBillingRoutes(app: FastifyInstance, billing: BillingPort): void {
  app.post<{ Body: CloseBody }>('/billing/close', { config: { scope: 'admin' } }, async (request) => {
    const body = request.body ?? {};
    const start = body.period_start ? parseIsoTime(body.period_start) : undefined;
    const end = body.period_end ? parseIsoTime(body.period_end) : undefined;
    const problems: { field: string; message: string }[] = [];
    if (!body.subscription_id) problems.push({ field: 'subscription_id', message: 'required' });
    if (start === undefined) problems.push({ field: 'period_start', message: 'required ISO 8601 date-time' });
    if (end === undefined) problems.push({ field: 'period_end', message: 'required ISO 8601 date-time' });
    if (start !== undefined && end !== undefined && end <= start) problems.push({ field: 'period_end', message: 'must be after period_start' });
    if (problems.length > 0) throw new MeterstreamError('VALIDATION_FAILED', 'invalid close request', problems);
    return billing.closePeriod({ subscriptionId: body.subscription_id!, periodStart: start!, periodEnd: end! });
  });
}
