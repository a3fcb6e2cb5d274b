import DodoPayments from 'dodopayments';
import { toClickHouseTime, type Invoice } from '@meterstream/domain';
import { eventually, getJson, postJson, startTestPipeline } from '../support/pipeline';

const MINUTE = 60000;
const DAY = 24 * 60 * MINUTE;

type Sub = { subscription_id: string; status: string; start: string; ends_at: string | null; cancel_at_period_end: boolean; cancel_at_next_billing_date: boolean };

// The official dodopayments SDK against the gateway: customers, usage-based products, subscriptions,
// usage history priced by the billing pricer, the open period's invoice preview, and stored invoices.
describe('billing API (dodopayments SDK)', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let client: DodoPayments;
  let customerId: string;
  let productId: string;

  beforeAll(async () => {
    app = await startTestPipeline('billing-api');
    client = new DodoPayments({ bearerToken: app.adminKey, baseURL: app.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('creates, lists, retrieves and updates customers', async () => {
    const created = await client.customers.create({ name: 'Billing API Co', email: 'ops@billing-api.test', metadata: { plan: 'usage', seats: 3 } });
    expect(created).toEqual({
      business_id: 'bus_meterstream',
      customer_id: expect.stringMatching(/^cus_[0-9a-f]{24}$/),
      name: 'Billing API Co',
      email: 'ops@billing-api.test',
      phone_number: null,
      metadata: { plan: 'usage', seats: 3 },
      created_at: expect.any(String),
    });
    customerId = created.customer_id;
    expect(await client.customers.retrieve(customerId)).toEqual(created);

    const all: string[] = [];
    for await (const customer of client.customers.list({ page_size: 1, page_number: 0 })) all.push(customer.customer_id);
    expect(all).toEqual(expect.arrayContaining(['cus_acme', customerId]));
    expect(new Set(all).size).toBe(all.length);
    const byEmail: string[] = [];
    for await (const customer of client.customers.list({ email: 'ops@billing-api.test' })) byEmail.push(customer.customer_id);
    expect(byEmail).toEqual([customerId]);

    const updated = await client.customers.update(customerId, { name: 'Billing API Corp', metadata: { plan: 'enterprise' } });
    expect(updated).toEqual({ ...created, name: 'Billing API Corp', metadata: { plan: 'enterprise' } });
    expect(await client.customers.retrieve(customerId)).toEqual(updated);

    const invalid = await postJson(`${app.url}/customers`, { name: '', email: 'nope' }, app.adminKey);
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toEqual(['name', 'email']);
    await expect(client.customers.retrieve('cus_missing')).rejects.toMatchObject({ status: 404 });
  });

  it('creates and retrieves a usage-based product, refusing invalid prices with the field path', async () => {
    const created = await client.products.create({
      name: 'Metered daily',
      tax_category: 'saas',
      price: {
        type: 'usage_based_price',
        currency: 'USD',
        fixed_price: 1000,
        payment_frequency_interval: 'Day',
        payment_frequency_count: 1,
        subscription_period_interval: 'Year',
        subscription_period_count: 1,
        meters: [
          { meter_id: 'mtr_api_calls', price_per_unit: '0.5', free_threshold: 10 },
          // Meterstream's pricing extensions, beyond the SDK's types.
          {
            meter_id: 'mtr_tokens',
            model: 'graduated',
            free_threshold: '100',
            tiers: [
              { up_to: '1000', price_per_unit: '0.01' },
              { up_to: null, price_per_unit: '0.005', flat_fee: '3' },
            ],
          } as never,
          { meter_id: 'mtr_active_users', price_per_unit: '150', free_threshold: '1' } as never,
        ],
      },
    });
    expect(created.product_id).toMatch(/^prod_[0-9a-f]{24}$/);
    expect(created).toMatchObject({ business_id: 'bus_meterstream', name: 'Metered daily', is_recurring: true, tax_category: 'saas' });
    expect(created.price).toEqual({
      type: 'usage_based_price',
      currency: 'USD',
      fixed_price: 1000,
      payment_frequency_interval: 'Day',
      payment_frequency_count: 1,
      subscription_period_interval: 'Year',
      subscription_period_count: 1,
      meters: [
        { meter_id: 'mtr_api_calls', price_per_unit: '0.5', free_threshold: '10' },
        {
          meter_id: 'mtr_tokens',
          model: 'graduated',
          price_per_unit: '0',
          free_threshold: '100',
          tiers: [
            { up_to: '1000', price_per_unit: '0.01' },
            { up_to: null, price_per_unit: '0.005', flat_fee: '3' },
          ],
        },
        { meter_id: 'mtr_active_users', price_per_unit: '150', free_threshold: '1' },
      ],
    });
    productId = created.product_id;
    expect(await client.products.retrieve(productId)).toEqual(created);
    const listed = [];
    for await (const product of client.products.list()) listed.push(product);
    expect(listed.find((p) => p.product_id === productId)).toMatchObject({ price: 1000, currency: 'USD', price_detail: created.price });

    const invalid = await postJson(
      `${app.url}/products`,
      {
        name: 'Broken',
        price: {
          type: 'usage_based_price',
          currency: 'USD',
          fixed_price: 0,
          payment_frequency_interval: 'Month',
          payment_frequency_count: 1,
          meters: [
            { meter_id: 'mtr_nope', price_per_unit: '1', free_threshold: '0' },
            { meter_id: 'mtr_tokens', model: 'graduated', free_threshold: '0', tiers: [{ up_to: '500', price_per_unit: '1' }, { up_to: '100', price_per_unit: '1' }, { up_to: null, price_per_unit: '1' }] },
          ],
        },
      },
      app.adminKey,
    );
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([
      { field: 'price.meters[0].meter_id', message: 'meter mtr_nope does not exist' },
      { field: 'price.meters[1].tiers[1].up_to', message: 'tiers must be strictly ascending and positive, 100 <= 500' },
    ]);
    await expect(client.products.retrieve('prod_missing')).rejects.toMatchObject({ status: 404 });
  });

  it('creates, retrieves, lists and cancels subscriptions; a new subscription has no invoice', async () => {
    const before = Date.now();
    const fresh = await client.subscriptions.create({ billing: { country: 'US' }, customer: { customer_id: customerId }, product_id: productId, quantity: 1 });
    const after = Date.now();
    expect(fresh.subscription_id).toMatch(/^sub_[0-9a-f]{24}$/);
    const id = fresh.subscription_id;

    const retrieved = await client.subscriptions.retrieve(id);
    const start = Date.parse((retrieved as unknown as Sub).start);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(after);
    expect(retrieved).toMatchObject({
      subscription_id: id,
      product_id: productId,
      status: 'active',
      customer: { customer_id: customerId, name: 'Billing API Corp', email: 'ops@billing-api.test' },
      currency: 'USD',
      recurring_pre_tax_amount: 1000,
      payment_frequency_interval: 'Day',
      payment_frequency_count: 1,
      cancel_at_next_billing_date: false,
      previous_billing_date: new Date(start).toISOString(),
      next_billing_date: new Date(start + DAY).toISOString(),
      meters: [
        { meter_id: 'mtr_api_calls', name: 'API calls', measurement_unit: 'calls', currency: 'USD', free_threshold: 10, price_per_unit: '0.5' },
        { meter_id: 'mtr_tokens', name: 'LLM tokens', measurement_unit: 'tokens', currency: 'USD', free_threshold: 100, price_per_unit: '0' },
        { meter_id: 'mtr_active_users', name: 'Active users', measurement_unit: 'users', currency: 'USD', free_threshold: 1, price_per_unit: '150' },
      ],
    });

    // No period has closed: no invoice; an unknown invoice id is a 404.
    expect(await getJson(`${app.url}/invoices?subscription_id=${id}`, app.adminKey)).toEqual({ status: 200, body: { items: [] } });
    const missing = await getJson(`${app.url}/invoices/inv_000000000000000000000000`, app.adminKey);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');

    // Cancel at the end of the current period, then immediately.
    const atPeriodEnd = await client.post<Sub>(`/subscriptions/${id}/cancel`, { body: {} });
    expect(atPeriodEnd).toMatchObject({ status: 'cancelled', cancel_at_period_end: true, cancel_at_next_billing_date: true, ends_at: new Date(start + DAY).toISOString() });
    const cancelAt = Date.now();
    const immediately = await client.post<Sub>(`/subscriptions/${id}/cancel`, { body: { immediately: true } });
    expect(immediately).toMatchObject({ status: 'cancelled', cancel_at_period_end: false });
    expect(Date.parse(immediately.ends_at!)).toBeGreaterThanOrEqual(cancelAt);
    expect(Date.parse(immediately.ends_at!)).toBeLessThanOrEqual(Date.now());
    expect(await client.subscriptions.retrieve(id)).toMatchObject({ status: 'cancelled', expires_at: immediately.ends_at });
    // Ended: no open period to preview.
    expect((await getJson(`${app.url}/subscriptions/${id}/invoice-preview`, app.adminKey)).status).toBe(404);

    // Dodo's own way to cancel: update with cancel_at_next_billing_date, then status cancelled.
    const viaSdk = await client.subscriptions.create({ billing: { country: 'US' }, customer: { customer_id: customerId }, product_id: productId, quantity: 1 });
    const scheduled = await client.subscriptions.update(viaSdk.subscription_id, { cancel_at_next_billing_date: true });
    expect(scheduled).toMatchObject({ status: 'cancelled', cancel_at_next_billing_date: true, expires_at: scheduled.next_billing_date });
    const ended = await client.subscriptions.update(viaSdk.subscription_id, { status: 'cancelled' });
    expect(ended).toMatchObject({ status: 'cancelled', cancel_at_next_billing_date: false });
    expect(Date.parse(ended.expires_at!)).toBeLessThan(Date.parse(scheduled.expires_at!));

    const mine: string[] = [];
    for await (const s of client.subscriptions.list({ customer_id: customerId, page_size: 1, page_number: 0 })) mine.push(s.subscription_id);
    expect(mine.sort()).toEqual([id, viaSdk.subscription_id].sort());
    const stillActive: string[] = [];
    for await (const s of client.subscriptions.list({ customer_id: customerId, status: 'active' })) stillActive.push(s.subscription_id);
    expect(stillActive).toEqual([]);

    const invalid = await postJson(`${app.url}/subscriptions`, { customer_id: 'cus_missing', product_id: productId, start: new Date(Date.now() + DAY).toISOString() }, app.adminKey);
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([
      { field: 'customer_id', message: 'customer cus_missing does not exist' },
      { field: 'start', message: 'must not lie in the future' },
    ]);
    await expect(client.subscriptions.retrieve('sub_missing')).rejects.toMatchObject({ status: 404 });
  });

  it('reports usage history per billing period, priced by the pricer, and previews the open invoice', async () => {
    // Daily periods; the subscription began a day and 30 minutes ago, so events of the last hour fall
    // in two periods: P0 ends 30 minutes ago, P1 is open.
    const nowMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
    const anchor = nowMinute - DAY - 30 * MINUTE;
    const p0 = { start: anchor, end: anchor + DAY };
    const p1 = { start: anchor + DAY, end: anchor + 2 * DAY };
    const sub = await client.post<Sub>('/subscriptions', { body: { customer_id: customerId, product_id: productId, start: new Date(anchor).toISOString() } });
    expect(sub).toMatchObject({ status: 'active', start: new Date(anchor).toISOString(), ends_at: null });

    const at = (ms: number, i: number) => new Date(ms + i * 1000).toISOString();
    const events = [
      // P0: 15 calls by 3 users, 1300.5 tokens
      ...Array.from({ length: 15 }, (_, i) => ({ event_id: `ba-p0-call-${i}`, customer_id: customerId, event_name: 'api_request', timestamp: at(nowMinute - 45 * MINUTE, i), metadata: { user_id: `u${i % 3}` } })),
      { event_id: 'ba-p0-llm-0', customer_id: customerId, event_name: 'llm_completion', timestamp: at(nowMinute - 44 * MINUTE, 0), metadata: { tokens: 700 } },
      { event_id: 'ba-p0-llm-1', customer_id: customerId, event_name: 'llm_completion', timestamp: at(nowMinute - 44 * MINUTE, 1), metadata: { tokens: '600.5' } },
      // P1: 14 calls by 2 users, 1100.4 tokens
      ...Array.from({ length: 14 }, (_, i) => ({ event_id: `ba-p1-call-${i}`, customer_id: customerId, event_name: 'api_request', timestamp: at(nowMinute - 10 * MINUTE, i), metadata: { user_id: i % 2 ? 'u1' : 'u4' } })),
      { event_id: 'ba-p1-llm-0', customer_id: customerId, event_name: 'llm_completion', timestamp: at(nowMinute - 9 * MINUTE, 0), metadata: { tokens: 1100.4 } },
    ];
    const ingest = await postJson(`${app.url}/events/ingest`, { events }, app.adminKey);
    expect(ingest).toEqual({ status: 200, body: { ingested_count: 32 } });

    const history = async (query: Parameters<DodoPayments['subscriptions']['retrieveUsageHistory']>[1] = {}) => {
      const items = [];
      for await (const item of client.subscriptions.retrieveUsageHistory(sub.subscription_id, query)) items.push(item);
      return items;
    };
    const meter = (id: string, name: string, consumed: string, chargeable: string, free: number, ppu: string, total: number) => ({
      id,
      name,
      consumed_units: consumed,
      chargeable_units: chargeable,
      free_threshold: free,
      price_per_unit: ppu,
      total_price: total,
      currency: 'USD',
    });
    const P1 = {
      start_date: new Date(p1.start).toISOString(),
      end_date: new Date(p1.end).toISOString(),
      meters: [
        meter('mtr_api_calls', 'API calls', '14', '4', 10, '0.5', 2), // 4 × 0.5
        meter('mtr_tokens', 'LLM tokens', '1100.4', '1000.4', 100, '0.005', 13), // 1000 × 0.01 + 0.4 × 0.005 + 3 = 13.002
        meter('mtr_active_users', 'Active users', '2', '1', 1, '150', 150),
      ],
    };
    const P0 = {
      start_date: new Date(p0.start).toISOString(),
      end_date: new Date(p0.end).toISOString(),
      meters: [
        meter('mtr_api_calls', 'API calls', '15', '5', 10, '0.5', 3), // 2.5 rounds half-up to 3
        meter('mtr_tokens', 'LLM tokens', '1300.5', '1200.5', 100, '0.005', 14), // 10 + 200.5 × 0.005 + 3 = 14.0025
        meter('mtr_active_users', 'Active users', '3', '2', 1, '150', 300),
      ],
    };

    const items = await eventually(
      async () => {
        const got = await history();
        return JSON.stringify(got.map((i) => i.meters.map((m) => m.consumed_units))) === JSON.stringify([P1, P0].map((i) => i.meters.map((m) => m.consumed_units))) ? got : undefined;
      },
      90000,
      'usage of both periods',
    );
    expect(items).toEqual([P1, P0]); // most recent first

    // Pages of one period: the SDK walks both.
    const firstPage = await client.subscriptions.retrieveUsageHistory(sub.subscription_id, { page_size: 1 });
    expect(firstPage.items).toEqual([P1]);
    expect(await history({ page_size: 1, page_number: 0 })).toEqual([P1, P0]);
    // Filters: meter, start_date (periods ending after it), end_date (periods starting at or before it).
    expect(await history({ meter_id: 'mtr_tokens' })).toEqual([P1, P0].map((p) => ({ ...p, meters: [p.meters[1]] })));
    expect(await history({ start_date: new Date(p1.start).toISOString() })).toEqual([P1]);
    expect(await history({ end_date: new Date(p1.start - 1000).toISOString() })).toEqual([P0]);
    expect(await history({ start_date: new Date(p0.start - DAY).toISOString(), end_date: new Date(p1.start).toISOString() })).toEqual([P1, P0]);
    const unpriced = await getJson(`${app.url}/subscriptions/${sub.subscription_id}/usage-history?meter_id=mtr_other`, app.adminKey);
    expect(unpriced.status).toBe(422);
    expect(unpriced.body.errors).toEqual([expect.objectContaining({ field: 'meter_id' })]);

    // The open period's invoice from real-time usage: 1000 fixed + 2 + 13 + 150.
    const preview = await getJson(`${app.url}/subscriptions/${sub.subscription_id}/invoice-preview`, app.adminKey);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      id: expect.stringMatching(/^inv_[0-9a-f]{24}$/),
      subscription_id: sub.subscription_id,
      customer_id: customerId,
      product_id: productId,
      currency: 'USD',
      period_start: new Date(p1.start).toISOString(),
      period_end: new Date(p1.end).toISOString(),
      status: 'preview',
      subtotal: '1165',
      total: '1165',
    });
    expect(preview.body.lines.map((l: { type: string; meter_id: string | null; amount: string }) => [l.type, l.meter_id, l.amount])).toEqual([
      ['fixed', null, '1000'],
      ['meter', 'mtr_api_calls', '2'],
      ['meter', 'mtr_tokens', '13'],
      ['meter', 'mtr_active_users', '150'],
    ]);
    // Nothing was issued.
    expect((await getJson(`${app.url}/invoices/${preview.body.id}`, app.adminKey)).status).toBe(404);
  });

  it('lists stored invoices newest period first with filters, once per id, and retrieves one', async () => {
    const invoice = (n: number, subscription: string, customer: string): Invoice => ({
      id: `inv_test_${subscription}_${n}`,
      subscription_id: subscription,
      customer_id: customer,
      product_id: 'prod_pro',
      currency: 'USD',
      period_start: `2026-0${n}-01T00:00:00.000Z`,
      period_end: `2026-0${n + 1}-01T00:00:00.000Z`,
      status: 'issued',
      lines: [{ type: 'fixed', meter_id: null, description: 'fixed fee', units_consumed: null, free_threshold: null, chargeable_units: null, price_per_unit: null, amount: `${1000 + n}` }],
      subtotal: `${1000 + n}`,
      total: `${1000 + n}`,
      issued_at: `2026-0${n + 1}-01T01:00:00.000Z`,
    });
    const row = (i: Invoice) => ({
      id: i.id,
      subscription_id: i.subscription_id,
      customer_id: i.customer_id,
      currency: i.currency,
      period_start: toClickHouseTime(Date.parse(i.period_start)),
      period_end: toClickHouseTime(Date.parse(i.period_end)),
      status: i.status,
      total: i.total,
      body: JSON.stringify(i),
      issued_at: toClickHouseTime(Date.parse(i.issued_at)),
    });
    const mine = [1, 2, 3].map((n) => invoice(n, 'sub_stored', 'cus_stored'));
    const other = invoice(2, 'sub_other', 'cus_other');
    await app.warehouse.insert('invoices', [...mine, other].map(row));
    await app.warehouse.insert('invoices', [row(mine[1])]); // the same invoice written twice

    const ids = async (query: string) => {
      const res = await getJson(`${app.url}/invoices?${query}`, app.adminKey);
      expect(res.status).toBe(200);
      return (res.body.items as Invoice[]).map((i) => i.id);
    };
    expect(await ids('subscription_id=sub_stored')).toEqual([mine[2].id, mine[1].id, mine[0].id]);
    expect(await ids('customer_id=cus_stored&page_size=2&page_number=1')).toEqual([mine[0].id]);
    expect(await ids('customer_id=cus_stored&period_start=2026-02-01T00:00:00Z&period_end=2026-04-01T00:00:00Z')).toEqual([mine[2].id, mine[1].id]);
    expect(await ids('status=issued&period_start=2026-02-01T00:00:00Z&period_end=2026-03-01T00:00:00Z')).toEqual(expect.arrayContaining([mine[1].id, other.id]));
    expect(await ids('subscription_id=sub_stored&status=void')).toEqual([]);
    expect((await getJson(`${app.url}/invoices?period_start=yesterday`, app.adminKey)).status).toBe(422);

    expect(await getJson(`${app.url}/invoices/${mine[1].id}`, app.adminKey)).toEqual({ status: 200, body: mine[1] });
  });
});
