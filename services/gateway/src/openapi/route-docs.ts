import { AUDIT_KINDS, CORRECTION_KINDS, ERROR_CODES, INTERVALS, PRICING_MODELS, type ErrorCode } from '@meterstream/domain';
import { PUBLIC_ROUTES } from '../auth';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_NUMBER, MAX_PAGE_SIZE } from '../pagination';

/**
 * Every gateway route's schema, keyed by "METHOD /path": attached to the route when it is registered
 * (openapi.ts), it is both what validates the request (Fastify/Ajv: query string, path parameters)
 * and what @fastify/swagger documents. A query parameter that is not listed is refused (422
 * VALIDATION_FAILED naming it), so the document lists exactly what each route accepts.
 *
 * Request bodies are documented here and validated field by field by the route's own validator (the
 * domain's catalog-input rules, the ingest validator with per-event index and field), which names every
 * bad field at once; `body` is therefore documentation, and the route's validation schema takes any
 * body (the handler refuses what is not a JSON object).
 *
 * `dodo: true` marks routes that follow Dodo Payments' API (x-dodo-compatible in the document).
 */
export interface RouteDoc {
  summary: string;
  tag: string;
  dodo: boolean;
  /** Query parameters: property schemas, and the required ones. */
  query?: { properties: Record<string, Schema>; required?: string[] };
  /** The request body as documented (validated by the handler). */
  body?: Schema;
  /** The success status (default 200) and what it answers. */
  success?: { status: 200 | 201 | 202 | 204; description: string; schema?: Schema };
  /** Error codes this route answers besides those every route (or every route of its kind) answers. */
  errors?: ErrorCode[];
  /** Reads ClickHouse: may answer 503 WAREHOUSE_UNAVAILABLE. */
  warehouse?: boolean;
  /** Writes to Kafka (events or the catalog): may answer 503 EVENT_BUS_UNAVAILABLE. */
  kafka?: boolean;
}

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const id: Schema = { type: 'string', minLength: 1 };
const dateTime = (description: string): Schema => ({ type: 'string', format: 'date-time', description });
const trueFalse = (description: string): Schema => ({ type: 'string', enum: ['true', 'false'], description });
/** Dodo's paging: zero-based page_number, offset = page_number × page_size. */
const page: Record<string, Schema> = {
  page_size: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: 'Items per page' },
  page_number: {
    type: 'integer',
    minimum: 0,
    maximum: MAX_PAGE_NUMBER,
    default: 0,
    description:
      'Zero-based page number: the page starts at item page_number × page_size. (The dodopayments SDK iterator asks for page 2 after a first request without page_number: pass page_number: 0 to iterate every page.)',
  },
};
const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', properties, ...(required.length > 0 ? { required } : {}) });
const metadata: Schema = { type: 'object', additionalProperties: { anyOf: [str, { type: 'number' }, { type: 'boolean' }] }, description: 'String keys; string, number or boolean values' };
const list = (item: string): RouteDoc['success'] => ({ status: 200, description: `A page of ${item}`, schema: obj({ items: { type: 'array', items: { type: 'object' } } }, ['items']) });
const one = (item: string): RouteDoc['success'] => ({ status: 200, description: item, schema: { type: 'object' } });
const none = (description: string): RouteDoc['success'] => ({ status: 204, description });

const eventInput = obj(
  {
    event_id: { ...id, maxLength: 256 },
    customer_id: { ...id, maxLength: 256 },
    event_name: { ...id, maxLength: 256 },
    timestamp: dateTime('Event time; default: when the gateway received it'),
    metadata: { ...metadata, description: 'Numbers keep every digit (exact decimals); a decimal may also be sent as a string' },
  },
  ['event_id', 'customer_id', 'event_name'],
);
const filter: Schema = { type: 'object', description: '{conjunction: and|or, clauses: conditions {key, operator, value} or nested filters}, at most 3 levels' };
const decimal: Schema = { type: 'string', description: 'Exact decimal text' };
const tier = obj({ up_to: { anyOf: [decimal, { type: 'null' }] }, price_per_unit: decimal, flat_fee: decimal });
const meterPrice = obj(
  {
    meter_id: id,
    price_per_unit: decimal,
    free_threshold: decimal,
    model: { type: 'string', enum: [...PRICING_MODELS] },
    package_size: decimal,
    tiers: { type: 'array', items: tier },
  },
  ['meter_id'],
);
const price = obj(
  {
    type: { type: 'string', enum: ['usage_based_price'] },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    fixed_price: { type: 'integer', minimum: 0, description: 'In the lowest denomination' },
    payment_frequency_interval: { type: 'string', enum: [...INTERVALS] },
    payment_frequency_count: { type: 'integer', minimum: 1 },
    subscription_period_interval: { type: 'string', enum: [...INTERVALS] },
    subscription_period_count: { type: 'integer', minimum: 1 },
    meters: { type: 'array', items: meterPrice },
  },
  ['type', 'currency', 'fixed_price', 'payment_frequency_interval', 'payment_frequency_count', 'meters'],
);
const correctionAnswer = obj(
  {
    correction_id: str,
    kind: { type: 'string', enum: [...CORRECTION_KINDS] },
    event_id: str,
    customer_id: str,
    event_name: str,
    timestamp: { type: 'string', format: 'date-time' },
    requested_at: { type: 'string', format: 'date-time' },
    status: { type: 'string', enum: ['accepted'] },
  },
  ['correction_id', 'kind', 'event_id', 'customer_id', 'status'],
);
const CORRECTION_ERRORS: ErrorCode[] = ['EVENT_NOT_FOUND', 'EVENT_OF_ANOTHER_CUSTOMER', 'EVENT_VOIDED', 'EVENT_OLDER_THAN_BACKFILL_LIMIT', 'CORRECTION_ID_CONFLICT'];
const SUBSCRIPTION_STATUSES = ['pending', 'active', 'on_hold', 'paused', 'cancelled', 'failed', 'expired', 'past_due'];

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /events/ingest': {
    summary: 'Ingest 1 to 1000 usage events; ids seen before are ignored',
    tag: 'Usage events',
    dodo: true,
    body: obj({ events: { type: 'array', minItems: 1, maxItems: 1000, items: eventInput } }, ['events']),
    success: { status: 200, description: 'The events were acknowledged by Kafka', schema: obj({ ingested_count: { type: 'integer' } }, ['ingested_count']) },
    errors: ['DUPLICATE_EVENT_ID_IN_BATCH'],
    kafka: true,
    warehouse: true,
  },
  'POST /events/backfill': {
    summary: 'Backfill 1 to 1000 usage events up to BACKFILL_MAX_AGE_DAYS old (admin); ids seen before are ignored, as on ingest',
    tag: 'Corrections',
    dodo: false,
    body: obj(
      {
        events: { type: 'array', minItems: 1, maxItems: 1000, items: eventInput },
        backfill_id: { ...id, maxLength: 255, description: "The batch's id, recorded in the audit trail; default bf_ and 24 hex digits of the SHA-256 of the events (the same batch gives the same id)" },
      },
      ['events'],
    ),
    success: {
      status: 200,
      description: 'The events were acknowledged by Kafka',
      schema: obj({ ingested_count: { type: 'integer' }, backfill_id: str }, ['ingested_count', 'backfill_id']),
    },
    errors: ['DUPLICATE_EVENT_ID_IN_BATCH', 'EVENT_OLDER_THAN_BACKFILL_LIMIT'],
    kafka: true,
    warehouse: true,
  },
  'POST /events/:event_id/void': {
    summary: "Void an accepted event (admin): it no longer counts in any meter; idempotent by the customer's correction_id",
    tag: 'Corrections',
    dodo: false,
    body: obj({ customer_id: { ...id, maxLength: 255 }, correction_id: { ...id, maxLength: 255 }, reason: { ...str, maxLength: 500 } }, ['customer_id', 'correction_id']),
    success: { status: 200, description: 'The correction was acknowledged by Kafka (or is an identical re-send)', schema: correctionAnswer },
    errors: CORRECTION_ERRORS,
    kafka: true,
    warehouse: true,
  },
  'POST /events/:event_id/amend': {
    summary: "Replace an accepted event's metadata (admin): its meters count it with the new metadata; idempotent by the customer's correction_id",
    tag: 'Corrections',
    dodo: false,
    body: obj(
      { customer_id: { ...id, maxLength: 255 }, correction_id: { ...id, maxLength: 255 }, metadata: { ...metadata, description: 'The whole metadata after the amend, by ingest rules' }, reason: { ...str, maxLength: 500 } },
      ['customer_id', 'correction_id', 'metadata'],
    ),
    success: { status: 200, description: 'The correction was acknowledged by Kafka (or is an identical re-send)', schema: correctionAnswer },
    errors: CORRECTION_ERRORS,
    kafka: true,
    warehouse: true,
  },
  'GET /corrections': {
    summary: 'The audit trail of voids, amends and backfills, newest first, one item per correction and event, with the metadata before and after',
    tag: 'Corrections',
    dodo: false,
    query: {
      properties: {
        customer_id: str,
        event_id: str,
        correction_id: { ...str, description: 'A correction id or a backfill batch id' },
        kind: { type: 'string', enum: [...AUDIT_KINDS] },
        ...page,
      },
    },
    success: list('corrections: {correction_id, kind, customer_id, event_id, event_name, timestamp, before, after, requested_by, reason, requested_at}'),
    warehouse: true,
    errors: ['QUERY_TIMEOUT'],
  },
  'GET /events': {
    summary: 'List events, newest first',
    tag: 'Usage events',
    dodo: true,
    query: {
      properties: {
        customer_id: str,
        event_name: str,
        meter_id: { ...str, description: 'The events the meter counted (routed to it after it was created, passing its filter)' },
        start: dateTime('Events at or after this time'),
        end: dateTime('Events before this time'),
        ...page,
      },
    },
    success: list('events'),
    warehouse: true,
    errors: ['QUERY_TIMEOUT'],
  },
  'GET /events/:event_id': {
    summary: 'Retrieve an event; 409 AMBIGUOUS_EVENT_ID when several customers used the id (then pass customer_id)',
    tag: 'Usage events',
    dodo: true,
    query: { properties: { customer_id: str } },
    success: one('The event, its metadata as amended (original_metadata when an amend changed it), status (active | voided) and history (its corrections, oldest first)'),
    errors: ['AMBIGUOUS_EVENT_ID'],
    warehouse: true,
  },
  'POST /corrections/preview': {
    summary: 'What a void or amend of a stored event would change (usage and billing per meter and subscription period), applying nothing',
    tag: 'Usage events',
    dodo: false,
    body: obj(
      {
        customer_id: { ...id, maxLength: 256 },
        event_id: { ...id, maxLength: 256 },
        kind: { type: 'string', enum: ['void', 'amend'] },
        metadata: { ...metadata, description: 'amend only (required): the event metadata after it; numbers keep every digit' },
      },
      ['customer_id', 'event_id', 'kind'],
    ),
    success: one(
      '{kind, event, metadata, meters: [{meter_id, change, value, unique_key, subscriptions: [{subscription_id, product_id, currency, period_start, period_end, usage_now, usage_after, invoiced, billed_units, units_change, amount_change}]}], rejected}; quantities and amounts are exact decimal strings, amounts in the lowest denomination',
    ),
    errors: ['EVENT_NOT_FOUND', 'EVENT_OF_ANOTHER_CUSTOMER', 'EVENT_VOIDED', 'EVENT_OLDER_THAN_BACKFILL_LIMIT'],
    warehouse: true,
  },
  'POST /meters': {
    summary: 'Create a meter',
    tag: 'Meters',
    dodo: true,
    body: obj(
      {
        name: id,
        event_name: id,
        measurement_unit: id,
        description: str,
        aggregation: obj({ type: { type: 'string', enum: ['count', 'sum', 'max', 'last', 'unique_count'] }, key: str }, ['type']),
        filter,
      },
      ['name', 'event_name', 'measurement_unit', 'aggregation'],
    ),
    success: one('The meter'),
    kafka: true,
  },
  'GET /meters': { summary: 'List meters', tag: 'Meters', dodo: true, query: { properties: { archived: trueFalse('Archived meters instead of active ones'), ...page } }, success: list('meters') },
  'GET /meters/:id': { summary: 'Retrieve a meter', tag: 'Meters', dodo: true, success: one('The meter') },
  'DELETE /meters/:id': { summary: 'Archive a meter', tag: 'Meters', dodo: true, success: none('Archived'), kafka: true },
  'POST /meters/:id/unarchive': { summary: 'Unarchive a meter', tag: 'Meters', dodo: true, success: none('Unarchived'), kafka: true },
  'GET /usage': {
    summary: "A meter's usage for a customer, total and per window (decimal strings)",
    tag: 'Usage',
    dodo: false,
    query: {
      properties: {
        customer_id: id,
        meter_id: id,
        start: dateTime('Range start (inclusive)'),
        end: dateTime('Range end (exclusive); default now'),
        window: { type: 'string', enum: ['minute', 'hour', 'day', 'month'], default: 'minute' },
        time_zone: { type: 'string', format: 'time-zone', description: 'IANA time zone of the windows, e.g. Europe/Paris; default UTC' },
      },
      required: ['customer_id', 'meter_id', 'start'],
    },
    success: one('{meter_id, customer_id, start, end, window, total, windows: [{start, end, value}]}'),
    errors: ['UNKNOWN_METER'],
    warehouse: true,
  },
  'POST /customers': {
    summary: 'Create a customer',
    tag: 'Customers',
    dodo: true,
    body: obj({ name: id, email: str, phone_number: str, metadata }, ['name', 'email']),
    success: one('The customer'),
    kafka: true,
  },
  'GET /customers': {
    summary: 'List customers, oldest first',
    tag: 'Customers',
    dodo: true,
    query: {
      properties: {
        email: { ...str, description: 'Exactly this email' },
        name: { ...str, description: 'Names containing this text (any case)' },
        created_at_gte: dateTime('Created at or after'),
        created_at_lte: dateTime('Created at or before'),
        ...page,
      },
    },
    success: list('customers'),
  },
  'GET /customers/:id': { summary: 'Retrieve a customer', tag: 'Customers', dodo: true, success: one('The customer') },
  'PATCH /customers/:id': {
    summary: 'Update a customer',
    tag: 'Customers',
    dodo: true,
    body: obj({ name: str, email: str, phone_number: str, metadata }),
    success: one('The customer'),
    kafka: true,
  },
  'POST /products': {
    summary: 'Create a product with a usage-based price',
    tag: 'Products',
    dodo: true,
    body: obj({ name: id, description: str, tax_category: str, metadata, price }, ['name', 'price']),
    success: one('The product'),
    kafka: true,
  },
  'GET /products': {
    summary: 'List products',
    tag: 'Products',
    dodo: true,
    query: { properties: { archived: trueFalse('Archived products (there are none)'), recurring: trueFalse('Recurring products (all are)'), ...page } },
    success: list('products'),
  },
  'GET /products/:id': { summary: 'Retrieve a product', tag: 'Products', dodo: true, success: one('The product') },
  'POST /subscriptions': {
    summary: 'Subscribe a customer to a product (start may lie in the past)',
    tag: 'Subscriptions',
    dodo: true,
    body: obj(
      {
        customer_id: id,
        customer: obj({ customer_id: id }, ['customer_id']),
        product_id: id,
        start: dateTime('Billing anchor; default now; not in the future'),
        quantity: { type: 'integer', enum: [1] },
        metadata,
      },
      ['product_id'],
    ),
    success: one('The subscription'),
    kafka: true,
  },
  'GET /subscriptions': {
    summary: 'List subscriptions',
    tag: 'Subscriptions',
    dodo: true,
    query: {
      properties: {
        customer_id: str,
        product_id: str,
        status: { type: 'string', enum: SUBSCRIPTION_STATUSES },
        cancel_at_next_billing_date: trueFalse('Subscriptions cancelled at the end of their period'),
        ...page,
      },
    },
    success: list('subscriptions'),
  },
  'GET /subscriptions/:id': { summary: 'Retrieve a subscription', tag: 'Subscriptions', dodo: true, success: one('The subscription') },
  'PATCH /subscriptions/:id': {
    summary: 'Update a subscription: cancel (status cancelled, or cancel_at_next_billing_date) or replace metadata',
    tag: 'Subscriptions',
    dodo: true,
    body: obj({ status: { type: 'string', enum: ['active', 'cancelled'] }, cancel_at_next_billing_date: { type: 'boolean' }, metadata }),
    success: one('The subscription'),
    kafka: true,
  },
  'POST /subscriptions/:id/cancel': {
    summary: 'Cancel at period end, or immediately with a final invoice',
    tag: 'Subscriptions',
    dodo: false,
    body: obj({ immediately: { type: 'boolean' } }),
    success: one('The subscription'),
    kafka: true,
  },
  'GET /subscriptions/:id/usage-history': {
    summary: 'Usage per billing period and meter, most recent first',
    tag: 'Subscriptions',
    dodo: true,
    query: {
      properties: {
        start_date: dateTime('Periods ending after this time'),
        end_date: dateTime('Periods starting at or before this time'),
        meter_id: { ...str, description: 'One meter of the product' },
        ...page,
      },
    },
    success: list('billing periods'),
    errors: ['UNKNOWN_METER'],
    warehouse: true,
  },
  'GET /subscriptions/:id/invoice-preview': {
    summary: "The open period's invoice from real-time usage",
    tag: 'Invoices',
    dodo: false,
    success: one('The invoice as it would be issued now'),
    errors: ['UNKNOWN_METER'],
    warehouse: true,
  },
  'GET /invoices': {
    summary: 'List invoices, most recent first',
    tag: 'Invoices',
    dodo: false,
    query: {
      properties: {
        customer_id: str,
        subscription_id: str,
        status: str,
        period_start: dateTime('Invoices whose period starts at or after this time'),
        period_end: dateTime('Invoices whose period ends at or before this time'),
        ...page,
      },
    },
    success: list('invoices'),
    warehouse: true,
    errors: ['QUERY_TIMEOUT'],
  },
  'GET /invoices/:id': { summary: 'Retrieve an invoice', tag: 'Invoices', dodo: false, success: one('The invoice'), warehouse: true },
  'POST /billing/run': {
    summary: 'Close the periods that are due now (the scheduler does this every BILLING_TICK_MS); answers within 2 s',
    tag: 'Billing',
    dodo: false,
    success: one('200: the run completed, {run_id, status: completed, invoices}; 202: still running or queued, {run_id, status}; poll GET /billing/runs/{run_id}'),
    warehouse: true,
    kafka: true,
    errors: ['SERVICE_STARTING'],
  },
  'GET /billing/runs/:run_id': {
    summary: 'A billing run: queued, running, completed (with its invoices) or failed (with the error)',
    tag: 'Billing',
    dodo: false,
    success: one('{run_id, status, invoices?, error?}'),
  },
  'POST /api-keys': {
    summary: 'Create an API key (the token is shown once)',
    tag: 'API keys',
    dodo: false,
    body: obj({ name: id, scopes: { type: 'array', minItems: 1, items: { type: 'string', enum: ['ingest', 'read', 'admin'] } } }, ['name', 'scopes']),
    success: { status: 201, description: 'The key, with its token (shown only here)', schema: { type: 'object' } },
    kafka: true,
  },
  'GET /api-keys': { summary: 'List API keys (never the token or its hash)', tag: 'API keys', dodo: false, query: { properties: { ...page } }, success: list('API keys') },
  'DELETE /api-keys/:id': { summary: 'Revoke an API key', tag: 'API keys', dodo: false, success: none('Revoked'), kafka: true },
  'GET /openapi.json': { summary: 'This OpenAPI document', tag: 'Meta', dodo: false, success: one('OpenAPI 3.0 document') },
  'GET /healthz': { summary: 'Liveness', tag: 'Meta', dodo: false, success: one('{status: ok}') },
  'GET /readyz': {
    summary: 'Readiness: ok, or degraded or error (503) with the reasons, e.g. a partition whose flush is failing, ClickHouse unreachable',
    tag: 'Meta',
    dodo: false,
    success: one('{status: ok}'),
  },
  'GET /metrics': {
    summary: 'Prometheus metrics (text exposition format; public, like the probes)',
    tag: 'Meta',
    dodo: false,
    success: { status: 200, description: 'Prometheus text exposition format', schema: { type: 'string' } },
  },
};

/** Route parameters of a Fastify path: "/meters/:id/unarchive" has ["id"]. */
export function pathParameters(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}

/** The error codes a route can answer, by HTTP status (what the document lists under responses). */
export function routeErrors(method: string, url: string, doc: RouteDoc): Map<number, ErrorCode[]> {
  const codes = new Set<ErrorCode>(['INVALID_URL', 'INTERNAL']);
  if (!PUBLIC_ROUTES.has(`${method} ${url}`)) for (const code of ['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'] as const) codes.add(code);
  if (doc.query || doc.body) codes.add('VALIDATION_FAILED');
  if (pathParameters(url).length > 0) for (const code of ['NOT_FOUND', 'PARAMETER_TOO_LONG', 'VALIDATION_FAILED'] as const) codes.add(code);
  if (doc.body) for (const code of ['INVALID_JSON', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) codes.add(code);
  if (doc.warehouse) codes.add('WAREHOUSE_UNAVAILABLE');
  if (doc.kafka) codes.add('EVENT_BUS_UNAVAILABLE');
  for (const code of doc.errors ?? []) codes.add(code);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    if (!codes.has(code)) continue;
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/** The shared error body (every non-2xx answer). */
export const ERROR_SCHEMA: Schema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error answer: a stable code from the registry, a message, whether the same request may succeed later, and the fields at fault',
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
    errors: {
      type: 'array',
      items: obj({ index: { type: 'integer', description: 'The event of a batch' }, field: { type: 'string' }, message: { type: 'string' } }, ['field', 'message']),
    },
  },
  required: ['code', 'message', 'retryable'],
};

/**
 * The route's schema: `schema` validates (query string, path parameters; any body) and `document` is
 * what the OpenAPI document shows (the same, plus the documented body and the responses). Undefined for
 * a route without documentation (the openapi test fails on it).
 */
export function routeSchema(method: string, url: string): { schema: Schema; document: Schema } | undefined {
  const doc = ROUTE_DOCS[`${method} ${url}`];
  if (!doc) return undefined;
  const schema: Schema = { summary: doc.summary, tags: [doc.tag], 'x-dodo-compatible': doc.dodo };
  // Every query string has a schema, so that an unknown or repeated parameter is refused everywhere.
  schema.querystring = { type: 'object', properties: doc.query?.properties ?? {}, ...(doc.query?.required ? { required: doc.query.required } : {}), additionalProperties: false };
  const params = pathParameters(url);
  if (params.length > 0) schema.params = { type: 'object', properties: Object.fromEntries(params.map((p) => [p, id])), required: params, additionalProperties: false };
  if (doc.body) schema.body = {};
  if (!PUBLIC_ROUTES.has(`${method} ${url}`)) schema.security = [{ bearerAuth: [] }];

  const success = doc.success ?? { status: 200, description: 'OK' };
  const responses: Schema = {
    [success.status]: success.status === 204 ? { description: success.description, type: 'null' } : { description: success.description, ...(success.schema ?? { type: 'object' }) },
  };
  if (url === '/readyz') responses[503] = { description: 'degraded or error: {status, reasons}', type: 'object' };
  for (const [status, codes] of routeErrors(method, url, doc)) responses[status] = { description: codes.join(', '), $ref: 'Error#' };
  return { schema, document: { ...schema, ...(doc.body ? { body: doc.body } : {}), response: responses } };
}
