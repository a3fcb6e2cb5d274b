import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import { authHeader, eventually, getJson, postJson, startTestPipeline } from '../support/pipeline';

// Issue #11 over real HTTP: numbers keep every digit from the request text to GET /events and
// GET /usage; values outside the documented range and text that is not valid Unicode are refused with
// 422 naming index and field; an event is (customer_id, event_id). One partition for `events`, so
// that events of every customer meet in one router partition (where ids of two customers used to merge).
describe('exact at every boundary: POST /events/ingest over HTTP', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  const run = Date.now().toString(36);
  const customer = `cus_exact_${run}`;
  const now = () => new Date().toISOString();
  const period = () => ({ start: new Date(Date.now() - 3600_000).toISOString(), end: new Date(Date.now() + 3600_000).toISOString() });

  /** POSTs raw JSON text: the numbers in it are never a JavaScript number on this side. */
  const postRaw = async (path: string, text: string) => {
    const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeader(app.adminKey) }, body: text });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** GETs and parses the answer without loss (numbers as LosslessNumber). */
  const getExact = async (path: string) => {
    const res = await fetch(`${app.url}${path}`, { headers: authHeader(app.adminKey) });
    return { status: res.status, body: parse(await res.text()) as any };
  };
  /** A number or decimal text from a lossless answer, as text. */
  const digits = (value: unknown) => (isLosslessNumber(value) ? (value as LosslessNumber).value : String(value));
  const usage = async (meterId: string, customerId: string) => {
    const { start, end } = period();
    return (await getJson(`${app.url}/usage?customer_id=${customerId}&meter_id=${meterId}&start=${start}&end=${end}`, app.adminKey)).body;
  };
  /** Scaled BigInt of a plain decimal text (the oracle for sums). */
  const units = (text: string, scale = 12) => {
    const [whole, fraction = ''] = text.replace('-', '').split('.');
    return BigInt(whole + fraction.padEnd(scale, '0')) * (text.startsWith('-') ? -1n : 1n);
  };

  beforeAll(async () => {
    app = await startTestPipeline('exact-ingest', { KAFKA_PARTITIONS: '1' });
  }, 120000);
  afterAll(async () => {
    await app?.stop();
  });

  it('keeps every digit of 12345678901234567890.5 through Kafka and ClickHouse, and sums such values exactly', async () => {
    const a = '12345678901234567890.5';
    const b = '98765432109876543210.000000000001';
    const text = `{"events":[
      {"event_id":"big-1-${run}","customer_id":"${customer}","event_name":"llm_completion","timestamp":"${now()}","metadata":{"tokens": ${a}}},
      {"event_id":"big-2-${run}","customer_id":"${customer}","event_name":"llm_completion","timestamp":"${now()}","metadata":{"tokens": ${b}}}]}`;
    expect(await postRaw('/events/ingest', text)).toEqual({ status: 200, body: { ingested_count: 2 } });

    const listed = await eventually(async () => {
      const res = await getExact(`/events?customer_id=${customer}&event_name=llm_completion`);
      return res.body.items?.length === 2 ? res.body.items : undefined;
    }, 60000, 'both events listed');
    const byId = new Map<string, any>(listed.map((e: any) => [e.event_id, e]));
    expect(digits(byId.get(`big-1-${run}`).metadata.tokens)).toBe(a);
    expect(digits(byId.get(`big-2-${run}`).metadata.tokens)).toBe(b);
    // What JSON.parse had made of the first one, the bug this test guards against.
    expect(String(JSON.parse(a))).toBe('12345678901234567000');

    const expected = units(a) + units(b); // 111111111011111111100.500000000001
    const total = await eventually(async () => {
      const body = await usage('mtr_tokens', customer);
      return body.total !== '0' ? body.total : undefined;
    }, 60000, 'the tokens to be summed');
    expect(units(total)).toBe(expected);
    expect(total).toBe('111111111011111111100.500000000001');
  });

  it('refuses a metered value outside the range with 422 naming index and field, and takes nothing of the request', async () => {
    const ok = (id: string) => `{"event_id":"${id}","customer_id":"${customer}_range","event_name":"llm_completion","timestamp":"${now()}","metadata":{"tokens": 5}}`;
    const bad = (id: string, tokens: string) => `{"event_id":"${id}","customer_id":"${customer}_range","event_name":"llm_completion","timestamp":"${now()}","metadata":{"tokens": ${tokens}}}`;
    for (const tokens of ['1e26', '123456789012345678901234567', '0.0000000000001', '"123456789012345678901234567"', '"1e99999999"', '"many"']) {
      const res = await postRaw('/events/ingest', `{"events":[${ok(`r-ok-${run}`)},${bad(`r-bad-${run}`, tokens)}]}`);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
      expect(res.body.errors).toEqual([{ index: 1, field: 'metadata.tokens', message: expect.any(String) }]);
    }
    // A JSON number out of range in metadata no meter reads is refused too: it cannot be carried exactly.
    const unmetered = await postRaw('/events/ingest', `{"events":[{"event_id":"r-x-${run}","customer_id":"${customer}_range","event_name":"api_request","metadata":{"ratio": 0.12345678901234567}}]}`);
    expect(unmetered.status).toBe(422);
    expect(unmetered.body.errors).toEqual([{ index: 0, field: 'metadata.ratio', message: expect.stringContaining('outside the range') }]);
    // The widest value in range is accepted (for a customer of its own: a sum of two such values is
    // wider than Decimal(38, 12), which the stored totals are widened for separately); nothing of the
    // refused requests was taken.
    const widest = `${'9'.repeat(26)}.${'9'.repeat(12)}`;
    const wide = `{"event_id":"r-wide-${run}","customer_id":"${customer}_wide","event_name":"llm_completion","timestamp":"${now()}","metadata":{"tokens": ${widest}}}`;
    expect(await postRaw('/events/ingest', `{"events":[${ok(`r-ok-${run}`)},${wide}]}`)).toEqual({ status: 200, body: { ingested_count: 2 } });
    for (const [customerId, expected] of [[`${customer}_range`, '5'], [`${customer}_wide`, widest]]) {
      const total = await eventually(async () => {
        const body = await usage('mtr_tokens', customerId);
        return body.total !== '0' ? body.total : undefined;
      }, 60000, `the accepted tokens of ${customerId}`);
      expect(units(total)).toBe(units(expected));
    }
  });

  it('sums the widest values exactly inside one window and across windows, and the partition goes on', async () => {
    // Three in one minute and two in earlier minutes: a window of three is wider than Decimal(38, 12)
    // (whose insert ClickHouse used to refuse, stopping the partition), the five together wider still
    // (whose sum used to wrap to a negative total).
    const widest = `${'9'.repeat(26)}.${'9'.repeat(12)}`;
    const who = `${customer}_sum`;
    const minute = 60_000;
    const base = Math.floor(Date.now() / minute) * minute - 10 * minute;
    const at = [base + 1_000, base + 2_000, base + 59_999, base - minute + 5, base - 3 * minute];
    const events = at.map((ms, i) => `{"event_id":"w-${i}-${run}","customer_id":"${who}","event_name":"llm_completion","timestamp":"${new Date(ms).toISOString()}","metadata":{"tokens": ${widest}}}`);
    expect(await postRaw('/events/ingest', `{"events":[${events.join(',')}]}`)).toEqual({ status: 200, body: { ingested_count: 5 } });
    const five = 5n * units(widest);
    const total = await eventually(async () => {
      const body = await usage('mtr_tokens', who);
      return body.total !== '0' ? body.total : undefined;
    }, 60000, 'the five widest values summed');
    expect(units(total)).toBe(five);
    expect(total).toBe('499999999999999999999999999.999999999995');
    // A control event after them on the same meter, customer and partition counts within 5 s.
    const control = `{"event_id":"w-control-${run}","customer_id":"${who}","event_name":"llm_completion","timestamp":"${now()}","metadata":{"tokens": 7}}`;
    expect(await postRaw('/events/ingest', `{"events":[${control}]}`)).toEqual({ status: 200, body: { ingested_count: 1 } });
    const after = await eventually(async () => {
      const body = await usage('mtr_tokens', who);
      return units(body.total) === five + units('7') ? body.total : undefined;
    }, 5000, 'the control event counted');
    expect(after).toBe('500000000000000000000000006.999999999995');
  });

  it('refuses unpaired surrogates in ids, metadata keys and values with 422, naming index and field', async () => {
    const event = (fields: string) => `{"event_id":"s-ok-${run}","customer_id":"${customer}_sur","event_name":"api_request"${fields}}`;
    const cases: [string, string][] = [
      [`{"event_id":"sur_\\ud800","customer_id":"${customer}_sur","event_name":"api_request"}`, 'event_id'],
      [`{"event_id":"sur_\\udbff","customer_id":"${customer}_sur","event_name":"api_request"}`, 'event_id'],
      [`{"event_id":"s-1-${run}","customer_id":"cus_\\udc00","event_name":"api_request"}`, 'customer_id'],
      [`{"event_id":"s-2-${run}","customer_id":"${customer}_sur","event_name":"api\\ud800"}`, 'event_name'],
      [`{"event_id":"s-3-${run}","customer_id":"${customer}_sur","event_name":"api_request","metadata":{"k\\ud800":"v"}}`, 'metadata.k\ud800'],
      [`{"event_id":"s-4-${run}","customer_id":"${customer}_sur","event_name":"api_request","metadata":{"note":"\\udfff"}}`, 'metadata.note'],
    ];
    for (const [bad, field] of cases) {
      const res = await postRaw('/events/ingest', `{"events":[${event('')},${bad}]}`);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual([{ index: 1, field, message: expect.stringContaining('surrogate') }]);
    }
    // A surrogate pair (an emoji) is valid text and is kept as sent.
    const emoji = await postRaw('/events/ingest', `{"events":[${event(',"metadata":{"mood":"\\ud83d\\ude00"}')}]}`);
    expect(emoji).toEqual({ status: 200, body: { ingested_count: 1 } });
    // Catalog routes refuse them too (one place: the body parser).
    const customerRes = await postRaw('/customers', '{"name":"bad \\ud800","email":"sur@example.com"}');
    expect(customerRes.status).toBe(422);
    expect(customerRes.body.errors).toEqual([{ field: 'name', message: expect.stringContaining('surrogate') }]);
  });

  it('counts the same event_id under two customers as two events, and the same (customer, id) once', async () => {
    const id = `shared-${run}`;
    const [a, b] = [`${customer}_a`, `${customer}_b`];
    const ev = (customerId: string) => ({ event_id: id, customer_id: customerId, event_name: 'api_request', timestamp: now(), metadata: { user_id: 'u1' } });
    expect(await postJson(`${app.url}/events/ingest`, { events: [ev(a), ev(b)] }, app.adminKey)).toEqual({ status: 200, body: { ingested_count: 2 } });
    expect(await postJson(`${app.url}/events/ingest`, { events: [ev(a), ev(b)] }, app.adminKey)).toEqual({ status: 200, body: { ingested_count: 0 } });
    const dup = await postJson(`${app.url}/events/ingest`, { events: [ev(a), ev(b), ev(a)] }, app.adminKey);
    expect(dup.status).toBe(422);
    expect(dup.body).toMatchObject({ code: 'DUPLICATE_EVENT_ID_IN_BATCH', errors: [{ index: 2, field: 'event_id' }] });

    for (const c of [a, b]) {
      const total = await eventually(async () => {
        const body = await usage('mtr_api_calls', c);
        return body.total !== '0' ? body.total : undefined;
      }, 60000, `the call of ${c}`);
      expect(total).toBe('1');
    }
    const listed = await eventually(async () => {
      const items = (await getJson(`${app.url}/events?event_name=api_request&page_size=100`, app.adminKey)).body.items.filter((e: any) => e.event_id === id);
      return items.length === 2 ? items : undefined;
    }, 60000, 'both events listed');
    expect(listed.map((e: any) => e.customer_id).sort()).toEqual([a, b]);
    // GET /events/{id} takes the id alone: two customers used it, so it asks which one.
    const ambiguous = await getJson(`${app.url}/events/${id}`, app.adminKey);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body).toMatchObject({ code: 'AMBIGUOUS_EVENT_ID', errors: [{ field: 'customer_id' }] });
    expect((await getJson(`${app.url}/events/${id}?customer_id=${b}`, app.adminKey)).body).toMatchObject({ event_id: id, customer_id: b });

    // A later repeat of each is still not counted (the router's window is per customer and id).
    await new Promise((r) => setTimeout(r, 1500));
    expect((await usage('mtr_api_calls', a)).total).toBe('1');
    expect((await usage('mtr_api_calls', b)).total).toBe('1');
  });

  it('refuses on other routes a JSON number a double cannot hold, instead of rounding it', async () => {
    const res = await postRaw('/customers', '{"name":"n","email":"n@example.com","metadata":{"n": 12345678901234567890}}');
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'metadata.n', message: expect.stringContaining('12345678901234567890') }]);
  });
});
