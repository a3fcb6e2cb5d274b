import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, type MeterstreamConfig } from '@meterstream/common';
import { runMeterRouter } from './run-router';

/** Messages between the router thread and the thread that started it (startRouterThread). */
export type RouterThreadMessage = { type: 'started' } | { type: 'failed'; error: string } | { type: 'stop' } | { type: 'stopped' };

// The meter-router on a thread of its own (see startRouterThread): its Kafka clients, its catalog
// reader and its event loop, on the same configuration as the process that started it.
const config = (workerData as { config: MeterstreamConfig }).config;
const logger = createLogger(config.logLevel, 'meterstream').child({ service: 'meter-router' });
const port = parentPort!;
const send = (message: RouterThreadMessage) => port.postMessage(message);

(async () => {
  const stop = await runMeterRouter(config, logger);
  port.on('message', (message: RouterThreadMessage) => {
    if (message.type !== 'stop') return;
    stop()
      .catch((err) => logger.error({ err }, 'router thread: stop failed'))
      .finally(() => {
        send({ type: 'stopped' });
        port.close();
      });
  });
  send({ type: 'started' });
})().catch((err: Error) => send({ type: 'failed', error: err.stack ?? String(err) }));
