import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../..');
const STACK_SCRIPT = path.join(REPO_ROOT, 'infra', 'stack.sh');

/**
 * A single-node KRaft broker of one test's own (infra/stack.sh start-kafka / stop-kafka with a STACK_DIR
 * and ports of its own), so that the test can stop and restart it without touching the shared stack.
 * Start and stop run asynchronously (the test's producer and timers keep running meanwhile). It needs
 * bash, Java 17+ and Maven, whatever KAFKA_BROKERS says.
 */
export class RestartableBroker {
  readonly brokers: string;
  /** How long each start and stop took, in order, in milliseconds. */
  readonly starts: number[] = [];
  readonly stops: number[] = [];

  constructor(
    readonly stackDir: string,
    readonly port: number,
    readonly controllerPort: number,
  ) {
    this.brokers = `127.0.0.1:${port}`;
  }

  /** Throws a message naming what is missing when this machine cannot run a broker of its own. */
  static preflight(): void {
    const missing: string[] = [];
    for (const [tool, args] of [
      ['bash', ['--version']],
      ['java', ['-version']],
      ['mvn', ['-v']],
    ] as const) {
      const result = spawnSync(tool, [...args], { stdio: 'ignore', timeout: 60_000 });
      if (result.error || result.status !== 0) missing.push(tool);
    }
    if (missing.length > 0) {
      throw new Error(
        'this test runs a Kafka broker of its own (infra/stack.sh start-kafka) so that it can restart it; that needs ' +
          `bash, Java 17+ and Maven on PATH, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`,
      );
    }
  }

  /**
   * `preferred` and the next port when nobody listens on them, else a free pair from 29100-29899 (another
   * run of the same test, e.g. a parallel `npm test`, may hold the preferred pair).
   */
  static choosePorts(preferred: number): { port: number; controllerPort: number } {
    const listening = (port: number) => spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: 'ignore', timeout: 5000 }).status === 0;
    const candidates = [preferred, ...Array.from({ length: 30 }, () => 29100 + 2 * Math.floor(Math.random() * 400))];
    for (const port of candidates) if (!listening(port) && !listening(port + 1)) return { port, controllerPort: port + 1 };
    throw new Error(`no free pair of ports for a dedicated Kafka broker (tried ${candidates.join(', ')})`);
  }

  /** Starts the broker (fetching and formatting it the first time); resolves once it is ready. */
  async start(): Promise<number> {
    this.seedLibs();
    const ms = await this.run('start-kafka');
    this.starts.push(ms);
    return ms;
  }

  /** Stops the broker: SIGTERM (a clean shutdown), SIGKILL after 30 s. */
  async stop(): Promise<number> {
    const ms = await this.run('stop-kafka');
    this.stops.push(ms);
    return ms;
  }

  get logFile(): string {
    return path.join(this.stackDir, 'kafka', 'logs', 'server.log');
  }

  /**
   * The broker jars are the same in every stack directory: when the repository's own stack has them
   * (<repo>/.stack/kafka/libs, marked complete), copy them rather than resolving them through Maven again.
   */
  private seedLibs(): void {
    const target = path.join(this.stackDir, 'kafka', 'libs');
    const source = path.join(REPO_ROOT, '.stack', 'kafka', 'libs');
    if (fs.existsSync(path.join(target, '.complete')) || !fs.existsSync(path.join(source, '.complete'))) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(source, target, { recursive: true });
  }

  private run(command: 'start-kafka' | 'stop-kafka'): Promise<number> {
    const started = Date.now();
    const env = { ...process.env, STACK_DIR: this.stackDir, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort) };
    return new Promise((resolve, reject) => {
      execFile('bash', [STACK_SCRIPT, command], { cwd: REPO_ROOT, env, timeout: 300_000 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`infra/stack.sh ${command} (STACK_DIR=${this.stackDir}, KAFKA_PORT=${this.port}) failed: ${err.message}\n${stderr}`));
        else resolve(Date.now() - started);
      });
    });
  }
}
