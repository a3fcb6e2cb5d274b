import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, dlqCheck, type HealthProblem, type MeterstreamConfig, type MetricsJson } from '@meterstream/common';
import { runMeterRouter } from './run-router';

/** Messages between the router thread and the thread that started it (startRouterThread). */
export type RouterThreadMessage =
  | { type: 'started' }
  | { type: 'failed'; error: string }
  | { type: 'stop' }
  | { type: 'stopped' }
  /** The parent asks for the thread's metrics (its registry as JSON) or its health problems. */
  | { type: 'metrics' | 'health'; id: number }
  | { type: 'metrics-answer'; id: number; metrics: MetricsJson }
  | { type: 'health-answer'; id: number; problems: HealthProblem[] };

// The meter-router on a thread of its own (see startRouterThread): its Kafka clients, its catalog
// reader and its event loop, on the same configuration as the process that started it. Its metrics
// live in this thread's registry; the parent asks for them at each scrape.
const config = (workerData as { config: MeterstreamConfig }).config;
const logger = createLogger(config.logLevel, 'meterstream').child({ service: 'meter-router' });
const port = parentPort!;
const send = (message: RouterThreadMessage) => port.postMessage(message);

(async () => {
  const router = await runMeterRouter(config, logger);
  const { metrics } = router.platform;
  const dlq = dlqCheck(metrics);
  port.on('message', (message: RouterThreadMessage) => {
    if (message.type === 'metrics') {
      metrics.json().then(
        (json) => send({ type: 'metrics-answer', id: message.id, metrics: json }),
        (err) => logger.warn({ err }, 'router thread: metrics failed'),
      );
    } else if (message.type === 'health') {
      Promise.resolve(dlq.problems()).then((problems) => send({ type: 'health-answer', id: message.id, problems }));
    } else if (message.type === 'stop') {
      router
        .stop()
        .catch((err) => logger.error({ err }, 'router thread: stop failed'))
        .finally(() => {
          send({ type: 'stopped' });
          port.close();
        });
    }
  });
  send({ type: 'started' });
})().catch((err: Error) => send({ type: 'failed', error: err.stack ?? String(err) }));
