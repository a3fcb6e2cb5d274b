import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HealthCheck, HealthProblem, Logger, MeterstreamConfig, MetricsJson } from '@meterstream/common';
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
/** How long the parent waits for the thread's metrics or health answer. */
const ASK_TIMEOUT_MS = 1000;

export interface RouterThread {
  stop(): Promise<void>;
  /** The thread's metrics registry as JSON, for the parent's /metrics (Metrics.addSource). */
  metrics(): Promise<MetricsJson>;
  /** The thread's health (records it sent to the DLQ lately); an error while no thread runs. */
  health: HealthCheck;
}

/**
 * Runs the meter-router on a worker thread of this process, so that in the standalone mode routing
 * (decode, filters, Kafka transactions) does not share one event loop with the gateway and the
 * aggregator. The thread connects on its own (connectPlatform) with the same configuration. Resolves
 * once the router has started; a thread that dies afterwards is started again. `stop()` stops the
 * router cleanly (its last transaction committed or aborted) and ends the thread. `metrics()` and
 * `health` ask the running thread over its message port.
 */
export async function startRouterThread(config: MeterstreamConfig, logger: Logger): Promise<RouterThread> {
  let stopping = false;
  let current: Worker | undefined;
  let nextId = 0;
  const waiting = new Map<number, (message: RouterThreadMessage) => void>();

  const ask = (type: 'metrics' | 'health'): Promise<RouterThreadMessage> => {
    const worker = current;
    if (!worker) return Promise.reject(new Error('the meter-router thread is not running'));
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the meter-router thread did not answer within ${ASK_TIMEOUT_MS} ms`));
      }, ASK_TIMEOUT_MS);
      waiting.set(id, (message) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(message);
      });
      worker.postMessage({ type, id } satisfies RouterThreadMessage);
    });
  };

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
        } else if (message.type === 'metrics-answer' || message.type === 'health-answer') {
          waiting.get(message.id)?.(message);
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
    async metrics() {
      const answer = await ask('metrics');
      return answer.type === 'metrics-answer' ? answer.metrics : [];
    },
    health: {
      name: 'meter-router',
      async problems(): Promise<HealthProblem[]> {
        try {
          const answer = await ask('health');
          return answer.type === 'health-answer' ? answer.problems : [];
        } catch (err) {
          return [{ check: 'meter-router', severity: 'error', reason: (err as Error).message }];
        }
      },
    },
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
