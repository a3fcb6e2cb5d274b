// The demo itself (run by demo.js after setup): starts the standalone pipeline in this process on a
// fresh topic prefix and data directory, sends sample usage over HTTP, waits until the usage is
// visible, closes the billing period, reads the invoice back from the `invoices` topic through the
// schema registry, and checks every amount against a computation made here from the sample data.
// Every request carries an API key: the admin key is this run's ADMIN_API_KEY (made up here unless
// set), and it creates an ingest+read key that sends the usage and reads it back.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');
const { createLogger, loadConfig } = require('../services/common/dist');
const { startStandalone } = require('../services/standalone/dist');

const runId = `demo${Date.now().toString(36)}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-demo-'));
const config = loadConfig({
  ...process.env,
  TOPIC_PREFIX: `${runId}.`,
  CLICKHOUSE_DATA_DIR: dataDir,
  CATALOG_FILE: path.join(__dirname, 'demo-catalog.json'),
  GATEWAY_PORT: process.env.GATEWAY_PORT || '0',
  LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  BILLING_GRACE_SECONDS: '0',
  BILLING_TICK_MS: '3600000',
  ADMIN_API_KEY: process.env.ADMIN_API_KEY || `msk_${crypto.randomBytes(32).toString('base64url')}`,
});
const adminKey = config.auth.bootstrapAdminKey;

/** Sample usage: 250 API calls by 5 users, 40 LLM completions with varying token counts. */
function sampleEvents(now) {
  const events = [];
  for (let i = 0; i < 250; i++) {
    events.push({
      event_id: `${runId}-call-${i}`,
      customer_id: 'cus_acme',
      event_name: 'api_request',
      timestamp: new Date(now - (250 - i) * 100).toISOString(),
      metadata: { endpoint: '/v1/chat', method: 'POST', user_id: `user_${i % 5}` },
    });
  }
  for (let i = 0; i < 40; i++) {
    events.push({
      event_id: `${runId}-llm-${i}`,
      customer_id: 'cus_acme',
      event_name: 'llm_completion',
      timestamp: new Date(now - (40 - i) * 100).toISOString(),
      metadata: { model: 'gpt-large', tokens: 1000 + 37 * i },
    });
  }
  return events;
}

/** Expected invoice computed from the sample with integers only (amounts in cents, half-up). */
function expectedAmounts(events) {
  const calls = events.filter((e) => e.event_name === 'api_request');
  const users = new Set(calls.map((e) => e.metadata.user_id)).size;
  const tokens = events.filter((e) => e.event_name === 'llm_completion').reduce((s, e) => s + BigInt(e.metadata.tokens), 0n);
  // price 0.5 = 5/10, 0.002 = 2/1000, 150 per unit; chargeable = max(0, usage - free)
  const over = (usage, free) => (usage > free ? usage - free : 0n);
  const halfUp = (num, den) => (num * 2n + den) / (2n * den);
  const lines = {
    mtr_api_calls: { usage: BigInt(calls.length), amount: halfUp(over(BigInt(calls.length), 100n) * 5n, 10n) },
    mtr_tokens: { usage: tokens, amount: halfUp(over(tokens, 1000n) * 2n, 1000n) },
    mtr_active_users: { usage: BigInt(users), amount: over(BigInt(users), 2n) * 150n },
  };
  const total = 2900n + Object.values(lines).reduce((s, l) => s + l.amount, 0n);
  return { lines, total };
}

async function post(url, body, key) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function get(url, key) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const json = await res.json();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function usage(base, meterId, start, end, key) {
  const q = new URLSearchParams({ customer_id: 'cus_acme', meter_id: meterId, start, end, window: 'minute' });
  const res = await fetch(`${base}/usage?${q}`, { headers: { authorization: `Bearer ${key}` } });
  return res.json();
}

async function readInvoice(invoiceId) {
  const kafka = new Kafka({ clientId: `${runId}-reader`, brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: config.registryUrl });
  const consumer = kafka.consumer({ groupId: `${runId}-invoice-reader`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: `${config.kafka.topicPrefix}invoices`, fromBeginning: true });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('invoice not seen on the invoices topic within 60 s')), 60000);
      consumer.run({
        eachMessage: async ({ message }) => {
          const invoice = await registry.decode(message.value);
          if (invoice.id === invoiceId) {
            clearTimeout(timer);
            resolve(invoice);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

async function main() {
  const logger = createLogger(config.logLevel, 'meterstream-demo');
  console.log(`Meterstream demo: topics "${config.kafka.topicPrefix}*", ClickHouse (embedded) at ${dataDir}`);
  const app = await startStandalone(config, logger);
  let failed = false;
  try {
    // The billing period: [T - 2 min, T), T the last minute boundary; the sample lies inside it.
    const T = Math.floor(Date.now() / 60000) * 60000;
    const periodStart = new Date(T - 120000);
    const events = sampleEvents(T - 1000);
    const appKey = await post(`${app.url}/api-keys`, { name: 'demo app', scopes: ['ingest', 'read'] }, adminKey);
    console.log(`\nCreated API key ${appKey.id} (${appKey.prefix}…, scopes ${appKey.scopes.join(', ')}) with the admin key (POST /api-keys).`);
    let ingested = 0;
    for (let i = 0; i < events.length; i += 100) ingested += (await post(`${app.url}/events/ingest`, { events: events.slice(i, i + 100) }, appKey.token)).ingested_count;
    console.log(`\nIngested ${ingested} events over HTTP (POST /events/ingest).`);

    const expected = expectedAmounts(events);
    const periodEnd = new Date(T);
    const start = periodStart.toISOString();
    const end = periodEnd.toISOString();
    const deadline = Date.now() + 60000;
    let rows;
    for (;;) {
      rows = await Promise.all(Object.keys(expected.lines).map((id) => usage(app.url, id, start, end, appKey.token)));
      if (rows.every((r) => BigInt(r.total) === expected.lines[r.meter_id].usage)) break;
      if (Date.now() > deadline) throw new Error(`usage did not reach the sample totals: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`\nUsage for cus_acme, ${start} .. ${end} (GET /usage):`);
    for (const r of rows) console.log(`  ${r.meter_id.padEnd(18)} total ${r.total.padStart(8)}   windows: ${r.windows.map((w) => `${w.start.slice(11, 16)}=${w.value}`).join(' ')}`);

    // Acme subscribes to the Pro plan from the period start and cancels at T: the final period closes
    // at once (grace 0 in this demo; 1 hour by default) when billing runs.
    await app.catalog.put('subscriptions', 'sub_acme_pro', {
      subscription_id: 'sub_acme_pro',
      customer_id: 'cus_acme',
      product_id: 'prod_pro',
      start,
      status: 'cancelled',
      ends_at: end,
    });
    // POST /billing/run answers within 2 s: 200 with the invoices, or 202 while the run goes on.
    let run = await post(`${app.url}/billing/run`, {}, adminKey);
    while (run.status === 'queued' || run.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 200));
      run = await get(`${app.url}/billing/runs/${run.run_id}`, adminKey);
    }
    if (run.invoices.length !== 1) throw new Error(`expected one invoice, billing issued ${run.invoices.length}`);
    const invoice = await readInvoice(run.invoices[0].id);
    console.log(`\nInvoice ${invoice.id} read back from the "${config.kafka.topicPrefix}invoices" topic (Avro via the schema registry):`);
    console.log(`  subscription ${invoice.subscription_id}, customer ${invoice.customer_id}, ${invoice.period_start} .. ${invoice.period_end}`);
    for (const line of invoice.lines) {
      const detail = line.type === 'meter' ? `used ${line.units_consumed}, free ${line.free_threshold}, chargeable ${line.chargeable_units} x ${line.price_per_unit}` : '';
      console.log(`  ${line.type.padEnd(6)} ${(line.meter_id || '').padEnd(18)} ${detail.padEnd(52)} ${line.amount.padStart(8)} ${invoice.currency} cents`);
    }
    console.log(`  total ${invoice.total} ${invoice.currency} cents`);

    const mismatches = invoice.lines
      .filter((l) => l.type === 'meter' && BigInt(l.amount) !== expected.lines[l.meter_id].amount)
      .map((l) => `${l.meter_id}: got ${l.amount}, expected ${expected.lines[l.meter_id].amount}`);
    if (BigInt(invoice.total) !== expected.total) mismatches.push(`total: got ${invoice.total}, expected ${expected.total}`);
    if (mismatches.length > 0) {
      failed = true;
      console.log(`\nMISMATCH against the sample data:\n  ${mismatches.join('\n  ')}`);
    } else {
      console.log(`\nEvery amount matches the sample data exactly (expected total ${expected.total} cents).`);
    }
  } finally {
    await app.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(`demo failed: ${err.stack || err}`);
  process.exit(1);
});
