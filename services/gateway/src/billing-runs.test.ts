import type { Invoice } from '@meterstream/domain';
import { BillingRuns } from './billing-runs';

/** A tick whose runs the test finishes by hand, in order. */
function manualTick() {
  const pending: { resolve(invoices: Invoice[]): void; reject(err: Error): void }[] = [];
  const tick = () => new Promise<Invoice[]>((resolve, reject) => pending.push({ resolve, reject }));
  return { tick, pending };
}
const invoice = (id: string) => ({ id }) as Invoice;
const flush = () => new Promise((r) => setImmediate(r));

describe('BillingRuns', () => {
  it('runs one close at a time, queues one behind it, and gives later requests the queued one', async () => {
    const { tick, pending } = manualTick();
    const runs = new BillingRuns(tick);
    const first = runs.request(1000);
    expect(first.view).toMatchObject({ status: 'running', requested_at: '1970-01-01T00:00:01.000Z' });
    const second = runs.request(2000);
    const third = runs.request(3000);
    expect(second.view.status).toBe('queued');
    expect(third).toBe(second);
    expect(pending).toHaveLength(1); // only the first tick started

    pending[0].resolve([invoice('inv_1')]);
    await first.done;
    await flush();
    expect(runs.get(first.view.run_id)).toMatchObject({ status: 'completed', invoices: [{ id: 'inv_1' }], finished_at: expect.any(String) });
    expect(second.view.status).toBe('running');
    expect(pending).toHaveLength(2);

    pending[1].reject(new Error('ClickHouse down'));
    await second.done;
    expect(runs.get(second.view.run_id)).toMatchObject({ status: 'failed', error: 'ClickHouse down' });
    expect(second.failure).toBeInstanceOf(Error);
    // Nothing running: the next request starts at once.
    expect(runs.request(4000).view.status).toBe('running');
    expect(pending).toHaveLength(3);
    expect(runs.get('run_unknown')).toBeUndefined();
  });

  it('keeps the latest 100 runs', async () => {
    const runs = new BillingRuns(async () => []);
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const run = runs.request(i);
      ids.push(run.view.run_id);
      await run.done;
    }
    expect(runs.get(ids[0])).toBeUndefined();
    expect(runs.get(ids[19])).toBeUndefined();
    expect(runs.get(ids[20])).toMatchObject({ status: 'completed' });
    expect(runs.get(ids[119])).toMatchObject({ status: 'completed', invoices: [] });
  });
});
