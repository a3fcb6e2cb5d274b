import type { Invoice } from '@meterstream/domain';

/** What a period close run (POST /billing/run) is doing or did. */
export interface BillingRunView {
  run_id: string;
  /** queued: waits for the run before it; running; completed (with its invoices); failed (with why). */
  status: 'queued' | 'running' | 'completed' | 'failed';
  requested_at: string;
  finished_at?: string;
  invoices?: Invoice[];
  error?: string;
}

interface Run {
  view: BillingRunView;
  /** Settles when the run has finished (never rejects). */
  done: Promise<void>;
  resolveDone(): void;
  /** Why it failed, as thrown. */
  failure?: unknown;
}

/** Runs kept for GET /billing/runs/{id}, newest last. */
const KEPT_RUNS = 100;

/**
 * Period close runs requested over HTTP, at most one running and one queued: a request while a run is
 * running queues one run (it closes what is due when it starts); requests while one is queued get that
 * one. Requests that pile up while the pipeline lags therefore cost one run, not one each.
 */
export class BillingRuns {
  private readonly runs = new Map<string, Run>();
  private running: Run | undefined;
  private queued: Run | undefined;
  private sequence = 0;

  constructor(private readonly tick: () => Promise<Invoice[]>) {}

  /** The run that will close what is due now: a new one, or the one already queued. */
  request(now = Date.now()): { view: BillingRunView; done: Promise<void>; readonly failure?: unknown } {
    if (this.queued) return this.queued;
    let resolveDone = () => {};
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const run: Run = { view: { run_id: `run_${now.toString(36)}_${++this.sequence}`, status: 'queued', requested_at: new Date(now).toISOString() }, done, resolveDone };
    this.runs.set(run.view.run_id, run);
    for (const id of this.runs.keys()) {
      if (this.runs.size <= KEPT_RUNS) break;
      if (this.runs.get(id)!.view.status !== 'queued' && this.runs.get(id) !== this.running) this.runs.delete(id);
    }
    if (this.running) this.queued = run;
    else this.begin(run);
    return run;
  }

  get(runId: string): BillingRunView | undefined {
    return this.runs.get(runId)?.view;
  }

  private begin(run: Run): void {
    this.running = run;
    run.view.status = 'running';
    this.tick().then(
      (invoices) => Object.assign(run.view, { status: 'completed', invoices }),
      (err: Error) => {
        run.failure = err;
        Object.assign(run.view, { status: 'failed', error: err.message });
      },
    ).finally(() => {
      run.view.finished_at = new Date().toISOString();
      run.resolveDone();
      this.running = undefined;
      const next = this.queued;
      this.queued = undefined;
      if (next) this.begin(next);
    });
  }
}
