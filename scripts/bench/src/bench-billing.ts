// Billing benchmark: how long closing N subscriptions' periods takes (target: 10,000 in under 30 s).
//   node scripts/bench-billing.js [options]
//
//   --subscriptions N[,M…]  subscriptions, one due period each; several sizes run one after the other (default 10000,100000)
//   --only baseline|cut  run one of the two closes only (default: both)
//   --no-write           print the table without writing docs/benchmarks.md
//
// Run under `node --expose-gc` to take memory after a full collection (live heap, not garbage). Each close
// also prints where its memory went: heap, external, native (ClickHouse in chdb), and the RSS settled
// before, its peak during the close, at the end and settled after (chdb frees memory seconds later).
//
// Loads N customers' usage for 3 meters into an embedded ClickHouse of its own (generated inside
// ClickHouse), seeds N subscriptions with one due period each, and times one billing run: usage
// queries, pricing, Avro encoding, Kafka transactions and the ClickHouse copy. Writes the figures to
// docs/benchmarks.md between the bench-billing markers. Needs the local stack (npm run stack:up) and a
// build (npx tsc -b).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBilling } from '@meterstream/billing';
import { connectPlatform, createLogger, loadConfig, openWarehouse } from '@meterstream/common';
import type { Invoice } from '@meterstream/domain';
import { DOC, printUsage, runMain } from './report';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

/** The usage rows: N customers × 3 meters × 60 one-minute windows, generated inside ClickHouse. */
const INSERT_USAGE = `INSERT INTO meter_usage (meter_id, customer_id, window_start, window_end, record_count, value, last_timestamp, last_event_id, unique_keys, source_topic, source_partition, source_end_offset)
     SELECT ['mtr_calls', 'mtr_tokens', 'mtr_users'][(number % 3) + 1], concat('cus_', toString(intDiv(number, 3) % {n:UInt32})),
       toDateTime64({start:UInt32} + (intDiv(number, 3 * {n:UInt32}) * 60), 3, 'UTC'), toDateTime64({start:UInt32} + (intDiv(number, 3 * {n:UInt32}) * 60) + 60, 3, 'UTC'),
       1 + number % 7, toDecimal128(number % 1000, 12) / 7, toDateTime64({start:UInt32}, 3, 'UTC'), toString(number),
       [concat('u', toString(number % 13))], 'bench', 0, number + 1
     FROM numbers({rows:UInt64})`;

/**
 * The records of the window that each period's start cuts (8 per customer and meter), for the part of
 * that window inside the period: read one by one from meter_records, as billing reads every period
 * whose start is not on a window boundary.
 */
const INSERT_EDGE_RECORDS = `INSERT INTO meter_records (meter_id, customer_id, timestamp, event_id, value, unique_key, source_topic, source_partition, source_offset)
     SELECT ['mtr_calls', 'mtr_tokens', 'mtr_users'][(number % 3) + 1], concat('cus_', toString(intDiv(number, 3) % {n:UInt32})),
       toDateTime64({window_ms:UInt64} / 1000, 3, 'UTC') + toIntervalMillisecond(cityHash64(number) % 60000),
       concat('edge_', toString(number)), if(number % 3 = 1, toDecimal256(number % 1000, 12) / 7, toDecimal256(0, 12)),
       if(number % 3 = 2, concat('u', toString(number % 17)), NULL), 'bench', 0, number
     FROM numbers({rows:UInt64})`;

/** A catalog of one daily product with three priced meters and `n` subscriptions whose first period is due. */
function benchCatalog(n: number, anchor: number): object {
  const meters = [
    { id: 'mtr_calls', name: 'Calls', event_name: 'api_request', aggregation: { type: 'count' }, measurement_unit: 'calls' },
    { id: 'mtr_tokens', name: 'Tokens', event_name: 'llm', aggregation: { type: 'sum', key: 'tokens' }, measurement_unit: 'tokens' },
    { id: 'mtr_users', name: 'Users', event_name: 'api_request', aggregation: { type: 'unique_count', key: 'user_id' }, measurement_unit: 'users' },
  ];
  return {
    meters,
    products: [
      {
        product_id: 'prod_bench',
        name: 'Bench',
        price: {
          type: 'usage_based_price',
          currency: 'USD',
          fixed_price: 1000,
          payment_frequency_interval: 'Day',
          payment_frequency_count: 1,
          meters: [
            { meter_id: 'mtr_calls', price_per_unit: '0.5', free_threshold: '100' },
            { meter_id: 'mtr_tokens', price_per_unit: '0.000123456789', free_threshold: '1000' },
            { meter_id: 'mtr_users', price_per_unit: '150', free_threshold: '2', model: 'graduated', tiers: [{ up_to: '10', price_per_unit: '150' }, { up_to: null, price_per_unit: '90' }] },
          ],
        },
      },
    ],
    // Seed subscriptions pass the API's checks: their customers must exist.
    customers: Array.from({ length: n }, (_, i) => ({ customer_id: `cus_${i}`, name: `Customer ${i}`, email: `cus_${i}@bench.test` })),
    subscriptions: Array.from({ length: n }, (_, i) => ({ subscription_id: `sub_${i}`, customer_id: `cus_${i}`, product_id: 'prod_bench', start: new Date(anchor).toISOString(), status: 'active' })),
  };
}

/** Replaces the text from the start to the end marker (both included), or appends the section. */
function writeSection(section: string): void {
  const markers = /<!-- bench-billing:start -->[\s\S]*<!-- bench-billing:end -->/;
  let text = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  text = markers.test(text) ? text.replace(markers, section) : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(DOC, text);
}

interface CloseRun {
  label: string;
  invoices: number;
  seconds: number;
  loadMs: number;
  edgeRecords: number;
  rss0: number;
  rss: number;
  sampleTotal: string;
}

/**
 * The RSS once it has stopped falling (two samples 500 ms apart within 4 MiB, at most 15 s): ClickHouse
 * in chdb hands memory back to the system seconds after a load or an insert (1.2 GiB right after loading
 * 100,000 subscriptions' usage, 0.34 GiB 5 s later), so an RSS taken at once measures that timing.
 */
async function settledRss(): Promise<number> {
  let last = process.memoryUsage().rss;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 500));
    const rss = process.memoryUsage().rss;
    if (Math.abs(rss - last) < 4 * 1048576) return rss;
    last = rss;
  }
  return last;
}

/**
 * One period close of N subscriptions on a fresh data directory and topic prefix. `offsetMs`: where in
 * its minute the period starts (0: on a window boundary, the baseline; otherwise the window it cuts
 * is read record by record from meter_records).
 */
async function closeOnce(N: number, offsetMs: number, label: string): Promise<CloseRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-bench-billing-'));
  const runId = `benchbill${Date.now().toString(36)}`;
  const T = Math.floor(Date.now() / 60000) * 60000;
  // One daily period, ended an hour ago.
  const anchor = T - 86400000 - 3600000 + offsetMs;
  const cutWindow = anchor - (anchor % 60000);
  fs.writeFileSync(path.join(dir, 'catalog.json'), JSON.stringify(benchCatalog(N, anchor)));
  const config = loadConfig({
    ...process.env,
    TOPIC_PREFIX: `${runId}.`,
    CATALOG_FILE: path.join(dir, 'catalog.json'),
    CLICKHOUSE_DATA_DIR: path.join(dir, 'clickhouse'),
    BILLING_GRACE_SECONDS: '0',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger('warn', 'bench-billing');
  const warehouse = await openWarehouse(config);
  const t0 = Date.now();
  const wholeFrom = offsetMs === 0 ? cutWindow : cutWindow + 60000;
  await warehouse.command(INSERT_USAGE, { n: N, start: Math.floor(wholeFrom / 1000), rows: N * 3 * 60 });
  const edgeRecords = offsetMs === 0 ? 0 : N * 3 * 8;
  if (edgeRecords > 0) await warehouse.command(INSERT_EDGE_RECORDS, { n: N, window_ms: cutWindow, rows: edgeRecords });
  const loadMs = Date.now() - t0;
  const platform = await connectPlatform(config, logger, 'bench-billing');
  // The factory the services use: its names come from the run's topic prefix.
  const billing = createBilling(config, platform, warehouse, logger);
  await billing.start({ schedule: false });
  // Under `node --expose-gc`, memory is measured after a full collection: what billing holds, not its garbage.
  const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
  collect();
  const rss0 = await settledRss();
  const before = process.memoryUsage();
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const started = Date.now();
  // The scheduler's close: invoices are counted as they commit, not kept (a run that keeps 100,000
  // invoices measures them, about 400 MiB, rather than billing's own memory).
  let sample: Invoice | undefined;
  const issued = await billing.close(undefined, (batch) => {
    sample ??= batch[0];
  });
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  collect();
  const after = process.memoryUsage();
  const rss = after.rss;
  peak = Math.max(peak, rss);
  const settled = await settledRss();
  // Where the RSS went: the JavaScript heap and buffers, or native memory (ClickHouse in chdb, mostly).
  const mib = (b: number) => Math.round(b / 1048576);
  console.log(
    `${label}: heap used ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB, heap total ${mib(before.heapTotal)} → ${mib(after.heapTotal)} MiB, ` +
      `external ${mib(before.external)} → ${mib(after.external)} MiB, other (native) ${mib(before.rss - before.heapTotal - before.external)} → ${mib(rss - after.heapTotal - after.external)} MiB; ` +
      `RSS ${mib(rss0)} settled before → ${mib(peak)} peak → ${mib(rss)} at the end → ${mib(settled)} settled after`,
  );
  await billing.stop();
  await platform.stop();
  await warehouse.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { label, invoices: issued, seconds, loadMs, edgeRecords, rss0, rss, sampleTotal: sample ? `${sample.total} ${sample.currency} cents` : 'none' };
}

/** `--only baseline|cut`: which closes to run (both by default). */
function onlyArg(): 'baseline' | 'cut' | undefined {
  const i = process.argv.indexOf('--only');
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value !== 'baseline' && value !== 'cut') throw new Error(`--only takes baseline or cut, not ${value}`);
  return value;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) printUsage(__filename);
  const sizesArg = process.argv.includes('--subscriptions') ? process.argv[process.argv.indexOf('--subscriptions') + 1] ?? '' : '10000,100000';
  const sizes = sizesArg.split(',').map(Number);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error(`--subscriptions takes positive whole numbers separated by commas, not "${sizesArg}"`);
  const only = onlyArg();
  const write = !process.argv.includes('--no-write');
  const loadAt = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
  const loadStart = loadAt();
  // The baseline first (periods on window boundaries), then the same close with periods cut at 12.345 s.
  const runs: (CloseRun & { n: number })[] = [];
  for (const n of sizes) {
    if (only !== 'cut') runs.push({ n, ...(await closeOnce(n, 0, 'on a window boundary (baseline)')) });
    if (only !== 'baseline') runs.push({ n, ...(await closeOnce(n, 12_345, 'cut at 12.345 s into a minute')) });
  }
  const load = loadAt();
  const mib = (b: number) => Math.round(b / 1048576);
  const table = [
    '| period start | subscriptions | invoices issued | close time | invoices/s | usage rows | RSS before → after |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (r) =>
        `| ${r.label} | ${r.n.toLocaleString('en')} | ${r.invoices.toLocaleString('en')} | ${r.seconds.toFixed(1)} s | ${Math.round(r.invoices / r.seconds).toLocaleString('en')} | ` +
        `${(r.n * 180).toLocaleString('en')} windows + ${r.edgeRecords.toLocaleString('en')} edge records (loaded in ${(r.loadMs / 1000).toFixed(1)} s) | ${mib(r.rss0)} → ${mib(r.rss)} MiB |`,
    ),
  ].join('\n');
  const section = `<!-- bench-billing:start -->
## Billing: closing periods

${table}

One run of \`node scripts/bench-billing.js --subscriptions ${sizes.join(',')}\` on ${new Date().toISOString().slice(0, 10)}, load average ${loadStart} at the start and ${load} at the end (1, 5, 15 min).
Each subscription has one due daily period and three priced meters (count, sum with a 12-decimal price, graduated unique count).
The baseline's periods start on a minute; the second close's start 12.345 s into one, so their usage is the whole windows inside
plus the cut window's records from meter_records (exact to the millisecond). A run reads the usage in one ClickHouse query per
2,000 customers, prices every line exactly, and emits the invoices to Kafka in transactions of 200, then copies them to ClickHouse.
Targets: 10,000 subscriptions in under 30 s; 100,000 in at most 60 s, cost linear in subscriptions (invoices/s about the same at both sizes), RSS at most 512 MiB (throughput issue). Sample invoice totals: ${runs.map((r) => r.sampleTotal).join(', ')}.
<!-- bench-billing:end -->`;
  if (write) writeSection(section);
  console.log(table);
  console.log(`load average ${load}`);
  for (const r of runs) {
    if (r.invoices !== r.n) {
      console.error(`${r.label}: expected ${r.n} invoices, got ${r.invoices}`);
      process.exitCode = 1;
    }
  }
}

runMain('bench-billing', main);
