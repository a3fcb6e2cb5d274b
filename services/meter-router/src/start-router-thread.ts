import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger, MeterstreamConfig } from '@meterstream/common';
import type { RouterThreadMessage } from './router-thread';

/** The compiled thread entry (dist/router-thread.js), also when this module runs from src under a test runner. */
const THREAD_ENTRY = path.resolve(__dirname, '../dist/router-thread.js');
const RESTART_DELAY_MS = 1000;
/**
 * How long a stopping router may take (a transaction in flight, disconnects) before its thread is ended:
 * short enough for the standalone to stop within 10 s; an open transaction is then aborted by Kafka
 * (or fenced at the next start), so nothing is applied twice.
 */
const STOP_TIMEOUT_MS = 3000;

/**
 * Runs the meter-router on a worker thread of this process, so that in the standalone mode routing
 * (decode, filters, Kafka transactions) does not share one event loop with the gateway and the
 * aggregator. The thread connects on its own (connectPlatform) with the same configuration. Resolves
 * once the router has started; a thread that dies afterwards is started again. `stop()` stops the
 * router cleanly (its last transaction committed or aborted) and ends the thread.
 */
export async function startRouterThread(config: MeterstreamConfig, logger: Logger): Promise<{ stop(): Promise<void> }> {
  let stopping = false;
  let current: Worker | undefined;

  const spawn = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(THREAD_ENTRY, { workerData: { config } });
      let started = false;
      worker.on('message', (message: RouterThreadMessage) => {
        if (message.type === 'started') {
          started = true;
          current = worker;
          resolve(worker);
        } else if (message.type === 'failed') {
          reject(new Error(`meter-router thread failed to start: ${message.error}`));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => {
        logger.error({ err }, 'meter-router thread crashed');
        if (!started) reject(err);
      });
      worker.on('exit', (code) => {
        if (current === worker) current = undefined;
        if (!started || stopping) return;
        logger.error({ code }, 'meter-router thread ended unexpectedly; starting it again');
        respawn();
      });
    });
  const respawn = (): void => {
    setTimeout(() => {
      if (stopping) return;
      spawn().catch((err) => {
        logger.error({ err }, 'meter-router thread could not be started again; trying again');
        respawn();
      });
    }, RESTART_DELAY_MS);
  };

  await spawn();
  return {
    async stop() {
      stopping = true;
      const worker = current;
      if (!worker) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        worker.postMessage({ type: 'stop' } satisfies RouterThreadMessage);
      });
    },
  };
}
