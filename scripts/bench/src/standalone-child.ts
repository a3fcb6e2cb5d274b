// The standalone process (services/standalone/dist/main.js: all four services, embedded ClickHouse) as
// a child of a benchmark, on topics, a data directory, a port and an admin key of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as report from './report';

export interface StandaloneChild {
  url: string;
  /** The ADMIN_API_KEY it accepts. */
  key: string;
  logFile: string;
  /** The running process (undefined before start() and after it exited). */
  readonly process: ChildProcess | undefined;
  /** Starts the process (again, after a kill: same topics and data). */
  start(): void;
  /** Sends the signal and waits until the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Waits for GET /readyz 200; returns the time it answered. */
  ready(timeoutMs: number): Promise<number>;
}

/** A standalone child on `dir` (CLICKHOUSE_DATA_DIR dir/clickhouse, log dir/standalone.log); not started.
 *  `nodeArgs`: flags for its node, e.g. `--cpu-prof`. */
export async function standaloneChild(name: string, dir: string, catalogFile: string, nodeArgs: readonly string[] = []): Promise<StandaloneChild> {
  const port = await report.freePort();
  const url = `http://127.0.0.1:${port}`;
  const key = `msk_${randomBytes(32).toString('base64url')}`;
  const env = {
    ...process.env,
    TOPIC_PREFIX: `${name}${Date.now().toString(36)}.`,
    CLICKHOUSE_DATA_DIR: path.join(dir, 'clickhouse'),
    CATALOG_FILE: catalogFile,
    GATEWAY_PORT: String(port),
    ADMIN_API_KEY: key,
    LOG_LEVEL: 'warn',
  };
  const logFile = path.join(dir, 'standalone.log');
  let child: ChildProcess | undefined;
  return {
    url,
    key,
    logFile,
    get process() {
      return child;
    },
    start() {
      const fd = fs.openSync(logFile, 'a');
      child = spawn(process.execPath, [...nodeArgs, path.join(report.ROOT, 'services', 'standalone', 'dist', 'main.js')], { cwd: report.ROOT, env, stdio: ['ignore', fd, fd] });
      fs.closeSync(fd);
    },
    async kill(signal) {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill(signal);
      await exited;
    },
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        const status = await fetch(`${url}/readyz`).then(
          async (r) => {
            last = await r.text();
            return r.status;
          },
          () => 0,
        );
        if (status === 200) return Date.now();
        if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms (last /readyz: ${last || 'no answer'}); log: ${logFile}`);
        await report.sleep(50);
      }
    },
  };
}
