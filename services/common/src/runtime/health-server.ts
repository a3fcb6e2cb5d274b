import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MeterstreamConfig } from '../config';
import type { Logger } from '../logger';
import { readiness, settledWithin, type HealthCheck } from './health';
import type { Metrics } from './metrics';

export interface HealthServer {
  /** http://host:port, or undefined when HEALTH_PORT is unset (no listener). */
  url: string | undefined;
  stop(): Promise<void>;
}

/**
 * The meter-router's, aggregator's and billing's own probe and scrape listener (node:http, no API key:
 * bind it to an internal network), on HEALTH_HOST:HEALTH_PORT; none when HEALTH_PORT is unset. The
 * same answers as the gateway's routes:
 * - `GET /healthz`: 200 `{"status":"ok"}` while the event loop answers (liveness);
 * - `GET /readyz`: readiness() of `checks`, 200 when ok, 503 when degraded or error;
 * - `GET /metrics`: the Prometheus text of `metrics`.
 */
export async function startHealthServer(config: MeterstreamConfig, logger: Logger, checks: readonly HealthCheck[], metrics: Metrics): Promise<HealthServer> {
  const { port, host } = config.health;
  if (port === undefined) return { url: undefined, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'application/json', JSON.stringify({ code: 'METHOD_NOT_ALLOWED' }));
    const answer = async () => {
      if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
      if (path === '/readyz') {
        const ready = await readiness(checks);
        return send(ready.status === 'ok' ? 200 : 503, 'application/json', JSON.stringify(ready));
      }
      if (path === '/metrics') return send(200, metrics.contentType, await metrics.text());
      return send(404, 'application/json', JSON.stringify({ code: 'NOT_FOUND', message: 'GET /healthz, /readyz or /metrics' }));
    };
    answer().catch((err) => {
      logger.error({ err, path }, 'health listener failed');
      if (!res.headersSent) send(500, 'application/json', JSON.stringify({ code: 'INTERNAL' }));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url }, 'health and metrics listener ready');
  return {
    url,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await settledWithin(closed, 1000);
    },
  };
}
