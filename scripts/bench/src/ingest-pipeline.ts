// bench-ingest's service process: `node <main>` (a service's composition root) as a child, its output
// relayed line by line, ready once GET /healthz answers.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ROOT, sleep } from './report';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Pipeline {
  child: ChildProcess;
  url: string;
  stop(): Promise<Exit>;
}

export interface PipelineOptions {
  /** The composition root, relative to the repository root (e.g. services/gateway/dist/main.js). */
  main: string;
  nodeFlags: readonly string[];
  env: Record<string, string> & { GATEWAY_PORT: string };
  profileDir?: string;
}

/** Starts `node <main>` and resolves once GET /healthz answers. */
export async function startPipeline({ main, nodeFlags, env, profileDir }: PipelineOptions): Promise<Pipeline> {
  const nodeArgs = [...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, main)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited: Exit | undefined;
  const exit = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  const relay = (stream: Readable) => {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) process.stderr.write(`  [pipeline] ${line.length > 400 ? `${line.slice(0, 400)}…` : line}\n`);
    });
  };
  relay(child.stdout);
  relay(child.stderr);
  const url = `http://127.0.0.1:${env.GATEWAY_PORT}`;
  const deadline = Date.now() + 180000;
  for (;;) {
    if (exited) throw new Error(`the pipeline process exited during start (${JSON.stringify(exited)})`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the pipeline did not answer /healthz within 180 s');
    }
    await sleep(250);
  }
  const stop = async (): Promise<Exit> => {
    if (exited) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, 60000);
    const result = await exit;
    clearTimeout(timer);
    return result;
  };
  return { child, url, stop };
}
