import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT, eventually, getJson, postJson, startTestPipeline } from '../support/pipeline';

// Issue #13: a stock client of another language produces events and consumes invoices with the settings
// docs/kafka.md gives and nothing else: Apache Kafka's Java client (default partitioner) with Apicurio
// Registry's Avro SerDe (content ids, no auto-registration), built by Maven from test/interop/java.

const JAVA_DIR = path.join(REPO_ROOT, 'test', 'interop', 'java');
const CLASSPATH = `${path.join(JAVA_DIR, 'target', 'classes')}${path.delimiter}${path.join(JAVA_DIR, 'target', 'lib', '*')}`;
const MINUTE = 60000;
/** The event schema as it was before issue #13 (metadata without long, ingested_at required). */
const PREVIOUS_EVENT_SCHEMA = path.join(REPO_ROOT, 'test', 'interop', 'usage-event.v1.avsc');

function runJava(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', CLASSPATH, 'dev.meterstream.interop.InteropClient', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Round half up to an integer (amounts are in the currency's lowest denomination), on scaled BigInts. */
function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

const ccompat = () => process.env.SCHEMA_REGISTRY_URL!.replace(/\/+$/, '');
const registryV3 = () => ccompat().replace(/\/apis\/ccompat\/v7$/, '/apis/registry/v3');
const registryJson = (url: string, init?: RequestInit): Promise<{ status: number; body: any }> =>
  fetch(url, { ...init, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...init?.headers } }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('a stock Java client (Kafka Java client, Apicurio Avro SerDe) on the events and invoices topics', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let prefix: string;

  beforeAll(async () => {
    // The first build downloads the client's dependencies from Maven Central (cached in ~/.m2).
    const build = spawnSync('mvn', ['-q', '-B', 'package'], { cwd: JAVA_DIR, encoding: 'utf8', timeout: 900000 });
    if (build.status !== 0) throw new Error(`mvn package failed (${build.status}): ${build.stdout}${build.stderr}`);
    app = await startTestPipeline('interop', { BILLING_GRACE_SECONDS: '0', BILLING_TICK_MS: '3600000' });
    prefix = app.config.kafka.topicPrefix;
  }, 1000000);
  afterAll(async () => {
    await app?.stop();
  });

  it('the schema id in the wire format is the content id (docs/kafka.md), the id Apicurio 3.x SerDe reads by default', async () => {
    const subject = `${prefix}events-value`;
    const latest = await registryJson(`${ccompat()}/subjects/${encodeURIComponent(subject)}/versions/latest`);
    const meta = await registryJson(`${registryV3()}/groups/default/artifacts/${encodeURIComponent(subject)}/versions/branch=latest`);
    expect(latest.status).toBe(200);
    expect(meta.status).toBe(200);
    // A stack still in legacy id mode answers the global id here (infra/stack.sh, registry-id-mode).
    expect({ wireId: latest.body.id }).toEqual({ wireId: meta.body.contentId });
  });

  it('registering the schema again in a serializer\'s compact layout (auto-register) adds no version', async () => {
    const subject = `${prefix}events-value`;
    const compact = JSON.stringify(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'usage-event.avsc'), 'utf8')));
    const before = await registryJson(`${ccompat()}/subjects/${encodeURIComponent(subject)}/versions`);
    const again = await registryJson(`${ccompat()}/subjects/${encodeURIComponent(subject)}/versions`, { method: 'POST', body: JSON.stringify({ schema: compact }) });
    const after = await registryJson(`${ccompat()}/subjects/${encodeURIComponent(subject)}/versions`);
    expect(again.status).toBe(200);
    expect(after.body).toEqual(before.body);
  });

  it('the event schema is a BACKWARD-compatible successor of the previous one (the registry checks it)', async () => {
    const subject = `${prefix}compat-check-value`;
    const put = await registryJson(`${ccompat()}/config/${encodeURIComponent(subject)}`, { method: 'PUT', body: JSON.stringify({ compatibility: 'BACKWARD' }) });
    expect(put.status).toBe(200);
    const v1 = await registryJson(`${ccompat()}/subjects/${encodeURIComponent(subject)}/versions`, { method: 'POST', body: JSON.stringify({ schema: fs.readFileSync(PREVIOUS_EVENT_SCHEMA, 'utf8') }) });
    expect(v1.status).toBe(200);
    const current = fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'usage-event.avsc'), 'utf8');
    const check = await registryJson(`${ccompat()}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, { method: 'POST', body: JSON.stringify({ schema: current }) });
    expect(check.body).toEqual({ is_compatible: true });
  });

  it('counts integers, decimal text and decimal records exactly, once per event, and the invoice reaches a read_committed Java consumer', async () => {
    const T = Math.floor(Date.now() / MINUTE) * MINUTE;
    const at = T - 10000;
    const customer = 'cus_java';
    const big = 9007199254740993n; // 2^53 + 1: no double holds it
    const line = (id: string, name: string, ts: number, ...metadata: string[]) => [id, customer, name, String(ts), ...metadata].join('\t');
    const first = [
      line('j-llm-1', 'llm_completion', at - 1, `tokens=L:${big}`),
      line('j-llm-2', 'llm_completion', at - 2, 'tokens=D:1234.5678'),
      line('j-llm-3', 'llm_completion', at - 3, 'tokens=S:1e3'),
      ...[1, 2, 3, 4, 5].map((i) => line(`j-call-${i}`, 'api_request', at - 10 - i, `user_id=S:u${i % 2}`, `attempt=L:${i}`, 'cached=B:false')),
      // A decimal record that is no decimal: refused as a whole (INVALID_EVENT), as the gateway refuses it.
      line('j-bad-1', 'llm_completion', at - 4, 'tokens=D:12abc'),
    ];
    // Re-sends of counted events, one with other content: neither counts, and the stored event is the first.
    const repeats = [line('j-llm-1', 'llm_completion', at - 1, 'tokens=L:5'), line('j-call-1', 'api_request', at - 11, 'user_id=S:u9')];
    const produced = await runJava(['produce', app.config.kafka.brokers.join(','), registryV3(), `${prefix}events`, path.join(REPO_ROOT, 'schemas', 'usage-event.avsc')], [...first, ...repeats].join('\n'));
    if (produced.code !== 0) throw new Error(`the Java producer failed (${produced.code}): ${produced.stderr}`);
    expect(produced.stdout.trim()).toBe(`produced ${first.length + repeats.length}`);

    // An event written with the previous schema (ingested_at required, no long) is still read.
    const previous = avro.Type.forSchema(JSON.parse(fs.readFileSync(PREVIOUS_EVENT_SCHEMA, 'utf8')), { wrapUnions: false });
    const registered = await registryJson(`${ccompat()}/subjects/${encodeURIComponent(`${prefix}previous-events-value`)}/versions`, {
      method: 'POST',
      body: JSON.stringify({ schema: fs.readFileSync(PREVIOUS_EVENT_SCHEMA, 'utf8') }),
    });
    const header = Buffer.alloc(5);
    header.writeUInt32BE(registered.body.id, 1);
    const oldEvent = { event_id: 'j-v1-1', customer_id: customer, event_name: 'llm_completion', timestamp: at - 5, metadata: { tokens: { decimal: '0.0001' } }, ingested_at: at };
    const kafka = new Kafka({ clientId: 'interop-v1', brokers: app.config.kafka.brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: `${prefix}events`, messages: [{ key: customer, value: Buffer.concat([header, previous.toBuffer(oldEvent)]) }] });
    await producer.disconnect();

    // BigInt oracle, at scale 10^4: tokens = 2^53+1 + 1234.5678 + 1000 + 0.0001.
    const SCALE = 10000n;
    const tokens = big * SCALE + 12345678n + 1000n * SCALE + 1n;
    const tokensText = `${tokens / SCALE}.${(tokens % SCALE).toString().padStart(4, '0')}`;
    const start = new Date(T - 2 * MINUTE).toISOString();
    const end = new Date(T).toISOString();
    const usageOf = (meter: string) =>
      getJson(`${app.url}/usage?customer_id=${customer}&meter_id=${meter}&start=${start}&end=${end}`, app.adminKey).then((r) => r.body.total as string);
    await eventually(
      async () => ((await usageOf('mtr_tokens')) === tokensText && (await usageOf('mtr_api_calls')) === '5' ? true : undefined),
      60000,
      `usage ${tokensText} tokens and 5 calls`,
    );
    expect(await usageOf('mtr_active_users')).toBe('2');

    // The stored copy is the counted one, and ingested_at was filled from the Kafka record time.
    const stored = await eventually(async () => {
      const r = await getJson(`${app.url}/events/j-llm-1?customer_id=${customer}`, app.adminKey);
      return r.status === 200 ? r.body : undefined;
    });
    expect(stored.metadata).toEqual({ tokens: big.toString() });
    const call = await getJson(`${app.url}/events/j-call-1?customer_id=${customer}`, app.adminKey);
    expect(call.body.metadata).toEqual({ user_id: 'u1', attempt: 1, cached: false });
    const bad = await getJson(`${app.url}/events/j-bad-1?customer_id=${customer}`, app.adminKey);
    expect(bad.status).toBe(404);

    await app.catalog.put('subscriptions', 'sub_java', {
      subscription_id: 'sub_java',
      customer_id: customer,
      product_id: 'prod_pro',
      start,
      status: 'cancelled',
      ends_at: end,
    });
    const run = await postJson(`${app.url}/billing/run`, {}, app.adminKey);
    expect(run.status).toBe(200);
    expect(run.body.invoices).toHaveLength(1);

    const consumed = await runJava(['consume', app.config.kafka.brokers.join(','), registryV3(), `${prefix}invoices`, `${prefix}java-invoices`, '1', '60000']);
    if (consumed.code !== 0) throw new Error(`the Java consumer failed (${consumed.code}): ${consumed.stderr}`);
    const invoice = JSON.parse(consumed.stdout.trim().split('\n')[0]);
    // prod_pro: fixed 2900; tokens (usage − 1000) × 0.002; calls (5 − 100 → 0) × 0.5; users (2 − 2) × 150.
    const tokenAmount = roundHalfUp((tokens - 1000n * SCALE) * 2n, 1000n * SCALE);
    const amounts = Object.fromEntries(invoice.lines.map((l: { type: string; meter_id: string | null; amount: string }) => [l.meter_id ?? l.type, l.amount]));
    expect(amounts).toEqual({ fixed: '2900', mtr_tokens: tokenAmount.toString(), mtr_api_calls: '0', mtr_active_users: '0' });
    expect(invoice.total).toBe((2900n + tokenAmount).toString());
    expect(invoice).toMatchObject({ id: run.body.invoices[0].id, subscription_id: 'sub_java', customer_id: customer });
  });
});
