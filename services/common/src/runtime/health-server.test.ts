import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { startHealthServer } from './health-server';
import { Metrics } from './metrics';

describe('startHealthServer', () => {
  it('serves nothing without HEALTH_PORT', async () => {
    const server = await startHealthServer(loadConfig({}), createLogger('silent', 'test'), [], new Metrics({ processMetrics: false }));
    expect(server.url).toBeUndefined();
    await server.stop();
  });

  it('serves /healthz, /readyz (503 with the reasons) and /metrics on HEALTH_PORT', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.invoicesIssued.inc(3);
    const problem = { check: 'clickhouse', severity: 'error' as const, reason: 'ClickHouse unreachable: ECONNREFUSED' };
    const server = await startHealthServer(loadConfig({ HEALTH_PORT: '0' }), createLogger('silent', 'test'), [{ name: 'clickhouse', problems: () => [problem] }], metrics);
    try {
      const get = async (path: string) => {
        const res = await fetch(`${server.url}${path}`);
        return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
      };
      expect(await get('/healthz')).toEqual({ status: 200, type: 'application/json', body: '{"status":"ok"}' });
      const ready = await get('/readyz');
      expect([ready.status, JSON.parse(ready.body)]).toEqual([503, { status: 'error', reasons: [problem] }]);
      const scraped = await get('/metrics');
      expect([scraped.status, scraped.type]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
      expect(scraped.body).toMatch(/^meterstream_invoices_issued_total 3$/m);
      expect((await get('/other')).status).toBe(404);
      expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.stop();
    }
  });
});
