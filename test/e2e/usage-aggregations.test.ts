import { eventually, getJson, postJson, startTestPipeline } from '../support/pipeline';

// unique_count and last end to end, HTTP in and HTTP out: events spread over a month reach GET /usage
// through the gateway, the router, the aggregator's windows and several flushes.
// - unique_count: the month's total is the exact number of distinct values, not the sum of the
//   per-window distinct counts (which the test shows to be larger);
// - last: the value of the event with the greatest timestamp, although that event was sent (and
//   flushed) first and older events with other values came after it, in later requests.
describe('usage API: unique_count over a month and last out of order', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  const DAY = 86_400_000;
  const NOW = Date.now();
  const MONTH_START = NOW - 30 * DAY;
  const customer = `cus_agg_${NOW.toString(36)}`;
  let seq = 0;
  const ev = (eventName: string, timestamp: number, metadata: Record<string, string | number>) => ({
    event_id: `agg-${NOW.toString(36)}-${seq++}`,
    customer_id: customer,
    event_name: eventName,
    timestamp: new Date(timestamp).toISOString(),
    metadata,
  });
  const ingest = async (events: unknown[]) => {
    const res = await postJson(`${app.url}/events/ingest`, { events }, app.adminKey);
    expect(res).toEqual({ status: 200, body: { ingested_count: events.length } });
  };
  const createMeter = async (name: string, eventName: string, aggregation: Record<string, string>) => {
    const res = await postJson(`${app.url}/meters`, { name, event_name: eventName, measurement_unit: 'unit', aggregation }, app.adminKey);
    expect(res.status).toBe(200);
    return res.body.id as string;
  };
  const usage = (meterId: string, window: string) =>
    getJson(
      `${app.url}/usage?customer_id=${customer}&meter_id=${meterId}&start=${new Date(MONTH_START - DAY).toISOString()}&end=${new Date(NOW + DAY).toISOString()}&window=${window}`,
      app.adminKey,
    );
  /** A pause longer than AGGREGATOR_FLUSH_INTERVAL_MS: what was sent before it is flushed apart from what follows. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 800));

  beforeAll(async () => {
    // Events up to 31 days old are accepted here, and the router's window for repeated ids covers them.
    app = await startTestPipeline('usage-aggregations', {
      INGEST_MAX_EVENT_AGE_SECONDS: String(31 * 86_400),
      ROUTER_DEDUP_WINDOW_MINUTES: String(31 * 1440),
      AGGREGATOR_FLUSH_INTERVAL_MS: '100',
    });
  }, 120000);
  afterAll(async () => {
    await app?.stop();
  });

  it('unique_count over a month is the exact number of distinct values across windows and flushes', async () => {
    const meterId = await createMeter('Distinct seats', 'seat_seen', { type: 'unique_count', key: 'seat' });
    const countId = await createMeter('Seat events', 'seat_seen', { type: 'count' });
    // 30 days × 20 events; seat ids drawn so that many repeat across days, some only once.
    const distinct = new Set<string>();
    const perDay = new Map<number, Set<string>>();
    let sent = 0;
    for (let day = 0; day < 30; day++) {
      const events = [];
      for (let i = 0; i < 20; i++) {
        const seat = `seat-${(day * 7 + i * 13) % 97}`;
        const t = MONTH_START + day * DAY + i * 60_000;
        distinct.add(seat);
        const d = Math.floor((t - Date.UTC(1970, 0, 1)) / DAY);
        if (!perDay.has(d)) perDay.set(d, new Set());
        perDay.get(d)!.add(seat);
        events.push(ev('seat_seen', t, { seat }));
      }
      await ingest(events);
      sent += events.length;
      // A pause every few days: the aggregator flushes in between, so partials of the same
      // (meter, customer) come from several flushes.
      if (day % 5 === 4) await settle();
    }
    await eventually(async () => ((await usage(countId, 'month')).body.total === String(sent) ? true : undefined), 90000, `${sent} seat events counted`);
    await eventually(async () => ((await usage(meterId, 'day')).body.total === String(distinct.size) ? true : undefined), 30000, 'the distinct count');

    const res = await usage(meterId, 'day');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(String(distinct.size));
    const perDaySum = [...perDay.values()].reduce((n, s) => n + s.size, 0);
    const windowSum = res.body.windows.reduce((n: number, w: { value: string }) => n + Number(w.value), 0);
    expect(windowSum).toBe(perDaySum);
    expect(perDaySum).toBeGreaterThan(distinct.size); // so the total cannot be a sum of windows
    expect((await usage(meterId, 'month')).body.total).toBe(String(distinct.size));
  });

  it('last answers the value of the latest event even when it arrived first', async () => {
    const meterId = await createMeter('Balance', 'balance_reported', { type: 'last', key: 'balance' });
    const latest = NOW - 2 * DAY;
    await ingest([ev('balance_reported', latest, { balance: '1234.567890123456' })]);
    await eventually(async () => ((await usage(meterId, 'day')).body.total === '1234.567890123456' ? true : undefined), 60000, 'the first balance');
    // Older events with other values, in later requests and later flushes; one in the same minute
    // as the latest but a millisecond earlier.
    const later: [number, string][] = [
      [latest - 1, '1'],
      [latest - 3 * DAY, '2'],
      [latest - 20 * DAY, '3'],
      [latest - 10 * 60_000, '4'],
    ];
    await ingest(later.slice(0, 2).map(([t, balance]) => ev('balance_reported', t, { balance })));
    await settle();
    await ingest(later.slice(2).map(([t, balance]) => ev('balance_reported', t, { balance })));
    // Per UTC day, the value of that day's latest event, computed here.
    const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
    const expected = new Map<string, [number, string]>();
    for (const [t, value] of [[latest, '1234.567890123456'] as [number, string], ...later]) {
      const current = expected.get(dayOf(t));
      if (!current || t > current[0]) expected.set(dayOf(t), [t, value]);
    }
    const byDay = async () => {
      const res = await usage(meterId, 'day');
      return { total: res.body.total as string, days: Object.fromEntries(res.body.windows.map((w: { start: string; value: string }) => [w.start.slice(0, 10), w.value])) };
    };
    const want = Object.fromEntries([...expected].map(([day, [, value]]) => [day, value]));
    await eventually(async () => (Object.keys((await byDay()).days).length === expected.size ? true : undefined), 60000, 'the older balances in their own days');
    await settle();
    expect(await byDay()).toEqual({ total: '1234.567890123456', days: want });
  });
});
