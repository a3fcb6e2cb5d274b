import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../..');

export type ServiceName = 'gateway' | 'meter-router' | 'aggregator' | 'billing' | 'standalone';

/**
 * One service running as its own process (`node services/<name>/dist/main.js`; `standalone`: all four), so
 * that a test can kill it the hard way. Output of every incarnation is appended to one log file.
 */
export class ChildService {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** How each incarnation ended, in order: exit code or signal. */
  readonly exits: string[] = [];

  constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts a new incarnation; the previous one must have ended. */
  start(): void {
    if (this.child) throw new Error(`${this.name} is already running (pid ${this.child.pid})`);
    const fd = fs.openSync(this.logFile, 'a');
    fs.writeSync(fd, `\n----- ${new Date().toISOString()} start ${this.name} -----\n`);
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'services', this.name, 'dist', 'main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exits.push(signal ?? `exit ${code}`);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
  }

  /** Sends `signal` (SIGKILL by default: no shutdown hook runs) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await this.exited;
  }

  /** The log file's content, for failure messages. */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }
}
