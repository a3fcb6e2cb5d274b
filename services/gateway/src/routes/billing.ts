import type { FastifyInstance } from 'fastify';
import type { Invoice } from '@meterstream/domain';

export interface BillingPort {
  /** Closes every period that is due now (what the scheduler does every BILLING_TICK_MS). */
  tick(now?: number): Promise<Invoice[]>;
}

/** Runs a period close now instead of waiting for the next scheduler tick (admin operation). */
export function registerBillingRoutes(app: FastifyInstance, billing: BillingPort): void {
  app.post('/billing/run', { config: { scope: 'admin' } }, async () => ({ invoices: await billing.tick() }));
}
