import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './pipeline';

/**
 * A Kafka broker of a test's own (infra/stack.sh with its own STACK_DIR and ports), so that the test
 * can stop and restart it without disturbing the shared stack. Needs Java and Maven, like the stack.
 */
export class DedicatedKafka {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-kafka-'));

  constructor(
    readonly port: number,
    readonly controllerPort = port + 1,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  private stack(command: 'start-kafka' | 'stop-kafka'): void {
    execFileSync('bash', [path.join(REPO_ROOT, 'infra', 'stack.sh'), command], {
      env: { ...process.env, STACK_DIR: this.dir, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_HEAP: '512m' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  start(): void {
    this.stack('start-kafka');
  }

  stop(): void {
    this.stack('stop-kafka');
  }

  remove(): void {
    this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
