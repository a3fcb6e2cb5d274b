import http from 'node:http';
import fc from 'fast-check';
import { ERROR_CODES } from '@meterstream/domain';
import { authHeader, getJson, startTestPipeline } from '../support/pipeline';

/**
 * Property-based HTTP test: requests generated from the served /openapi.json (every documented
 * operation, valid and invalid values for each parameter, repeated and unknown parameters, ids that
 * exist, do not, are too long or badly encoded, bodies of any JSON shape or none, and paths no route
 * has) against one running pipeline with an admin key. Whatever arrives: no 5xx, every error is
 * `{code, message, retryable}` with a code of the registry, and the process stays ready.
 */
const RUNS = Number(process.env.HTTP_FUZZ_RUNS ?? 5000);

interface Parameter {
  name: string;
  in: 'query' | 'path';
  required?: boolean;
  schema: Record<string, any>;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: boolean;
}
interface FuzzRequest {
  method: string;
  /** Path and query, already encoded (or deliberately not). */
  url: string;
  body?: string;
  contentType?: string;
}

const KNOWN_IDS = ['mtr_api_calls', 'mtr_tokens', 'mtr_active_users', 'cus_acme', 'prod_pro', 'sub_missing', 'inv_missing', 'ev-1'];
/** Raw fragments that are not valid percent-encoding or not valid UTF-8 once decoded. */
const RAW_BAD = ['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF', '%00', '%2', '%%'];
const enc = (text: string): string => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as a client that encodes it anyway would send it
  }
};

const anyText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', 'null', 'true', 'NaN', '-1', '1e3', '0x10', '010', '1.5', '99999999999999999999', '2026-02-30T00:00:00Z', 'Bogus/Zone', '💥', '\u0000', 'a\nb'),
  fc.string({ minLength: 200, maxLength: 3000 }),
);

/** A value the parameter's schema takes. */
function validValue(schema: Record<string, any>): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...schema.enum.map(String));
  if (schema.type === 'integer') return fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1000, 10_000_000) }).map(String);
  if (schema.format === 'date-time') return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.format === 'time-zone') return fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', ...Intl.supportedValuesOf('timeZone').slice(0, 50));
  return fc.oneof(fc.constantFrom(...KNOWN_IDS), fc.string({ minLength: 1, maxLength: 20 }));
}

/** One query-string pair, encoded; sometimes with raw bad encoding. */
const pair = (name: string, value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 9, arbitrary: value.map((v) => `${enc(name)}=${enc(v)}`) }, { weight: 1, arbitrary: fc.constantFrom(...RAW_BAD).map((raw) => `${enc(name)}=${raw}`) });

function operationRequest(op: Operation): fc.Arbitrary<FuzzRequest> {
  const query = op.parameters.filter((p) => p.in === 'query');
  const queryArb = fc
    .tuple(
      // Each documented parameter: absent, valid, invalid, or given twice.
      fc.tuple(
        ...query.map((p) =>
          fc.oneof(
            { weight: 3, arbitrary: fc.constant<string[]>([]) },
            { weight: 5, arbitrary: pair(p.name, validValue(p.schema)).map((s) => [s]) },
            { weight: 2, arbitrary: pair(p.name, anyText).map((s) => [s]) },
            { weight: 1, arbitrary: fc.tuple(pair(p.name, validValue(p.schema)), pair(p.name, validValue(p.schema))) },
          ),
        ),
      ),
      // Parameters no route takes.
      fc.oneof({ weight: 4, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(pair('', anyText).chain(() => fc.tuple(anyText, anyText).map(([k, v]) => `${enc(k)}=${enc(v)}`)), { minLength: 1, maxLength: 2 }) }),
    )
    .map(([documented, extra]) => [...documented.flat(), ...extra].join('&'));
  const pathArb = fc
    .tuple(
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map(() =>
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...KNOWN_IDS) },
          { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map(enc) },
          { weight: 1, arbitrary: fc.string({ minLength: 90, maxLength: 160 }).map((s) => enc(s || 'x')) },
          { weight: 1, arbitrary: fc.constantFrom(...RAW_BAD) },
        ),
      ),
    )
    .map((ids) => {
      let i = 0;
      return op.path.replace(/\{(\w+)\}/g, () => ids[i++]);
    });
  const bodyArb: fc.Arbitrary<{ body?: string; contentType?: string }> = op.body
    ? fc.oneof(
        { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ body: JSON.stringify(v), contentType: 'application/json' })) },
        { weight: 2, arbitrary: fc.dictionary(fc.constantFrom('events', 'name', 'email', 'price', 'metadata', 'scopes', 'aggregation', 'immediately', 'status', 'customer_id', 'product_id', 'start'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }).map((v) => ({ body: JSON.stringify(v), contentType: 'application/json' })) },
        { weight: 1, arbitrary: fc.constantFrom('{', '', '[1,', '{"a":1e999}', '{"a":12345678901234567890.123}', '{"__proto__":{"x":1}}', 'null', '\u0000').map((body) => ({ body, contentType: 'application/json' })) },
        { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1').map((contentType) => ({ body: '{}', contentType })) },
        { weight: 1, arbitrary: fc.constant({}) },
      )
    : fc.oneof({ weight: 9, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.constant({ body: '{"x":1}', contentType: 'application/json' }) });
  return fc.tuple(pathArb, queryArb, bodyArb).map(([path, q, b]) => ({ method: op.method, url: q === '' ? path : `${path}?${q}`, ...b }));
}

/** Paths and methods no route has. */
const strayRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    fc.oneof(
      fc.webPath(),
      fc.array(fc.oneof(fc.string({ maxLength: 12 }).map(enc), fc.constantFrom(...RAW_BAD), fc.constantFrom('meters', 'events', 'usage', '..', '.', '')), { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`),
    ),
  )
  .map(([method, path]) => ({ method, url: path.startsWith('/') ? path : `/${path}` }));

/** Sends the request as written (fetch would normalize the path and refuses a GET with a body). */
function send(base: string, req: FuzzRequest, key: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const out = http.request(
      { hostname, port, method: req.method, path: req.url, headers: {
          ...authHeader(key),
          ...(req.contentType ? { 'content-type': req.contentType } : {}),
          // Node sends a GET or DELETE body unframed otherwise (the server would read it as a next request).
          ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(req.body);
  });
}

describe('HTTP fuzz over the OpenAPI document', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  beforeAll(async () => {
    // One admin key makes every request: no rate limit in the way.
    app = await startTestPipeline('http-fuzz', { RATE_LIMIT_PER_MINUTE: '10000000' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it(`answers ${RUNS} generated requests without a 5xx, every error from the registry, and stays ready`, async () => {
    const doc = (await getJson(`${app.url}/openapi.json`, app.adminKey)).body;
    const operations: Operation[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) operations.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: op.requestBody !== undefined });
    }
    expect(operations.length).toBeGreaterThanOrEqual(32);
    const registry = new Set(Object.keys(ERROR_CODES));
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    let sent = 0;

    const requestArb = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...operations).chain(operationRequest) }, { weight: 1, arbitrary: strayRequest });
    await fc.assert(
      fc.asyncProperty(requestArb, async (req) => {
        const res = await send(app.url, req, app.adminKey);
        const text = res.text;
        sent++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const what = `${req.method} ${req.url} → ${res.status} ${text.slice(0, 300)}`;
        if (res.status >= 500) throw new Error(`5xx: ${what}`);
        if (res.status >= 400 && req.method !== 'HEAD') {
          let body: any;
          try {
            body = JSON.parse(text);
          } catch {
            throw new Error(`error body is not JSON: ${what}`);
          }
          if (!registry.has(body?.code) || typeof body.message !== 'string' || body.retryable !== ERROR_CODES[body.code as keyof typeof ERROR_CODES].retryable) {
            throw new Error(`error outside the registry: ${what}`);
          }
          if (ERROR_CODES[body.code as keyof typeof ERROR_CODES].status !== res.status) throw new Error(`status does not match the code: ${what}`);
          codes.set(body.code, (codes.get(body.code) ?? 0) + 1);
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // What the run covered, for the log (a run that only met 401s would prove nothing).
    console.log(`http-fuzz: ${sent} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; codes ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(sent).toBeGreaterThanOrEqual(2000);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
    expect(codes.get('VALIDATION_FAILED') ?? 0).toBeGreaterThan(100);
    expect(codes.get('ROUTE_NOT_FOUND') ?? 0).toBeGreaterThan(10);
    expect(codes.get('UNAUTHENTICATED') ?? 0).toBe(0);

    expect((await getJson(`${app.url}/readyz`)).status).toBe(200);
    expect((await getJson(`${app.url}/healthz`)).status).toBe(200);
  }, 180_000);
});
