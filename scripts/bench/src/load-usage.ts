// `node scripts/load-usage.js [options]`
//
//   --events N      raw events to load (default 100000000)
//   --customers N   customers (default 10000)
//   --month YYYY-MM the month the events fall in (default 2026-01)
//   --chunk N       events per INSERT … SELECT (default 5000000)
//   --dir DIR       embedded ClickHouse data directory (default .data/bench-usage)
//   --force         replace DIR when it holds an earlier load (a bench-usage.json); never another directory
//
// Loads a usage data set into an embedded ClickHouse data directory of its own, for
// scripts/bench-query.js: opens it with EmbeddedWarehouse (chdb), applies our migrations
// (infra/clickhouse), then, chunk by chunk (a range of customers each), generates the raw events INSIDE
// ClickHouse (INSERT INTO events … SELECT … FROM numbers(…)) and the aggregator's 1-minute partial
// aggregates derived from the same events (INSERT INTO meter_usage … GROUP BY meter, customer, window),
// as if the aggregator had flushed each meter-topic partition once after the month. 5 meters (count,
// sum, unique_count, max, last), each event feeding one of them; see scripts/bench/src/usage-dataset.ts.
//
// At the end it checks the derived rows against the events (totals, and five customers' month through
// the real usageTotalQuery against an aggregation of their raw events), measures rows and bytes on
// disk, and writes DIR/bench-usage.json, which bench-query.js reads and reports. Needs a build
// (`node_modules/.bin/tsc -b`); no Kafka.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedWarehouse, migrate, usageTotalQuery, type Warehouse } from '@meterstream/common';
import { Decimal, toClickHouseTime } from '@meterstream/domain';
import * as report from './report';
import * as dataset from './usage-dataset';
import { MANIFEST, type Manifest, type TableSize } from './usage-manifest';

interface LoadArgs {
  events: number;
  customers: number;
  month: string;
  chunk: number;
  dir: string;
  force: boolean;
}

function parseArgs(argv: string[]): LoadArgs {
  const args: LoadArgs = {
    events: 100_000_000,
    customers: 10_000,
    month: '2026-01',
    chunk: 5_000_000,
    dir: path.join(report.ROOT, '.data', 'bench-usage'),
    force: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const count = () => {
      const n = Number(value().replace(/_/g, ''));
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${a} must be a positive integer`);
      return n;
    };
    if (a === '--events') args.events = count();
    else if (a === '--customers') args.customers = count();
    else if (a === '--month') args.month = value();
    else if (a === '--chunk') args.chunk = count();
    else if (a === '--dir') args.dir = path.resolve(value());
    else if (a === '--force') args.force = true;
    else if (a === '--help' || a === '-h') report.printUsage(__filename);
    else throw new Error(`unknown option ${a} (--help lists them)`);
  }
  if (args.customers > 99_999) throw new Error('--customers: at most 99,999 (5-digit customer ids)');
  if (Math.ceil(args.events / args.customers) > 99_999_999) throw new Error('--events: at most 99,999,999 per customer');
  dataset.monthRange(args.month);
  return args;
}

/** Refuses to touch a non-empty directory that is not an earlier load of ours. */
function prepareDir(args: LoadArgs): void {
  if (fs.existsSync(args.dir) && fs.readdirSync(args.dir).length > 0) {
    if (!fs.existsSync(path.join(args.dir, MANIFEST))) {
      throw new Error(`${args.dir} is not empty and holds no ${MANIFEST}: choose another --dir`);
    }
    if (!args.force) throw new Error(`${args.dir} holds an earlier load: pass --force to replace it, or choose another --dir`);
    fs.rmSync(args.dir, { recursive: true, force: true });
  }
  fs.mkdirSync(args.dir, { recursive: true });
  // Marks the directory as ours at once, so that --force may replace an interrupted load.
  fs.writeFileSync(path.join(args.dir, MANIFEST), `${JSON.stringify({ state: 'loading', startedAt: new Date().toISOString() })}\n`);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function tableSizes(warehouse: Warehouse): Promise<Record<string, TableSize>> {
  const rows = await warehouse.query<{ table: string; rows: string; bytes: string; uncompressed: string; parts: string }>(
    `SELECT table, toString(sum(rows)) AS rows, toString(sum(bytes_on_disk)) AS bytes,
            toString(sum(data_uncompressed_bytes)) AS uncompressed, toString(count()) AS parts
     FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table ORDER BY table`,
  );
  return Object.fromEntries(rows.map((r) => [r.table, { rows: Number(r.rows), bytes: Number(r.bytes), uncompressed: Number(r.uncompressed), parts: Number(r.parts) }]));
}

/** A usage total and its record count, as text. */
interface UsageTotal {
  total: string;
  records: string;
}

/** Checks the derived meter_usage rows against the raw events; returns the checks made. */
async function verify(warehouse: Warehouse, args: LoadArgs, endOffsets: number[]): Promise<string[]> {
  const checks: string[] = [];
  const [{ events }] = await warehouse.query<{ events: string }>('SELECT toString(count()) AS events FROM events');
  const [{ records }] = await warehouse.query<{ records: string }>('SELECT toString(sum(record_count)) AS records FROM meter_usage');
  if (Number(events) !== args.events || Number(records) !== args.events) {
    throw new Error(`check failed: ${events} events and ${records} meter records, expected ${args.events} each`);
  }
  checks.push(`events rows = sum(meter_usage.record_count) = ${report.fmt(args.events)}`);
  const perMeter = await warehouse.query<{ event_name: string; events: string; records: string }>(
    `SELECT e.event_name AS event_name, toString(e.n) AS events, toString(u.n) AS records
     FROM (SELECT event_name, count() AS n FROM events GROUP BY event_name) AS e
     FULL JOIN (SELECT meter_id, sum(record_count) AS n FROM meter_usage GROUP BY meter_id) AS u
       ON u.meter_id = transform(e.event_name, {names:Array(String)}, {ids:Array(String)}, '')`,
    { names: dataset.METERS.map((m) => m.event_name), ids: dataset.METERS.map((m) => m.id) },
  );
  for (const row of perMeter) {
    if (row.events !== row.records) throw new Error(`check failed: ${row.event_name}: ${row.events} events, ${row.records} meter records`);
  }
  checks.push('per meter: events of its event name = its record count');
  // Resume positions, as the aggregator and its raw event sink read them at start.
  const usageProgress = await warehouse.query<{ meter_id: string; partition: number; end_offset: string }>(dataset.USAGE_PROGRESS);
  for (const r of usageProgress) {
    const index = dataset.METERS.findIndex((m) => m.id === r.meter_id);
    if (Number(r.end_offset) !== endOffsets[index * dataset.PARTITIONS + Number(r.partition)]) {
      throw new Error(`check failed: ${r.meter_id} partition ${r.partition}: end offset ${r.end_offset}`);
    }
  }
  const eventsProgress = await warehouse.query<{ partition: number; next_offset: string; events: string; offsets: string }>(
    `SELECT source_partition AS partition, toString(max(source_offset) + 1) AS next_offset, toString(count()) AS events,
            toString(uniqExact(source_offset)) AS offsets FROM events GROUP BY source_partition ORDER BY partition`,
  );
  for (const r of eventsProgress) {
    if (r.next_offset !== r.events || r.offsets !== r.events) throw new Error(`check failed: events partition ${r.partition}: ${JSON.stringify(r)}`);
  }
  checks.push('resume positions: meter_usage max(source_end_offset) = records per meter-topic partition; events offsets 0..n-1 per partition');
  // Five (customer, meter) pairs: the real usage query over the month equals the raw events' aggregate.
  const { start, end } = dataset.monthRange(args.month);
  for (let i = 0; i < dataset.METERS.length; i++) {
    const meter = dataset.METERS[i];
    const customer = dataset.customerId((i * 7919 + 17) % args.customers);
    const scope = { meterId: meter.id, aggregation: meter.aggregation.type, customerId: customer, start, end, windowMs: dataset.WINDOW_MS };
    const built = usageTotalQuery(scope);
    const [fromUsage] = await warehouse.query<UsageTotal>(built.query, built.params);
    const [fromEvents] = await warehouse.query<UsageTotal>(dataset.rawUsageQuery(meter), {
      customer_id: customer,
      event_name: meter.event_name,
      key: meter.aggregation.key ?? '',
      start: toClickHouseTime(start),
      end: toClickHouseTime(end),
    });
    const same = (a: string, b: string): boolean => new Decimal(a).eq(new Decimal(b));
    if (!same(fromUsage.total, fromEvents.total) || fromUsage.records !== fromEvents.records) {
      throw new Error(
        `check failed: ${meter.id} for ${customer}: usage ${fromUsage.total} (${fromUsage.records} records), raw events ${fromEvents.total} (${fromEvents.records})`,
      );
    }
    checks.push(`${meter.id} (${meter.aggregation.type}) for ${customer}: ${fromUsage.total} over ${fromUsage.records} events, equal from meter_usage and from events`);
  }
  return checks;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  prepareDir(args);
  const estimate = args.events * 60; // bytes; measured ~45 per event for both tables, with room for merges
  const free = report.freeBytes(args.dir);
  console.log(`[load-usage] ${report.uptimeLine()}`);
  console.log(`[load-usage] ${args.dir}: ${report.bytes(free)} free, about ${report.bytes(estimate)} needed`);
  if (free < estimate) throw new Error(`not enough free disk in ${args.dir}: ${report.bytes(free)} free, about ${report.bytes(estimate)} needed`);

  const started = new Date();
  const uptimeStart = report.uptimeLine();
  const warehouse = new EmbeddedWarehouse(args.dir);
  try {
    const migrations = await migrate(warehouse);
    const params = dataset.datasetParams(args);
    const t0 = performance.now();
    let eventsMs = 0;
    let usageMs = 0;
    let recordsMs = 0;
    // The meter-topic partitions' end offsets (records per meter and partition), counted first.
    const p0 = performance.now();
    const perPartition = await warehouse.query<{ m: number; partition: number; records: string }>(dataset.RECORDS_PER_PARTITION, { ...params, c_lo: 0, c_cnt: args.customers });
    const endOffsets = new Array<number>(dataset.METERS.length * dataset.PARTITIONS).fill(0);
    for (const r of perPartition) endOffsets[Number(r.m) * dataset.PARTITIONS + Number(r.partition)] = Number(r.records);
    const countMs = performance.now() - p0;
    const chunkCustomers = Math.max(1, Math.round(args.chunk / params.per_customer));
    let done = 0;
    for (let cLo = 0; cLo < args.customers; cLo += chunkCustomers) {
      const cCnt = Math.min(chunkCustomers, args.customers - cLo);
      const chunk = { ...params, c_lo: cLo, c_cnt: cCnt };
      const c0 = performance.now();
      await warehouse.command(dataset.INSERT_EVENTS, chunk);
      const c1 = performance.now();
      for (const meter of dataset.METERS) {
        await warehouse.command(dataset.usageInsert(meter), { ...chunk, meter: meter.index, end_offsets: endOffsets });
      }
      const c2 = performance.now();
      await warehouse.command(dataset.INSERT_RECORDS, chunk);
      const c3 = performance.now();
      eventsMs += c1 - c0;
      usageMs += c2 - c1;
      recordsMs += c3 - c2;
      done = Math.min(args.events, (cLo + cCnt) * params.per_customer);
      const elapsed = performance.now() - t0;
      const eta = (elapsed / done) * (args.events - done);
      console.log(
        `[load-usage] customers ${cLo}-${cLo + cCnt - 1}: ${report.fmt(done)} / ${report.fmt(args.events)} events (${((100 * done) / args.events).toFixed(0)}%); ` +
          `chunk: events ${seconds(c1 - c0)}, meter_usage ${seconds(c2 - c1)}, meter_records ${seconds(c3 - c2)}; ${report.fmt(done / (elapsed / 1000))} events/s overall, ` +
          `ETA ${seconds(eta)}; ${report.bytes(report.freeBytes(args.dir))} free; load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
    const loadMs = performance.now() - t0;
    const uptimeEnd = report.uptimeLine();
    console.log(`[load-usage] loaded in ${seconds(loadMs)} (events ${seconds(eventsMs)}, meter_usage ${seconds(usageMs)}, meter_records ${seconds(recordsMs)}); ${uptimeEnd}`);

    const v0 = performance.now();
    const checks = await verify(warehouse, args, endOffsets);
    const verifyMs = performance.now() - v0;
    for (const c of checks) console.log(`[load-usage] ok: ${c}`);
    const tables = await tableSizes(warehouse);
    const manifest: Manifest = {
      version: 1,
      loadedAt: started.toISOString(),
      code: report.codeVersion(),
      node: process.version,
      machine: report.machine(),
      args: { events: args.events, customers: args.customers, month: args.month, chunk: args.chunk },
      meters: dataset.METERS,
      migrations,
      loadMs,
      eventsMs,
      usageMs,
      recordsMs,
      countMs,
      verifyMs,
      checks,
      tables,
      dirBytes: report.directoryBytes(args.dir),
      uptimeStart,
      uptimeEnd,
      command: `node scripts/load-usage.js --events ${args.events}` +
        (args.customers !== 10_000 ? ` --customers ${args.customers}` : '') +
        (args.month !== '2026-01' ? ` --month ${args.month}` : '') +
        (args.chunk !== 5_000_000 ? ` --chunk ${args.chunk}` : '') +
        ` --dir ${path.relative(report.ROOT, args.dir) || '.'}`,
    };
    fs.writeFileSync(path.join(args.dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const [table, t] of Object.entries(tables)) {
      console.log(`[load-usage] ${table}: ${report.fmt(t.rows)} rows, ${report.bytes(t.bytes)} on disk (${report.bytes(t.uncompressed)} uncompressed), ${t.parts} parts`);
    }
    console.log(`[load-usage] ${args.dir}: ${report.bytes(manifest.dirBytes)} in all; now: node scripts/bench-query.js --dir ${path.relative(process.cwd(), args.dir)}`);
  } finally {
    await warehouse.close();
  }
}

report.runMain('load-usage', main);
