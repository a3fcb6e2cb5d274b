import type { FastifyInstance } from 'fastify';
import { settledWithin } from '@meterstream/common';
import { MeterstreamError, type Invoice } from '@meterstream/domain';
import { BillingRuns } from '../billing-runs';

export interface BillingPort {
  /** Closes every period that is due now (what the scheduler does every BILLING_TICK_MS). */
  tick(now?: number): Promise<Invoice[]>;
}

/**
 * How long POST /billing/run waits for its run before answering 202: the request answers within 2 s
 * whatever the pipeline does (a close waits for lagging meters up to BILLING_CATCH_UP_TIMEOUT_MS).
 */
export const BILLING_RUN_WAIT_MS = 1500;

/**
 * Runs a period close now instead of waiting for the next scheduler tick (admin operation). Answers
 * 200 with the run and its invoices when it finished within BILLING_RUN_WAIT_MS, else 202 with the
 * run still going: GET /billing/runs/{run_id} tells when it is done and what it issued.
 */
export function registerBillingRoutes(app: FastifyInstance, billing: BillingPort): void {
  const runs = new BillingRuns(() => billing.tick());
  app.post('/billing/run', { config: { scope: 'admin' } }, async (_request, reply) => {
    const run = runs.request();
    await settledWithin(run.done, BILLING_RUN_WAIT_MS);
    const { view } = run;
    // A refusal with a code (SERVICE_STARTING while billing starts) keeps it; anything else is a 500.
    if (view.status === 'failed') throw run.failure instanceof MeterstreamError ? run.failure : new Error(`billing run failed: ${view.error}`);
    return reply.status(view.status === 'completed' ? 200 : 202).send(view);
  });
  app.get<{ Params: { run_id: string } }>('/billing/runs/:run_id', { config: { scope: 'admin' } }, async (request) => {
    const view = runs.get(request.params.run_id);
    if (!view) throw new MeterstreamError('NOT_FOUND', `billing run ${request.params.run_id} does not exist`);
    return view;
  });
}
