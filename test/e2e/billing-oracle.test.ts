import { normalizeDecimal } from '../support/exact-decimal';
import { readTopic } from '../support/topic-reader';
import { eventually, getJson, postJson, startTestPipeline } from '../support/pipeline';
import {
  oracleDailyPeriods,
  oracleInvoice,
  prng,
  type AggregationKind,
  type ExpectedLine,
  type OracleEvent,
  type OracleMeter,
  type OraclePrice,
  type OracleProduct,
  type OracleTier,
} from '../support/billing-oracle';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();
/** Canonical decimal text (scale 24 holds every exact tier amount), or null. */
const canon = (text: string | null | undefined) => (text === null || text === undefined ? null : normalizeDecimal(text, 24));

type Line = ExpectedLine & { description?: string };
interface InvoiceLike {
  id: string;
  subscription_id: string;
  customer_id: string;
  product_id: string;
  currency: string;
  period_start: string;
  period_end: string;
  status: string;
  lines: Line[];
  subtotal: string;
  total: string;
}

/** What of a line the oracle predicts, in canonical text (the description is prose). */
function comparableLine(l: Line): ExpectedLine {
  return {
    type: l.type,
    meter_id: l.meter_id,
    units_consumed: canon(l.units_consumed),
    free_threshold: canon(l.free_threshold),
    chargeable_units: canon(l.chargeable_units),
    price_per_unit: canon(l.price_per_unit),
    amount: canon(l.amount)!,
    pricing_model: l.pricing_model ?? null,
    tiers: (l.tiers ?? []).map((t) => ({ up_to: canon(t.up_to), units: canon(t.units)!, price_per_unit: canon(t.price_per_unit)!, flat_fee: canon(t.flat_fee)!, amount: canon(t.amount)! })),
  };
}

function comparableInvoice(i: InvoiceLike) {
  return {
    subscription_id: i.subscription_id,
    customer_id: i.customer_id,
    product_id: i.product_id,
    currency: i.currency,
    period_start: i.period_start,
    period_end: i.period_end,
    status: i.status,
    lines: i.lines.map(comparableLine),
    subtotal: canon(i.subtotal),
    total: canon(i.total),
  };
}

// Issue #11, invariant 7: usage over any [start, end) is exact to the millisecond, so a billing period
// that starts or ends inside a pre-aggregation window (1 minute here) gets exactly its own events.
// Everything goes through HTTP (catalog, subscriptions with past starts, events, billing runs,
// invoices, previews, usage history); every expected value comes from test/support/billing-oracle.ts.
describe('billing at period boundaries, against an independent oracle', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  /** Invoices issued so far in this file, to check the `invoices` topic holds exactly these. */
  const issued = new Map<string, InvoiceLike>();

  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = method === 'GET' ? await getJson(`${app.url}${path}`, app.adminKey) : await postJson(`${app.url}${path}`, body ?? {}, app.adminKey);
    return res;
  };
  const created = async (path: string, body: unknown) => {
    const res = await api('POST', path, body);
    if (res.status !== 200) throw new Error(`POST ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  /** Ingests events; metadata values marked `#num#` go out as raw JSON numbers (text as written). */
  const ingest = async (events: OracleEvent[], rawNumbers: Set<string> = new Set()) => {
    for (let i = 0; i < events.length; i += 500) {
      const batch = events.slice(i, i + 500).map((e) => ({
        event_id: e.event_id,
        customer_id: e.customer_id,
        event_name: e.event_name,
        timestamp: iso(e.timestamp),
        metadata: Object.fromEntries(Object.entries(e.metadata).map(([k, v]) => [k, rawNumbers.has(`${e.event_id}/${k}`) ? `#num#${v}` : v])),
      }));
      const body = JSON.stringify({ events: batch }).replace(/"#num#([-0-9.]+)"/g, '$1');
      const res = await fetch(`${app.url}/events/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${app.adminKey}` }, body });
      expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { ingested_count: batch.length } });
    }
  };
  /** Runs billing until every subscription has its expected number of invoices; returns them by subscription. */
  const billUntil = async (expected: Map<string, number>): Promise<Map<string, InvoiceLike[]>> =>
    eventually(
      async () => {
        await api('POST', '/billing/run');
        const found = new Map<string, InvoiceLike[]>();
        for (const [subscriptionId, count] of expected) {
          const items = (await api('GET', `/invoices?subscription_id=${subscriptionId}&page_size=100`)).body.items as InvoiceLike[];
          if (items.length < count) return undefined;
          found.set(subscriptionId, items);
        }
        for (const items of found.values()) for (const invoice of items) issued.set(invoice.id, invoice);
        return found;
      },
      150000,
      'the due periods to be invoiced',
      500,
    );
  const countMeter = async (eventName: string) =>
    (await created('/meters', { name: `Calls ${eventName}`, event_name: eventName, measurement_unit: 'calls', aggregation: { type: 'count' } })).id as string;
  const perCallProduct = async (meterId: string) =>
    (
      await created('/products', {
        name: 'One per call',
        price: { type: 'usage_based_price', currency: 'USD', fixed_price: 0, payment_frequency_interval: 'Day', payment_frequency_count: 1, meters: [{ meter_id: meterId, price_per_unit: '1', free_threshold: '0' }] },
      })
    ).product_id as string;
  const newCustomer = async (name: string) => (await created('/customers', { name, email: `${name.toLowerCase().replace(/\W/g, '')}@oracle.test` })).customer_id as string;
  const meterLine = (invoice: { lines: Line[] }) => invoice.lines.find((l) => l.type === 'meter')!;

  beforeAll(async () => {
    // Events up to 3 days old are accepted (the router's deduplication window covers them), so both
    // ends of day-long periods can be reached; grace 0 closes a period as soon as it ended; the
    // scheduler stays quiet (ticks hourly): periods close only on POST /billing/run.
    app = await startTestPipeline('billing-oracle', {
      INGEST_MAX_EVENT_AGE_SECONDS: String(3 * 86400),
      ROUTER_DEDUP_WINDOW_MINUTES: String(3 * 1440 + 60),
      BILLING_GRACE_SECONDS: '0',
      BILLING_TICK_MS: '3600000',
    });
  }, 120000);
  afterAll(async () => {
    await app?.stop();
  });

  it('finding 1: the period ending at …:15.000 bills the 8 calls before it, the next period the 7 after it', async () => {
    // B = …:15.000, four minutes ago: 8 calls in [B − 24 s, B − 2 s], 7 in [B, B + 37 s]. With
    // minute windows taken whole by the period their start lies in, the invoice ending at B billed 15
    // calls and the next period's preview 2.
    const B = Math.floor(Date.now() / MINUTE) * MINUTE - 4 * MINUTE + 15 * SECOND;
    const meterId = await countMeter('finding1_call');
    const productId = await perCallProduct(meterId);
    const customerId = await newCustomer('Finding One');
    const sub = await created('/subscriptions', { customer_id: customerId, product_id: productId, start: iso(B - DAY) });
    const before = [-24, -21, -18, -15, -12, -8, -5, -2].map((s) => B + s * SECOND);
    const after = [0, 6, 12, 18, 25, 31, 37].map((s) => B + s * SECOND);
    await ingest([...before, ...after].map((t, i) => ({ event_id: `f1-${i}`, customer_id: customerId, event_name: 'finding1_call', timestamp: t, metadata: {} })));

    const [invoice] = (await billUntil(new Map([[sub.subscription_id, 1]]))).get(sub.subscription_id)!;
    expect(invoice).toMatchObject({ period_start: iso(B - DAY), period_end: iso(B), total: '8' });
    expect(meterLine(invoice)).toMatchObject({ units_consumed: '8', amount: '8' });

    const preview = (await api('GET', `/subscriptions/${sub.subscription_id}/invoice-preview`)).body;
    expect(preview).toMatchObject({ period_start: iso(B), period_end: iso(B + DAY), status: 'preview', total: '7' });
    expect(meterLine(preview)).toMatchObject({ units_consumed: '7', amount: '7' });
    const history = (await api('GET', `/subscriptions/${sub.subscription_id}/usage-history`)).body.items;
    expect(history.map((p: { start_date: string; meters: { consumed_units: string }[] }) => [p.start_date, p.meters[0].consumed_units])).toEqual([
      [iso(B), '7'],
      [iso(B - DAY), '8'],
    ]);
  });

  it('finding 2: a subscription started at …:30.694 bills the calls of the rest of that minute', async () => {
    // Started at S = …:30.694, three minutes ago: 2 calls earlier in that minute (before the start: no
    // period), 4 calls in [S, end of the minute]. No period took that minute's window: they were never billed.
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * MINUTE;
    const S = minute + 30_694;
    const meterId = await countMeter('finding2_call');
    const productId = await perCallProduct(meterId);
    const customerId = await newCustomer('Finding Two');
    const sub = await created('/subscriptions', { customer_id: customerId, product_id: productId, start: iso(S) });
    const times = [minute + 5 * SECOND, S - 1, S, minute + 41 * SECOND, minute + 52 * SECOND, minute + 59_999];
    await ingest(times.map((t, i) => ({ event_id: `f2-${i}`, customer_id: customerId, event_name: 'finding2_call', timestamp: t, metadata: {} })));
    const usage = async () =>
      (await api('GET', `/usage?customer_id=${customerId}&meter_id=${meterId}&start=${iso(minute)}&end=${iso(minute + MINUTE)}`)).body.total;
    await eventually(async () => ((await usage()) === '6' ? true : undefined), 60000, 'the 6 calls of that minute');

    const preview = (await api('GET', `/subscriptions/${sub.subscription_id}/invoice-preview`)).body;
    expect(preview).toMatchObject({ period_start: iso(S), period_end: iso(S + DAY), total: '4' });
    expect(meterLine(preview)).toMatchObject({ units_consumed: '4', amount: '4' });

    // Cancelled now: its only period [S, now) closes with the 4 calls.
    const cancelled = await created(`/subscriptions/${sub.subscription_id}/cancel`, { immediately: true });
    const [invoice] = (await billUntil(new Map([[sub.subscription_id, 1]]))).get(sub.subscription_id)!;
    expect(invoice).toMatchObject({ period_start: iso(S), period_end: cancelled.ends_at, total: '4' });
    expect(meterLine(invoice)).toMatchObject({ units_consumed: '4', amount: '4' });
  });

  it('random catalogs, events and millisecond anchors: every invoice, preview and usage history equals the oracle', async () => {
    const seed = process.env.ORACLE_SEED ? Number(process.env.ORACLE_SEED) : Math.floor(Math.random() * 2 ** 31);
    console.log(`billing oracle seed ${seed} (repeat with ORACLE_SEED=${seed})`);
    const r = prng(seed);
    const T0 = Date.now();

    /** Decimal text with up to `maxInt` as integer part and up to `maxFrac` fraction digits (some whole). */
    const decimal = (maxInt: number, maxFrac: number) => {
      const int = r.int(0, maxInt);
      const frac = r.chance(0.25) ? 0 : r.int(1, maxFrac);
      return frac === 0 ? String(int) : `${int}.${Array.from({ length: frac }, () => r.int(0, 9)).join('')}`;
    };

    // Meters: every aggregation at least once, on two event names; numeric keys qty and size, key user.
    const EVENT_NAMES = ['orc_a', 'orc_b'];
    const kinds: AggregationKind[] = ['count', 'sum', 'max', 'last', 'unique_count', r.pick(['count', 'sum', 'max', 'last', 'unique_count'] as const), r.pick(['sum', 'last'] as const)];
    const meters = new Map<string, OracleMeter>();
    const meterNames = new Map<string, string>();
    for (const [i, type] of kinds.entries()) {
      const eventName = r.pick(EVENT_NAMES);
      const key = type === 'count' ? undefined : type === 'unique_count' ? 'user' : r.pick(['qty', 'size']);
      const name = `Oracle ${i} ${type}`;
      const body = await created('/meters', { name, event_name: eventName, measurement_unit: 'units', aggregation: key ? { type, key } : { type } });
      meters.set(body.id, { id: body.id, event_name: eventName, type, key });
      meterNames.set(body.id, name);
    }
    const meterIds = [...meters.keys()];

    // Products: every price model at least once, USD and JPY (zero-decimal: amounts are whole yen).
    const tiersOf = (): OracleTier[] => {
      const tiers: OracleTier[] = [];
      let upTo = 0;
      const count = r.int(1, 3);
      for (let i = 0; i < count; i++) {
        const last = i === count - 1;
        upTo += r.int(1, 30);
        const tier: OracleTier = { up_to: last ? null : `${upTo}${r.chance(0.3) ? `.${r.int(1, 9)}` : ''}`, price_per_unit: decimal(9, 12) };
        if (r.chance(0.5)) tier.flat_fee = decimal(500, 12);
        tiers.push(tier);
      }
      return tiers;
    };
    const models = ['per_unit', 'graduated', 'volume', 'package'] as const;
    const products: OracleProduct[] = [];
    let modelTurn = 0;
    for (let p = 0; p < 4; p++) {
      const chosen = meterIds.filter((id, i) => (p === 0 && i === 0) || r.chance(0.6));
      const prices: OraclePrice[] = chosen.map((meterId) => {
        // Product 0 prices its count meter (kinds[0]) at an odd price above a threshold of 0.5: every
        // charge ends in exactly .5, so the half-up rounding decides each such line.
        if (p === 0 && meterId === meterIds[0]) return { meter_id: meterId, model: 'per_unit', price_per_unit: String(2 * r.int(0, 20) + 1), free_threshold: '0.5' };
        const model = modelTurn < models.length ? models[modelTurn++] : r.pick(models);
        const free_threshold = r.chance(0.4) ? '0' : decimal(20, 3);
        // Half a unit per call makes odd counts end in .5: the half-up rounding decides.
        const halfUp = meters.get(meterId)!.type === 'count' && r.chance(0.5);
        if (model === 'per_unit') return { meter_id: meterId, model, price_per_unit: halfUp ? `${r.int(0, 3)}.5` : decimal(r.pick([0, 3, 150]), 12), free_threshold };
        if (model === 'package') return { meter_id: meterId, model, price_per_unit: decimal(400, 12), free_threshold, package_size: r.chance(0.7) ? String(r.int(1, 10)) : `${r.int(0, 4)}.${r.int(1, 9)}` };
        return { meter_id: meterId, model, price_per_unit: '0', free_threshold, tiers: tiersOf() };
      });
      const currency = p === 0 ? 'USD' : p === 1 ? 'JPY' : r.pick(['USD', 'JPY', 'EUR']);
      const name = `Oracle product ${p}`;
      const fixed_price = r.chance(0.3) ? 0 : r.int(1, 5000);
      const body = await created('/products', {
        name,
        price: {
          type: 'usage_based_price',
          currency,
          fixed_price,
          payment_frequency_interval: 'Day',
          payment_frequency_count: 1,
          meters: prices.map((price) => (price.model === 'per_unit' ? { meter_id: price.meter_id, price_per_unit: price.price_per_unit, free_threshold: price.free_threshold } : price)),
        },
      });
      products.push({ product_id: body.product_id, name, currency, fixed_price, meters: prices });
    }

    // Subscriptions: daily periods whose latest boundary lies 2–40 minutes ago, at a random millisecond
    // (or a whole second), anchored 1 or 2 days before it; some are cancelled later, mid-period.
    interface Sub {
      id: string;
      customerId: string;
      product: OracleProduct;
      anchor: number;
      closed: number;
      cancel: boolean;
      endsAt: number | null;
    }
    const subs: Sub[] = [];
    const customers: string[] = [];
    for (let c = 0; c < 10; c++) {
      const customerId = await newCustomer(`Oracle customer ${c}`);
      customers.push(customerId);
      for (let s = r.int(1, 2); s > 0; s--) {
        const product = subs.length === 0 ? products[0] : r.pick(products);
        const form = r.int(0, 2);
        const latest = T0 - r.int(2 * MINUTE, 40 * MINUTE);
        const boundary = form === 0 ? Math.floor(latest / SECOND) * SECOND : form === 1 ? Math.floor(latest / MINUTE) * MINUTE + r.int(1, 59_999) : latest;
        const closed = r.pick([1, 1, 2]);
        const anchor = boundary - closed * DAY;
        const body = await created('/subscriptions', { customer_id: customerId, product_id: product.product_id, start: iso(anchor) });
        expect(body.start).toBe(iso(anchor));
        subs.push({ id: body.subscription_id, customerId, product, anchor, closed, cancel: r.chance(0.4), endsAt: null });
      }
    }

    // Events: around every boundary (at end − 1 ms and at start exactly, in the same second and the
    // same minute on both sides, a few minutes around), and spread over the last 50 minutes.
    const events: OracleEvent[] = [];
    const rawNumbers = new Set<string>();
    let seq = 0;
    const event = (customerId: string, timestamp: number): OracleEvent => {
      const e: OracleEvent = { event_id: `o${seed.toString(36)}-${String(seq++).padStart(5, '0')}`, customer_id: customerId, event_name: r.chance(0.08) ? 'orc_other' : r.pick(EVENT_NAMES), timestamp, metadata: {} };
      if (r.chance(0.92)) e.metadata.qty = decimal(999, 12);
      if (r.chance(0.92)) e.metadata.size = decimal(99, 3);
      if (r.chance(0.92)) e.metadata.user = `u${r.int(0, 6)}`;
      for (const key of ['qty', 'size']) {
        const v = e.metadata[key];
        // As a raw JSON number when a double holds it exactly (at most 15 significant digits).
        if (v !== undefined && v.replace('.', '').replace(/^0+/, '').length <= 15 && r.chance(0.5)) rawNumbers.add(`${e.event_id}/${key}`);
      }
      events.push(e);
      return e;
    };
    const around = (customerId: string, p: number) => {
      const second = Math.floor(p / SECOND) * SECOND;
      const minute = Math.floor(p / MINUTE) * MINUTE;
      event(customerId, p - 1);
      event(customerId, p);
      if (r.chance(0.5)) event(customerId, p + 1);
      for (let i = r.int(1, 2); i > 0; i--) if (p > second) event(customerId, r.int(second, p - 1));
      for (let i = r.int(1, 2); i > 0; i--) event(customerId, r.int(p, second + SECOND - 1));
      for (let i = r.int(2, 4); i > 0; i--) event(customerId, r.int(minute, minute + MINUTE - 1));
      for (let i = r.int(3, 6); i > 0; i--) event(customerId, p + r.int(-4 * MINUTE, 4 * MINUTE));
    };
    for (const sub of subs) for (let k = 0; k <= sub.closed; k++) around(sub.customerId, sub.anchor + k * DAY);
    for (const customerId of customers) for (let i = 0; i < 25; i++) event(customerId, T0 - r.int(SECOND, 50 * MINUTE));
    const firstBatch = events.filter((e) => e.timestamp <= T0);
    await ingest(firstBatch, rawNumbers);

    // Cancel some now (ends_at = the gateway's clock, any millisecond); then events around their end,
    // a few of them up to 3 s after it (no period of that subscription holds those).
    const later: OracleEvent[] = [];
    for (const sub of subs.filter((s) => s.cancel)) {
      const res = await created(`/subscriptions/${sub.id}/cancel`, { immediately: true });
      sub.endsAt = Date.parse(res.ends_at);
      const from = events.length;
      around(sub.customerId, sub.endsAt);
      for (let i = r.int(1, 3); i > 0; i--) event(sub.customerId, sub.endsAt + r.int(1, 3 * SECOND));
      later.push(...events.slice(from));
    }
    later.push(...events.filter((e) => e.timestamp > T0 && !later.includes(e)));
    await ingest(later, rawNumbers);
    const sent = events.length;

    // Issued invoices: every period that ended, from the API, and the same on the `invoices` topic.
    const now = Date.now();
    const periodsOf = (sub: Sub) => oracleDailyPeriods(sub.anchor, sub.endsAt, now);
    const closedOf = (sub: Sub) => periodsOf(sub).filter((p) => p.end <= now);
    const exactCharges: string[] = []; // of issued invoices' meter lines, before rounding
    const expectedInvoice = (sub: Sub, p: { start: number; end: number }, status: string) => {
      const o = oracleInvoice(sub.product, meters, events, sub.customerId, p.start, p.end);
      if (status === 'issued') exactCharges.push(...o.exactCharges);
      return {
        subscription_id: sub.id,
        customer_id: sub.customerId,
        product_id: sub.product.product_id,
        currency: sub.product.currency,
        period_start: iso(p.start),
        period_end: iso(p.end),
        status,
        lines: o.lines,
        subtotal: o.total,
        total: o.total,
      };
    };
    const bySub = await billUntil(new Map(subs.map((s) => [s.id, closedOf(s).length])));
    const actualInvoices: Record<string, unknown> = {};
    const expectedInvoices: Record<string, unknown> = {};
    for (const sub of subs) {
      for (const p of closedOf(sub)) expectedInvoices[`${sub.id} ${iso(p.start)}`] = expectedInvoice(sub, p, 'issued');
      for (const invoice of bySub.get(sub.id)!) actualInvoices[`${sub.id} ${invoice.period_start}`] = comparableInvoice(invoice);
    }
    expect(actualInvoices).toEqual(expectedInvoices);

    const onTopic = (await readTopic<InvoiceLike>(app.config.kafka.brokers, app.config.registryUrl, `${app.config.kafka.topicPrefix}invoices`, issued.size)).map((rec) => rec.value);
    expect(onTopic.map((i) => i.id).sort()).toEqual([...issued.keys()].sort());
    for (const invoice of onTopic) expect(comparableInvoice(invoice)).toEqual(comparableInvoice(issued.get(invoice.id)!));
    await expect(readTopic(app.config.kafka.brokers, app.config.registryUrl, `${app.config.kafka.topicPrefix}invoices`, issued.size + 1, { timeoutMs: 4000 })).rejects.toThrow(
      new RegExp(`read ${issued.size} of`),
    );

    // The open period's preview (active subscriptions) and the usage history of every period.
    const actualPreviews: Record<string, unknown> = {};
    const expectedPreviews: Record<string, unknown> = {};
    const actualHistory: Record<string, unknown> = {};
    const expectedHistory: Record<string, unknown> = {};
    for (const sub of subs) {
      const preview = await api('GET', `/subscriptions/${sub.id}/invoice-preview`);
      if (sub.endsAt === null) {
        const open = periodsOf(sub).at(-1)!;
        expectedPreviews[sub.id] = expectedInvoice(sub, open, 'preview');
        actualPreviews[sub.id] = preview.status === 200 ? comparableInvoice(preview.body) : preview;
      } else {
        expect(preview.status).toBe(404);
      }
      const history = await api('GET', `/subscriptions/${sub.id}/usage-history?page_size=100`);
      expect(history.status).toBe(200);
      actualHistory[sub.id] = history.body.items.map((item: { start_date: string; end_date: string; meters: Record<string, unknown>[] }) => ({
        start_date: item.start_date,
        end_date: item.end_date,
        meters: item.meters.map((m) => ({ ...m, consumed_units: canon(m.consumed_units as string), chargeable_units: canon(m.chargeable_units as string), price_per_unit: canon(m.price_per_unit as string) })),
      }));
      expectedHistory[sub.id] = periodsOf(sub)
        .reverse()
        .map((p) => {
          const o = oracleInvoice(sub.product, meters, events, sub.customerId, p.start, p.end);
          return {
            start_date: iso(p.start),
            end_date: iso(p.end),
            meters: sub.product.meters.map((price, i) => ({
              id: price.meter_id,
              name: meterNames.get(price.meter_id),
              consumed_units: o.lines[i + 1].units_consumed,
              chargeable_units: o.lines[i + 1].chargeable_units,
              free_threshold: Number(price.free_threshold),
              price_per_unit: o.unitPricesShown[i],
              total_price: Number(o.lines[i + 1].amount),
              currency: sub.product.currency,
            })),
          };
        });
    }
    expect(actualPreviews).toEqual(expectedPreviews);
    expect(actualHistory).toEqual(expectedHistory);

    const lines = Object.values(expectedInvoices).flatMap((i) => (i as { lines: ExpectedLine[] }).lines);
    // The run must have exercised the rounding at exactly half a unit (product 0 guarantees some).
    const halves = exactCharges.filter((c) => c.endsWith('.5')).length;
    expect(halves).toBeGreaterThan(0);
    console.log(
      `billing oracle seed ${seed}: ${meters.size} meters, ${products.length} products, ${subs.length} subscriptions (${subs.filter((s) => s.cancel).length} cancelled), ` +
        `${sent} events, ${Object.keys(expectedInvoices).length} invoices (${lines.length} lines, ${lines.filter((l) => l.amount !== '0').length} non-zero, ${halves} rounded from exactly .5), ` +
        `${Object.keys(expectedPreviews).length} previews, ${Object.values(expectedHistory).flat().length} usage-history periods: all equal`,
    );
  });
});
