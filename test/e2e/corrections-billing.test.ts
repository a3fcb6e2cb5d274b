import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { AvroCodec } from '@meterstream/common';
import { type Invoice, type InvoiceLine, type UsageEvent } from '@meterstream/domain';
import { authHeader, eventually, getJson, postJson, runBilling, startTestPipeline } from '../support/pipeline';
import { formatScaled, parseScaled } from '../support/exact-decimal';
import { readTopic } from '../support/topic-reader';

// Corrections and backfills of an invoiced period are billed as adjustment lines on the next invoice,
// once, naming the corrections and backfill batches they bill; POST /corrections/preview answers the
// same amounts beforehand and changes nothing. Daily periods, anchored so that period 0 ended 30
// minutes ago and is invoiced first:
// - a void of the event that was the maximum of a `max` meter in period 0 (a correction record on
//   `events`, as the void route will write it);
// - a backfilled event of period 0 (20 hours old: older than the router's deduplication window), sent
//   twice with its batch id;
// - an amend of an event of a `sum` meter in period 0.
// Every expected amount comes from BigInt arithmetic here, not from service code.

const MIN = 60_000;
const HOUR = 60 * MIN;

/** An exact charge rounded once, half-up, to the lowest denomination: usage × price (both ≥ 0). */
function charge(usage: string, price: string): bigint {
  const exact = parseScaled(usage) * parseScaled(price); // scale 24
  const unit = 10n ** 24n;
  return (exact + unit / 2n) / unit;
}
const sub = (a: string, b: string) => formatScaled(parseScaled(a) - parseScaled(b));

describe('corrections and backfills of an invoiced period', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;

  beforeAll(async () => {
    app = await startTestPipeline('corrections-billing', { BILLING_GRACE_SECONDS: '0', BILLING_TICK_MS: '3600000', AGGREGATOR_FLUSH_INTERVAL_MS: '100' });
  }, 120000);
  afterAll(async () => {
    await app?.stop();
  });

  it('bills a void, an amend and a backfill of an invoiced period once, listing their ids; the preview predicts the amounts and applies nothing', async () => {
    const prefix = app.config.kafka.topicPrefix;
    const eventsTopic = `${prefix}events`;
    const T = Math.floor(Date.now() / MIN) * MIN;
    const anchor = T - 24 * HOUR - 30 * MIN;
    const boundary = anchor + 24 * HOUR;
    const P0 = { start: new Date(anchor).toISOString(), end: new Date(boundary).toISOString() };
    const customer = 'cus_cb';
    const PEAK_PRICE = '12.5';
    const TOKEN_PRICE = '0.37';

    const createMeter = async (name: string, eventName: string, aggregation: Record<string, string>) => {
      const res = await postJson(`${app.url}/meters`, { name, event_name: eventName, measurement_unit: 'unit', aggregation }, app.adminKey);
      expect(res.status).toBe(200);
      return res.body.id as string;
    };
    const peak = await createMeter('Peak memory', 'cb_job', { type: 'max', key: 'gb' });
    const tokens = await createMeter('Tokens', 'cb_llm', { type: 'sum', key: 'tokens' });
    await app.catalog.put('products', 'prod_cb', {
      product_id: 'prod_cb',
      name: 'Jobs and tokens',
      price: {
        type: 'usage_based_price',
        currency: 'USD',
        fixed_price: 0,
        payment_frequency_interval: 'Day',
        payment_frequency_count: 1,
        meters: [
          { meter_id: peak, price_per_unit: PEAK_PRICE, free_threshold: '0' },
          { meter_id: tokens, price_per_unit: TOKEN_PRICE, free_threshold: '0' },
        ],
      },
    });
    await app.catalog.put('subscriptions', 'sub_cb', { subscription_id: 'sub_cb', customer_id: customer, product_id: 'prod_cb', start: P0.start, status: 'active' });

    const at = (ms: number) => new Date(ms).toISOString();
    const job = (id: string, time: number, gb: string) => ({ event_id: id, customer_id: customer, event_name: 'cb_job', timestamp: at(time), metadata: { gb } });
    const llm = (id: string, time: number, n: string) => ({ event_id: id, customer_id: customer, event_name: 'cb_llm', timestamp: at(time), metadata: { tokens: n } });
    const originals = [
      job('job-1', boundary - 15 * MIN, '7.25'),
      job('job-2', boundary - 10 * MIN, '12.5'), // period 0's maximum, voided below
      job('job-3', boundary - 5 * MIN, '3'),
      llm('llm-1', boundary - 14 * MIN, '100'), // amended below
      llm('llm-2', boundary - 9 * MIN, '250.25'),
      llm('llm-3', boundary - 4 * MIN, '40.5'),
      job('job-4', T - 5 * MIN, '2'),
      llm('llm-4', T - 5 * MIN, '10'),
      // The same id under another customer.
      { ...llm('shared-1', boundary - 3 * MIN, '1'), customer_id: 'cus_cb_other' },
    ];
    expect(await postJson(`${app.url}/events/ingest`, { events: originals }, app.adminKey)).toEqual({ status: 200, body: { ingested_count: originals.length } });

    const usage = async (meterId: string, start: number, end: number) =>
      (await getJson(`${app.url}/usage?customer_id=${customer}&meter_id=${meterId}&start=${at(start)}&end=${at(end)}`, app.adminKey)).body.total as string;
    const usageIs = (meterId: string, start: number, end: number, total: string, what: string) =>
      eventually(async () => ((await usage(meterId, start, end)) === total ? true : undefined), 60000, what);
    await usageIs(peak, anchor, boundary, '12.5', 'peak of period 0');
    await usageIs(tokens, anchor, boundary, '390.75', 'tokens of period 0');
    await usageIs(tokens, boundary, T, '10', 'tokens of period 1');
    await usageIs(peak, boundary, T, '2', 'peak of period 1');
    // Stored as events too (the preview looks events up there).
    await eventually(async () => ((await getJson(`${app.url}/events/shared-1?customer_id=cus_cb_other`, app.adminKey)).status === 200 ? true : undefined), 60000, 'events stored');
    await eventually(async () => ((await getJson(`${app.url}/events/llm-1?customer_id=${customer}`, app.adminKey)).status === 200 ? true : undefined), 60000, 'events stored');

    // Period 0 closes: peak 12.5 × 12.5, tokens 390.75 × 0.37.
    const first = (await runBilling(app.url, app.adminKey)).body.invoices as Invoice[];
    expect(first).toHaveLength(1);
    expect(first[0].period_end).toBe(P0.end);
    const billedPeak = charge('12.5', PEAK_PRICE);
    const billedTokens = charge('390.75', TOKEN_PRICE);
    expect(first[0].lines.filter((l) => l.type === 'meter').map((l) => [l.meter_id, l.units_consumed, l.amount, l.corrections])).toEqual([
      [peak, '12.5', String(billedPeak), []],
      [tokens, '390.75', String(billedTokens), []],
    ]);

    // --- The preview of the void: the adjustment the next invoice would carry, and nothing applied.
    const kafka = new Kafka({ clientId: 'corrections-billing', brokers: app.config.kafka.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const eventsEnd = async () => (await admin.fetchTopicOffsets(eventsTopic)).map((p) => `${p.partition}:${p.high}`).sort().join(',');
    const endBefore = await eventsEnd();
    const preview = (body: unknown, key = app.adminKey) => postJson(`${app.url}/corrections/preview`, body, key);
    const voidPreview = await preview({ customer_id: customer, event_id: 'job-2', kind: 'void' });
    const peakAfterVoid = '7.25';
    const voidAdjustment = String(charge(peakAfterVoid, PEAK_PRICE) - billedPeak);
    expect(voidPreview.status).toBe(200);
    expect(voidPreview.body).toEqual({
      kind: 'void',
      event: { event_id: 'job-2', customer_id: customer, event_name: 'cb_job', timestamp: at(boundary - 10 * MIN), metadata: { gb: '12.5' }, amended: false },
      metadata: null,
      meters: [
        {
          meter_id: peak,
          change: 'remove',
          value: null,
          unique_key: null,
          subscriptions: [
            {
              subscription_id: 'sub_cb',
              product_id: 'prod_cb',
              currency: 'USD',
              period_start: P0.start,
              period_end: P0.end,
              usage_now: '12.5',
              usage_after: peakAfterVoid,
              invoiced: true,
              billed_units: '12.5',
              units_change: sub(peakAfterVoid, '12.5'),
              amount_change: voidAdjustment,
            },
          ],
        },
      ],
      rejected: [],
    });
    // An open period: the change of its meter line's charge.
    const openPreview = await preview({ customer_id: customer, event_id: 'job-4', kind: 'void' });
    expect(openPreview.body.meters[0].subscriptions).toEqual([
      expect.objectContaining({ period_start: P0.end, usage_now: '2', usage_after: '0', invoiced: false, billed_units: null, units_change: '-2', amount_change: String(-charge('2', PEAK_PRICE)) }),
    ]);
    // Refusals, as the void and amend routes refuse.
    expect((await preview({ customer_id: customer, event_id: 'no-such-event', kind: 'void' })).body.code).toBe('EVENT_NOT_FOUND');
    expect(await preview({ customer_id: customer, event_id: 'shared-1', kind: 'void' })).toMatchObject({ status: 422, body: { code: 'EVENT_OF_ANOTHER_CUSTOMER' } });
    const invalid = await preview({ customer_id: customer, event_id: 'job-2', kind: 'void', metadata: { gb: 1 }, extra: true });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'metadata']);
    expect((await preview({ customer_id: customer, event_id: 'llm-1', kind: 'amend', metadata: { tokens: 'many' } })).body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'metadata.tokens' }] });
    const readKey = (await postJson(`${app.url}/api-keys`, { name: 'reader', scopes: ['read'] }, app.adminKey)).body.token as string;
    expect((await preview({ customer_id: customer, event_id: 'job-2', kind: 'void' }, readKey)).status).toBe(403);
    // Nothing was applied: no record on `events`, the usage as it was, no invoice.
    expect(await eventsEnd()).toBe(endBefore);
    expect(await usage(peak, anchor, boundary)).toBe('12.5');
    expect((await getJson(`${app.url}/invoices?subscription_id=sub_cb`, app.adminKey)).body.items).toHaveLength(1);

    // --- The void, as a correction record on `events` (key: the customer id).
    const codec = new AvroCodec(app.config.registryUrl);
    await codec.register(eventsTopic, 'usage-event');
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const produce = async (events: UsageEvent[]) =>
      producer.send({ topic: eventsTopic, acks: -1, messages: await Promise.all(events.map(async (e) => ({ key: e.customer_id, value: await codec.encode(eventsTopic, e) }))) });
    const correction = (eventId: string, eventName: string, timestamp: number, correctionId: string, kind: 'void' | 'amend', metadata: UsageEvent['metadata']): UsageEvent => ({
      event_id: eventId,
      customer_id: customer,
      event_name: eventName,
      timestamp,
      metadata,
      ingested_at: Date.now(),
      backfill_id: null,
      correction: { correction_id: correctionId, kind, requested_by: null, reason: null },
    });
    await produce([correction('job-2', 'cb_job', boundary - 10 * MIN, 'cor-void-job-2', 'void', {})]);
    await usageIs(peak, anchor, boundary, peakAfterVoid, 'the void applied');
    // Once the audit trail holds the void, the event can no longer be corrected: the preview says so too.
    await eventually(async () => ((await preview({ customer_id: customer, event_id: 'job-2', kind: 'void' })).status === 409 ? true : undefined), 60000, 'the void in the audit trail');
    expect((await preview({ customer_id: customer, event_id: 'job-2', kind: 'void' })).body.code).toBe('EVENT_VOIDED');

    // --- A backfilled event of period 0, 20 hours old, sent twice with its batch id.
    const backfilled: UsageEvent = {
      event_id: 'llm-bf-1',
      customer_id: customer,
      event_name: 'cb_llm',
      timestamp: T - 20 * HOUR,
      metadata: { tokens: { decimal: '75.5' } },
      ingested_at: Date.now(),
      backfill_id: 'bf-cb-1',
      correction: null,
    };
    await produce([backfilled]);
    await produce([{ ...backfilled, ingested_at: Date.now() }]);
    const tokensWithBackfill = '466.25'; // 390.75 + 75.5, once
    await usageIs(tokens, anchor, boundary, tokensWithBackfill, 'the backfill applied');

    // --- The amend's preview (its metadata parsed without loss: 160.1250000000000 is 160.125), then the amend.
    const amendBody = `{"customer_id":"${customer}","event_id":"llm-1","kind":"amend","metadata":{"tokens":160.1250000000000}}`;
    const amendRes = await fetch(`${app.url}/corrections/preview`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeader(app.adminKey) }, body: amendBody });
    const amendPreview = (await amendRes.json()) as { meters: { meter_id: string; change: string; value: string; subscriptions: Record<string, unknown>[] }[]; metadata: unknown };
    expect(amendRes.status).toBe(200);
    const tokensAfter = '526.375'; // 466.25 − 100 + 160.125
    const tokensAdjustment = String(charge(tokensAfter, TOKEN_PRICE) - billedTokens);
    expect(amendPreview.metadata).toEqual({ tokens: 160.125 });
    expect(amendPreview.meters).toEqual([
      {
        meter_id: tokens,
        change: 'replace',
        value: '160.125',
        unique_key: null,
        subscriptions: [
          expect.objectContaining({
            period_start: P0.start,
            usage_now: tokensWithBackfill,
            usage_after: tokensAfter,
            invoiced: true,
            billed_units: '390.75',
            units_change: sub(tokensAfter, '390.75'),
            amount_change: tokensAdjustment,
          }),
        ],
      },
    ]);
    await produce([correction('llm-1', 'cb_llm', boundary - 14 * MIN, 'cor-amend-llm-1', 'amend', { tokens: { decimal: '160.125' } })]);
    await usageIs(tokens, anchor, boundary, tokensAfter, 'the amend applied');
    // The stored event as its amend left it.
    const amended = await eventually(async () => {
      const res = await preview({ customer_id: customer, event_id: 'llm-1', kind: 'void' });
      return res.body.event?.amended === true ? res.body : undefined;
    }, 60000, 'the amend in the audit trail');
    expect(amended.event).toMatchObject({ event_id: 'llm-1', metadata: { tokens: 160.125 }, amended: true });
    await producer.disconnect();
    await admin.disconnect();

    // --- The subscription ends at T: the final period [boundary, T) closes with its own usage and one
    // adjustment line per meter of period 0, each listing the ids it bills, sorted.
    await app.catalog.put('subscriptions', 'sub_cb', { ...app.catalog.store.get('subscriptions', 'sub_cb')!, status: 'cancelled', ends_at: at(T) });
    const second = (await runBilling(app.url, app.adminKey)).body.invoices as Invoice[];
    expect(second).toHaveLength(1);
    const comparable = (l: InvoiceLine) => [l.type, l.meter_id, l.units_consumed, l.amount, l.adjusted_period_start ?? null, l.adjusted_period_end ?? null, l.corrections];
    const expectedLines = [
      ['fixed', null, null, '0', null, null, []],
      ['meter', peak, '2', String(charge('2', PEAK_PRICE)), null, null, []],
      ['meter', tokens, '10', String(charge('10', TOKEN_PRICE)), null, null, []],
      ['adjustment', peak, sub(peakAfterVoid, '12.5'), voidAdjustment, P0.start, P0.end, ['cor-void-job-2']],
      ['adjustment', tokens, sub(tokensAfter, '390.75'), tokensAdjustment, P0.start, P0.end, ['bf-cb-1', 'cor-amend-llm-1']],
    ];
    expect(second[0].lines.map(comparable)).toEqual(expectedLines);
    expect(BigInt(voidAdjustment)).toBeLessThan(0n);
    const total = charge('2', PEAK_PRICE) + charge('10', TOKEN_PRICE) + BigInt(voidAdjustment) + BigInt(tokensAdjustment);
    expect(second[0].total).toBe(String(total));
    expect(second[0].lines.find((l) => l.meter_id === tokens && l.type === 'adjustment')!.description).toContain('corrections bf-cb-1, cor-amend-llm-1');
    expect((await runBilling(app.url, app.adminKey)).body.invoices).toEqual([]);

    // Stored and emitted the same: the invoices topic (Avro) and the invoices table carry the ids.
    const onTopic = (await readTopic<Invoice>(app.config.kafka.brokers, app.config.registryUrl, `${prefix}invoices`, 2)).map((r) => r.value);
    expect(onTopic.map((i) => i.id).sort()).toEqual([first[0].id, second[0].id].sort());
    expect(onTopic.find((i) => i.id === second[0].id)!.lines.map(comparable)).toEqual(expectedLines);
    const stored = (await getJson(`${app.url}/invoices/${second[0].id}`, app.adminKey)).body as Invoice;
    expect(stored.lines.map(comparable)).toEqual(expectedLines);
    // Every unit billed once: period 0 billed 12.5 then −5.25 (peak), 390.75 then +135.625 (tokens).
    const billedFor = (meterId: string) =>
      formatScaled(
        onTopic
          .flatMap((i) => i.lines.filter((l) => l.meter_id === meterId && (l.type === 'meter' ? i.period_start === P0.start : l.adjusted_period_start === P0.start)))
          .reduce((s, l) => s + parseScaled(l.units_consumed!), 0n),
      );
    expect([billedFor(peak), billedFor(tokens)]).toEqual([peakAfterVoid, tokensAfter]);
  });
});
