// DIR/bench-usage.json: what load-usage loaded into a data directory (the data set's parameters, timings,
// checks, sizes), written at the end of a load and read by bench-query for its report.
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetMeter } from './usage-dataset';

export const MANIFEST = 'bench-usage.json';

export interface TableSize {
  rows: number;
  bytes: number;
  uncompressed: number;
  parts: number;
}

export interface Manifest {
  /** 'loading' from the start of a load until its manifest is written. */
  state?: 'loading';
  version: 1;
  loadedAt: string;
  code: string;
  node: string;
  machine: string;
  args: { events: number; customers: number; month: string; chunk: number };
  meters: readonly DatasetMeter[];
  migrations: string[];
  loadMs: number;
  eventsMs: number;
  usageMs: number;
  /** meter_records (absent in loads made before that table existed). */
  recordsMs?: number;
  countMs: number;
  verifyMs: number;
  checks: string[];
  tables: Record<string, TableSize>;
  dirBytes: number;
  uptimeStart: string;
  uptimeEnd: string;
  /** The load-usage command line that made the data set. */
  command: string;
}

/** The manifest of a finished load in `dir`; throws with what to do when there is none. */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: load the data first, e.g. node scripts/load-usage.js --dir ${path.relative(process.cwd(), dir)}`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  if (manifest.state === 'loading') throw new Error(`${dir} holds an unfinished load: run scripts/load-usage.js again with --force`);
  return manifest;
}
